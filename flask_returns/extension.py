"""The ``Returns`` extension object: wiring only, no per-app state of its own."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .carriers.registry import carrier_from_settings
from .cli import returns_cli
from .documents.startup import check_label_setup
from .errors import ConfigurationError
from .i18n import available_locales
from .limits import limiter_for
from .mail import connect_receivers, warn_about_mail
from .orders import OrderSource
from .policy import policy_from_settings
from .resolutions import missing_capabilities
from .settings import load_settings
from .state import ReturnsState
from .storage import Storage, storage_for
from .views import create_blueprint
from .views.admin.access import warn_if_unguarded


class Returns:
    """Mount customer returns on a Flask app.

    ``Returns(app, orders=MyOrders())`` or, in an app factory,
    ``returns = Returns(orders=MyOrders())`` then ``returns.init_app(app)``.
    The host's Flask-SQLAlchemy instance is found in ``app.extensions`` unless
    given as ``db``; the extension never creates its own.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        orders: OrderSource | None = None,
        db: Any = None,
        storage: Storage | None = None,
    ) -> None:
        self._orders = orders
        self._db = db
        self._storage = storage
        if app is not None:
            self.init_app(app)

    def init_app(
        self,
        app: Flask,
        *,
        orders: OrderSource | None = None,
        db: Any = None,
        storage: Storage | None = None,
    ) -> None:
        orders = orders if orders is not None else self._orders
        if not isinstance(orders, OrderSource):
            raise ConfigurationError(
                "flask-returns needs the host's orders: Returns(app, orders=...) with an "
                "object that has find_order(number, email) and get_order(reference)"
            )
        db = db if db is not None else self._db
        if db is None:
            db = app.extensions.get("sqlalchemy")
        if db is None or not hasattr(db, "session"):
            raise ConfigurationError(
                "flask-returns uses the host's Flask-SQLAlchemy: initialise SQLAlchemy(app) "
                "before Returns, or pass db=..."
            )
        settings = load_settings(app.config)
        missing = set(settings["RETURNS_LOCALES"]) - available_locales(
            settings["RETURNS_TRANSLATION_DIRECTORIES"]
        )
        if missing:
            raise ConfigurationError(
                f"RETURNS_LOCALES names languages without a catalog: {', '.join(sorted(missing))}"
            )
        storage = storage_for(app, settings, storage or self._storage)
        policy = policy_from_settings(settings.values)
        missing = missing_capabilities(orders, policy.offered_resolutions)
        if missing:
            raise ConfigurationError(
                "the return policy offers what the orders adapter cannot do: " + "; ".join(missing)
            )
        app.extensions["returns"] = ReturnsState(
            settings=settings,
            orders=orders,
            db=db,
            storage=storage,
            limiter=limiter_for(app, settings),
            policy=policy,
            carrier=carrier_from_settings(settings.values),
        )
        app.register_blueprint(create_blueprint(app), url_prefix=settings.url_prefix)
        warn_if_unguarded(app)
        check_label_setup(app)
        warn_about_mail(app, settings)
        connect_receivers()
        app.cli.add_command(returns_cli)
