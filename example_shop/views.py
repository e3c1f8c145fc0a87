"""The shop's own pages: products, sign-in, a customer's orders and gift-card balance."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from flask_returns import Money

from .models import Customer, GiftCardEntry, Product, ShopOrder, ShopOrderLine, db

shop = Blueprint("shop", __name__)


@shop.app_template_filter("money")
def money(amount: int, currency: str) -> str:
    """An amount in Stripe's units as the shop's (English) pages write it: €27.49."""
    return Money(int(amount), currency).format("en")


@shop.get("/")
def home() -> str:
    products = db.session.scalars(
        db.select(Product).order_by(Product.name, Product.variant_label, Product.sku)
    ).all()
    return render_template("home.html", products=products)


@shop.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        customer = db.session.scalar(db.select(Customer).filter_by(email=email))
        if customer and customer.check_password(request.form.get("password", "")):
            login_user(customer)
            target = request.args.get("next", "")
            # Only local paths: never an open redirect.
            if not target.startswith("/") or urlsplit(target).netloc or target.startswith("//"):
                target = url_for("shop.orders")
            return redirect(target)
        flash("Wrong e-mail or password.")
    return render_template("login.html")


@shop.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    return redirect(url_for("shop.home"))


@shop.get("/orders")
@login_required
def orders() -> str:
    rows = db.session.scalars(
        db.select(ShopOrder)
        .filter_by(customer_id=current_user.id)
        .options(
            selectinload(ShopOrder.lines).selectinload(ShopOrderLine.product),
            selectinload(ShopOrder.source_order),
        )
        .order_by(ShopOrder.placed_at.desc(), ShopOrder.id.desc())
    ).all()
    entries = db.session.scalars(
        db.select(GiftCardEntry)
        .filter_by(customer_id=current_user.id)
        .order_by(GiftCardEntry.created_at.desc(), GiftCardEntry.id.desc())
    ).all()
    return render_template(
        "orders.html", orders=rows, balance=gift_card_balance(current_user.id), entries=entries
    )


def gift_card_balance(customer_id: int) -> dict[str, int]:
    """The customer's gift-card balance per currency (Stripe's units), only those not 0."""
    rows = db.session.execute(
        db.select(GiftCardEntry.currency, db.func.sum(GiftCardEntry.amount))
        .where(GiftCardEntry.customer_id == customer_id)
        .group_by(GiftCardEntry.currency)
        .order_by(GiftCardEntry.currency)
    )
    return {currency: int(total) for currency, total in rows if total}
