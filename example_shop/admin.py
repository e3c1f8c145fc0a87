"""The shop's own back office: replacement orders waiting to ship.

The returns module asks the shop for a replacement (or exchange) order and the
shop's warehouse ships it like any order. When it leaves, an admin marks it shipped
here with the carrier and tracking number; the shop keeps them on its order and
tells the returns module (``record_shipment``), which shows the tracking on the
customer's return page and e-mails the customer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from flask_returns.fulfilment import record_shipment
from flask_returns.workflow import Actor

from .models import REPLACEMENT, ShopOrder, ShopOrderLine, db

shop_admin = Blueprint("shop_admin", __name__, url_prefix="/shop-admin")

# The carriers the warehouse ships with, and where a customer follows a parcel.
CARRIERS = {
    "Demo Parcel": "https://track.demo-parcel.example/{number}",
    "DHL": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}",
    "DPD": "https://tracking.dpd.de/status/en_US/parcel/{number}",
    "UPS": "https://www.ups.com/track?tracknum={number}",
}


def is_shop_admin() -> bool:
    """Who may use the shop's back office and the returns admin pages: signed-in admins."""
    return bool(current_user.is_authenticated and current_user.is_admin)


def admins_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Strangers are sent to sign in; signed-in customers are refused."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if not is_shop_admin():
            abort(403)
        return view(*args, **kwargs)

    return guarded


def tracking_url(carrier: str, number: str) -> str:
    template = CARRIERS.get(carrier, "")
    return template.format(number=quote(number, safe="")) if template else ""


class ShipForm(FlaskForm):
    carrier = SelectField("Carrier", choices=list(CARRIERS))
    tracking_number = StringField("Tracking number", validators=[DataRequired(), Length(max=128)])


@shop_admin.get("/replacements")
@admins_only
def replacements() -> str:
    rows = db.session.scalars(
        sa.select(ShopOrder)
        .where(ShopOrder.kind == REPLACEMENT)
        .options(
            selectinload(ShopOrder.lines).selectinload(ShopOrderLine.product),
            selectinload(ShopOrder.customer),
            selectinload(ShopOrder.source_order),
        )
        # Waiting to ship first, newest first.
        .order_by(ShopOrder.shipped_at.is_not(None), ShopOrder.placed_at.desc(), ShopOrder.id)
    ).all()
    return render_template("admin_replacements.html", orders=rows, form=ShipForm())


@shop_admin.post("/replacements/<int:order_id>/ship")
@admins_only
def ship(order_id: int) -> Response:
    form = ShipForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400, "The form had expired. Please send it again.")
        flash("Choose a carrier and enter the tracking number.")
        return redirect(url_for("shop_admin.replacements"))
    row = db.session.scalar(
        sa.select(ShopOrder)
        .where(ShopOrder.id == order_id, ShopOrder.kind == REPLACEMENT)
        .with_for_update()
    )
    if row is None:
        abort(404)
    if row.shipped_at is not None:
        db.session.rollback()
        flash(f"Order {row.number} was already marked shipped.")
        return redirect(url_for("shop_admin.replacements"))
    shipped_at = datetime.now(UTC).replace(microsecond=0)
    row.carrier = form.carrier.data or ""
    row.tracking_number = form.tracking_number.data.strip()
    row.tracking_url = tracking_url(row.carrier, row.tracking_number)
    row.shipped_at = shipped_at.replace(tzinfo=None)
    number, key = row.number, row.returns_key
    shipment = {
        "carrier": row.carrier,
        "tracking_number": row.tracking_number,
        "tracking_url": row.tracking_url,
    }
    db.session.commit()
    flash(f"Order {number} marked shipped.")
    if key:
        try:
            record_shipment(
                key, **shipment, shipped_at=shipped_at, actor=Actor.admin(str(current_user.id))
            )
        except LookupError:
            # The returns module has not recorded this order yet (its answer was lost);
            # its next settle run finds the order by key, tracking included.
            flash("The returns module will show the tracking once it has recorded the order.")
    return redirect(url_for("shop_admin.replacements"))
