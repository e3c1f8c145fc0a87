"""A small shop that mounts flask-returns the way the README tells a shop owner to."""

from __future__ import annotations

import os
from copy import deepcopy
from typing import Any

from flask import Flask, request
from flask_babel import Babel
from flask_login import LoginManager, current_user

from flask_returns import Returns

from .admin import is_shop_admin, shop_admin
from .models import Customer, db
from .orders import ShopOrders
from .seed import shop_cli
from .stock import connect_stock_receivers
from .views import shop

SHOP_LANGUAGES = ["en", "pl", "de"]

returns = Returns(orders=ShopOrders())
login_manager = LoginManager()
login_manager.login_view = "shop.login"


@login_manager.user_loader
def load_customer(customer_id: str) -> Customer | None:
    return db.session.get(Customer, int(customer_id)) if customer_id.isdigit() else None


def select_locale() -> str | None:
    """The shop's own language choice: a signed-in customer's, else the browser's."""
    if current_user.is_authenticated:
        return current_user.locale
    return request.accept_languages.best_match(SHOP_LANGUAGES)


# What a customer may take instead of their money, per reason, in the order offered.
# The adapter (ShopOrders) sends replacements and exchanges as the shop's own orders
# and credits the customer's gift-card balance; start-up checks that it can.
RESOLUTIONS = {
    "damaged": ["replacement", "refund"],
    "defective": ["replacement", "refund"],
    "size_fit": ["exchange", "store_credit", "refund"],
    "changed_mind": ["store_credit", "refund"],
}
# Percent added to the refund value when the customer takes store credit instead.
STORE_CREDIT_BONUS = {"size_fit": 10, "changed_mind": 10}
# A damaged line worth up to 15 EUR is settled without the customer sending it back.
KEEP_ITEM_UP_TO = {"damaged": {"EUR": 1500}}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        SECRET_KEY=os.environ.get("SHOP_SECRET_KEY", "dev-only-not-secret"),
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "SHOP_DATABASE_URL", f"sqlite:///{os.path.join(app.instance_path, 'shop.db')}"
        ),
        STRIPE_API_KEY=os.environ.get("STRIPE_API_KEY", "sk_test_demo_local"),
        STRIPE_API_BASE=os.environ.get("STRIPE_API_BASE"),
        RETURNS_SHOP_NAME="Example Shop",
        RETURNS_LAYOUT_TEMPLATE="returns_layout.html",
        # Prepaid return labels (made-up demo values: no real carrier account).
        RETURNS_RETURN_ADDRESS={
            "name": "Example Shop Returns",
            "line1": "Lagerstraße 7",
            "line2": "Gate 3",
            "postal_code": "10317",
            "city": "Berlin",
            "country": "DE",
        },
        RETURNS_CARRIER_NAME="Demo Parcel",
        RETURNS_CARRIER_ACCOUNT="DP-5012-3456",
        RETURNS_CARRIER_SERVICE="Returns Prepaid",
        RETURNS_SHOP_CONTACT={"email": "returns@shop.example", "phone": "+49 30 1234 5678"},
    )
    app.config.update(config or {})
    # The returns module refunds through the same Stripe account as checkout.
    app.config.setdefault("RETURNS_STRIPE_API_KEY", app.config["STRIPE_API_KEY"])
    app.config.setdefault("RETURNS_STRIPE_API_BASE", app.config["STRIPE_API_BASE"])
    # The shop's own admins work the returns queue.
    app.config.setdefault("RETURNS_ADMIN_PERMISSION", is_shop_admin)
    # Replacements, exchanges and store credit besides refunds (a test may set its own).
    app.config.setdefault("RETURNS_RESOLUTIONS", deepcopy(RESOLUTIONS))
    app.config.setdefault("RETURNS_STORE_CREDIT_BONUS", deepcopy(STORE_CREDIT_BONUS))
    app.config.setdefault("RETURNS_KEEP_ITEM_UP_TO", deepcopy(KEEP_ITEM_UP_TO))
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    Babel(app, locale_selector=select_locale)
    login_manager.init_app(app)
    returns.init_app(app)
    app.register_blueprint(shop)
    app.register_blueprint(shop_admin)
    connect_stock_receivers()
    app.cli.add_command(shop_cli)
    return app
