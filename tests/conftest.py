"""Fixtures shared by the suite.

Every test that touches the database runs twice: on SQLite and on a real
PostgreSQL server that the harness starts; browser tests run once, on PostgreSQL.
The example shop talks to a real local Stripe server over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_returns import schema
from flask_returns.models import Base

from .harness.listener import Listener
from .hosts import MemoryOrders, make_host
from .label_helpers import LABEL_SETTINGS
from .mail_helpers import RETURN_ADDRESS, mail_config

pytest_plugins = ["tests.harness.fixtures", "tests.carrier_helpers"]

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run on PostgreSQL only.

    A browser test checks what a person sees and does; what the database does under
    it is the other tests' work, on both databases. Chromium makes these the slowest
    tests, so each runs once, on PostgreSQL, the database a shop runs in production.
    The SQLite variant is deselected rather than skipped: it is not a test left
    undone, so it should not be reported as one on every run.
    """
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        on_sqlite = params is not None and params.params.get("database_url") == "sqlite"
        (dropped if on_sqlite and item.get_closest_marker("browser") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database on each backend, made once per session."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'returns.db'}"
    postgres = request.getfixturevalue("postgres_server")
    return postgres.create_database("returns_test")


@pytest.fixture(scope="session")
def _schema_ready(database_url: str) -> str:
    """The shop's tables and the returns tables (through the migrations)."""
    from example_shop.models import db as shop_db

    engine = sa.create_engine(database_url)
    shop_db.Model.metadata.create_all(engine)
    schema.upgrade(engine)
    engine.dispose()
    return database_url


def _empty_all_tables(engine: sa.Engine) -> None:
    from example_shop.models import db as shop_db

    tables = list(reversed(Base.metadata.sorted_tables)) + list(
        reversed(shop_db.Model.metadata.sorted_tables)
    )
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())


def release_apps(made: list[Flask], db_of: Callable[[Flask], Any]) -> None:
    """After a test: end every app's session, empty the tables once, close the pools."""
    for app in made:
        with app.app_context():
            db_of(app).session.remove()
    if made:
        with made[0].app_context():
            _empty_all_tables(db_of(made[0]).engine)
    for app in made:
        with app.app_context():
            db_of(app).engine.dispose()


# --------------------------------------------------------------------------- the example shop


def _shop_apps(
    database_url: str, tmp_path: Path, stripe: dict[str, str], seed: Callable[[], object]
) -> Iterator[Callable[..., Flask]]:
    """Body of the shop fixtures: a factory of shop apps on one database, seeded by
    the first app made; the tables are emptied afterwards."""
    from example_shop import create_app
    from example_shop.models import db

    made: list[Flask] = []

    def make(**config: object) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                **stripe,
                "RETURNS_STORAGE_PATH": str(tmp_path / "files"),
                "SECRET_KEY": "test-secret",
                **config,
            }
        )
        if not made:
            with app.app_context():
                seed()
        made.append(app)
        return app

    yield make
    release_apps(made, lambda app: db)


@pytest.fixture
def make_shop_app(_schema_ready: str, stripe_server, tmp_path: Path) -> Iterator:
    """Factory: the example shop with its demo orders paid through real PaymentIntents
    at the local Stripe server; keyword arguments are extra app settings. Seeds once
    per test. For tests that refund, or that show what a payment still holds."""
    from example_shop.seed import seed_demo_data

    stripe = {"STRIPE_API_KEY": stripe_server.api_key, "STRIPE_API_BASE": stripe_server.api_base}
    yield from _shop_apps(_schema_ready, tmp_path, stripe, seed_demo_data)


@pytest.fixture
def shop_app(make_shop_app) -> Flask:
    """The example shop with its demo orders paid at Stripe (see ``make_shop_app``)."""
    return make_shop_app()


def _no_payment(client: object, amount: int, currency: str, **details: Any) -> str:
    """Stands in for a PaymentIntent: a reference that no Stripe server knows."""
    return f"pi_unpaid_{details['metadata']['order_number']}"


@pytest.fixture
def make_unpaid_shop_app(_schema_ready: str, tmp_path: Path, monkeypatch) -> Iterator:
    """Factory: the example shop with the same demo orders, paid nowhere.

    Each order carries a made-up payment reference and no Stripe server is started:
    for tests that look orders up, open returns, authorize or reject them, and read
    queues, labels and exports. The admin page of an authorized or received return
    reads the payment at Stripe, and so does every refund: those need
    ``make_shop_app``. Stripe's address here is a port that only counts connections;
    a test that made one fails, so no test silently takes Stripe's error path.
    """
    from example_shop import seed

    def seed_unpaid() -> None:
        with monkeypatch.context() as patch:
            patch.setattr(seed, "create_paid_payment_intent", _no_payment)
            seed.seed_demo_data()

    nowhere = Listener()
    stripe = {"STRIPE_API_KEY": "sk_test_unpaid", "STRIPE_API_BASE": nowhere.url}
    try:
        yield from _shop_apps(_schema_ready, tmp_path, stripe, seed_unpaid)
    finally:
        nowhere.close()
    if nowhere.hits:
        pytest.fail(
            f"{nowhere.hits} connection(s) to Stripe from a shop whose orders are not paid "
            "there: use shop_app (or make_shop_app)",
            pytrace=False,
        )


@pytest.fixture
def unpaid_shop_app(make_unpaid_shop_app) -> Flask:
    """The example shop with its demo orders paid nowhere (see ``make_unpaid_shop_app``)."""
    return make_unpaid_shop_app()


# --------------------------------------------------------------------------- bare hosts


@pytest.fixture
def make_host_app(_schema_ready: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Factory: a bare host (``tests/hosts.py``) over the given in-memory orders, on the
    test database, its files under ``tmp_path``; keyword arguments are extra settings.
    Every app made is released and the tables emptied after the test."""
    made: list[Flask] = []

    def make(orders: MemoryOrders | None = None, **config: object) -> Flask:
        settings = {"RETURNS_STORAGE_PATH": str(tmp_path / "files"), **config}
        app = make_host(_schema_ready, orders, **settings)
        made.append(app)
        return app

    yield make
    release_apps(made, lambda app: app.extensions["test_db"])


@pytest.fixture
def host_app(make_host_app) -> Iterator[Flask]:
    """A bare host app with an in-memory order source, on the test database, inside
    its app context."""
    app = make_host_app()
    with app.app_context():
        yield app


@pytest.fixture
def make_label_host(make_host_app) -> Callable[..., Flask]:
    """Factory: a bare host that prints return labels (``LABEL_SETTINGS``)."""
    return lambda orders, **config: make_host_app(orders, **{**LABEL_SETTINGS, **config})


@pytest.fixture
def make_mail_host(make_host_app, smtp) -> Callable[..., Flask]:
    """Factory: a bare host that mails through the test SMTP server."""

    def make(orders: MemoryOrders | None = None, **config: object) -> Flask:
        settings = {"RETURNS_RETURN_ADDRESS": RETURN_ADDRESS, **mail_config(smtp), **config}
        return make_host_app(orders, **settings)

    return make


@pytest.fixture
def db_session(host_app: Flask):
    return host_app.extensions["test_db"].session


@pytest.fixture
def memory_orders(host_app: Flask) -> MemoryOrders:
    return host_app.extensions["returns"].orders
