"""Fixtures shared by the suite.

Every test that touches the database runs twice: on SQLite and on a real
PostgreSQL server that the harness starts. The example shop talks to a real
local Stripe server over HTTP.
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

from .hosts import MemoryOrders, make_host

pytest_plugins = ["tests.harness.fixtures"]

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.fixture
def make_shop_app(_schema_ready: str, stripe_server, tmp_path: Path) -> Iterator:
    """Factory: the example shop on the test database with its demo data at the local
    Stripe server; keyword arguments are extra app settings. Seeds once per test."""
    from example_shop import create_app
    from example_shop.models import db
    from example_shop.seed import seed_demo_data

    made: list[Flask] = []

    def make(**config: object) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": _schema_ready,
                "STRIPE_API_KEY": stripe_server.api_key,
                "STRIPE_API_BASE": stripe_server.api_base,
                "RETURNS_STORAGE_PATH": str(tmp_path / "files"),
                "SECRET_KEY": "test-secret",
                **config,
            }
        )
        if not made:
            with app.app_context():
                seed_demo_data()
        made.append(app)
        return app

    yield make
    release_apps(made, lambda app: db)


@pytest.fixture
def shop_app(make_shop_app) -> Flask:
    """The example shop with its demo data (see ``make_shop_app``)."""
    return make_shop_app()


@pytest.fixture
def host_app(_schema_ready: str) -> Iterator[Flask]:
    """A bare host app with an in-memory order source, on the test database."""
    app = make_host(_schema_ready)
    db = app.extensions["test_db"]
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        _empty_all_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def db_session(host_app: Flask):
    return host_app.extensions["test_db"].session


@pytest.fixture
def memory_orders(host_app: Flask) -> MemoryOrders:
    return host_app.extensions["returns"].orders
