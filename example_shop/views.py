"""The shop's own pages: products, sign-in, a customer's orders."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from .models import Customer, Product, ShopOrder, db

shop = Blueprint("shop", __name__)


@shop.get("/")
def home() -> str:
    products = db.session.scalars(db.select(Product).order_by(Product.name)).all()
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
        .order_by(ShopOrder.placed_at.desc())
    ).all()
    return render_template("orders.html", orders=rows)
