"""Migrations: up and down on empty databases, in step with the models, beside a host's own."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_returns import Returns, ignore_returns_tables, schema
from flask_returns.models import Base

from .hosts import MemoryOrders, make_host

RETURNS_TABLES = {
    "returns_request",
    "returns_line",
    "returns_photo",
    "returns_refund",
    "returns_fulfilment",
    "returns_shipment",
    "returns_message",
    "returns_label",
    "returns_outbox",
    "returns_event",
    "returns_stripe_event",
}
_counter = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    postgres = request.getfixturevalue("postgres_server")
    name = f"migrations_{next(_counter)}"
    yield postgres.create_database(name)
    postgres.drop_database(name)


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_cli_upgrades_and_downgrades_an_empty_database(empty_database_url):
    app = make_host(empty_database_url)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["returns", "db", "current"])
    assert "base (no tables)" in result.output

    result = runner.invoke(args=["returns", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _tables(empty_database_url) == RETURNS_TABLES | {schema.VERSION_TABLE}
    result = runner.invoke(args=["returns", "db", "current"])
    assert f"{schema.head_revision()}: up to date" in result.output

    result = runner.invoke(args=["returns", "db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert _tables(empty_database_url) <= {schema.VERSION_TABLE}
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


def test_migrations_match_the_models(empty_database_url):
    engine = sa.create_engine(empty_database_url)
    schema.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, parents: (
                    type_ != "table"
                    or (schema.is_returns_table(name) and name != schema.VERSION_TABLE)
                ),
            },
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def _flask_migrate_host(url: str, directory: Path, include_name=None) -> tuple[Flask, SQLAlchemy]:
    from flask_migrate import Migrate

    app = Flask("shop_with_flask_migrate")
    app.config.update(SECRET_KEY="s", SQLALCHEMY_DATABASE_URI=url)
    db = SQLAlchemy(app)

    class HostCustomer(db.Model):  # the host's own table, in the host's own history
        __tablename__ = "host_customer"
        id = sa.Column(sa.Integer, primary_key=True)
        email = sa.Column(sa.String(200))

    kwargs = {"include_name": include_name} if include_name else {}
    Migrate(app, db, directory=str(directory), **kwargs)
    Returns(app, orders=MemoryOrders())
    return app, db


def test_beside_a_host_that_uses_flask_migrate(empty_database_url, tmp_path: Path):
    import flask_migrate

    directory = tmp_path / "host_migrations"
    app, db = _flask_migrate_host(empty_database_url, directory, ignore_returns_tables)
    with app.app_context():
        flask_migrate.init(directory=str(directory))
        flask_migrate.migrate(directory=str(directory), message="host tables")
        flask_migrate.upgrade(directory=str(directory))
        schema.upgrade(db.engine)
        assert _tables(empty_database_url) == RETURNS_TABLES | {
            schema.VERSION_TABLE,
            "alembic_version",
            "host_customer",
        }
        host_revisions = sorted((directory / "versions").glob("*.py"))
        assert len(host_revisions) == 1

        # The host's next autogenerate sees nothing to do: our tables are not its business.
        flask_migrate.migrate(directory=str(directory), message="nothing new")
        assert sorted((directory / "versions").glob("*.py")) == host_revisions

        with db.engine.connect() as conn:
            host_rev = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
            ours = conn.scalar(sa.text(f"SELECT version_num FROM {schema.VERSION_TABLE}"))
        assert host_rev == host_revisions[0].name.split("_")[0]
        assert ours == schema.head_revision()

        schema.downgrade(db.engine, "base")
        assert {"host_customer", "alembic_version"} <= _tables(empty_database_url)
        assert not RETURNS_TABLES & _tables(empty_database_url)
        db.engine.dispose()


def test_without_the_hook_the_hosts_autogenerate_would_drop_our_tables(
    empty_database_url, tmp_path: Path
):
    """Shows why the README tells hosts to pass ``include_name=ignore_returns_tables``."""
    import flask_migrate

    directory = tmp_path / "host_migrations"
    app, db = _flask_migrate_host(empty_database_url, directory)
    with app.app_context():
        flask_migrate.init(directory=str(directory))
        flask_migrate.migrate(directory=str(directory), message="host tables")
        flask_migrate.upgrade(directory=str(directory))
        schema.upgrade(db.engine)
        flask_migrate.migrate(directory=str(directory), message="unwanted")
        newest = max((directory / "versions").glob("*unwanted*.py"))
        assert "drop_table('returns_request')" in newest.read_text()
        db.engine.dispose()
