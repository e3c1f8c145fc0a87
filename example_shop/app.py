"""A small shop that mounts flask-returns the way the README tells a shop owner to."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, request
from flask_babel import Babel
from flask_login import LoginManager, current_user

from flask_returns import Returns

from .models import Customer, db
from .orders import ShopOrders
from .seed import shop_cli
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


def is_shop_admin() -> bool:
    """Who may use the returns admin pages: signed-in shop admins."""
    return bool(current_user.is_authenticated and current_user.is_admin)


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
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    Babel(app, locale_selector=select_locale)
    login_manager.init_app(app)
    returns.init_app(app)
    app.register_blueprint(shop)
    app.cli.add_command(shop_cli)
    return app
