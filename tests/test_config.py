"""Wiring and settings: clear errors at start-up, per-app state, two apps at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_returns import ConfigurationError, Returns
from flask_returns.settings import SETTINGS

from .hosts import MemoryOrders, make_order

ROOT = Path(__file__).resolve().parent.parent


def _app(**config: object) -> Flask:
    app = Flask("host")
    app.config.update({"SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": "sqlite://", **config})
    SQLAlchemy(app)
    return app


def test_defaults_are_filled_in_without_overriding_the_host():
    app = _app(RETURNS_WINDOW_DAYS=14)
    Returns(app, orders=MemoryOrders())
    assert app.config["RETURNS_WINDOW_DAYS"] == 14
    assert app.config["RETURNS_URL_PREFIX"] == "/returns"
    assert app.config["RETURNS_REFUND_TIMING"] == "receipt"
    assert app.extensions["returns"].settings["RETURNS_WINDOW_DAYS"] == 14


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("RETURNS_WINDOW_DAYS", "30", "RETURNS_WINDOW_DAYS must be an integer"),
        ("RETURNS_WINDOW_DAYS", -1, "RETURNS_WINDOW_DAYS must be an integer >= 0"),
        ("RETURNS_REFUND_TIMING", "later", "RETURNS_REFUND_TIMING must be one of"),
        ("RETURNS_URL_PREFIX", "returns/", "RETURNS_URL_PREFIX must look like"),
        ("RETURNS_REASONS", "damaged", "RETURNS_REASONS must be a non-empty list"),
        ("RETURNS_REASONS", ["Damaged!"], "RETURNS_REASONS must be a non-empty list"),
        ("RETURNS_PHOTO_REQUIRED_REASONS", ["melted"], "missing from RETURNS_REASONS"),
        ("RETURNS_LOCALES", ["en", "xx_nope"], "RETURNS_LOCALES"),
        ("RETURNS_LOCALES", ["en", "pl", "sw"], "without a catalog: sw"),
        ("RETURNS_DEFAULT_LOCALE", "sw", "RETURNS_DEFAULT_LOCALE must be one of RETURNS_LOCALES"),
        ("RETURNS_REASON_LABELS", ["zipper"], "RETURNS_REASON_LABELS must be a dict"),
        ("RETURNS_REASON_LABELS", {"Zipper!": "Zipper"}, "'Zipper!' is not a lower-case"),
        ("RETURNS_REASON_LABELS", {"zipper": ""}, "the name of 'zipper' must be text"),
        ("RETURNS_REASON_LABELS", {"zipper": {"xx_nope": "Z"}}, "'xx_nope' is not a locale"),
        ("RETURNS_REASON_LABELS", {"zipper": {"pl": " "}}, "the pl name of 'zipper' is empty"),
        ("RETURNS_WINDOW_DYAS", 30, "Unknown setting(s): RETURNS_WINDOW_DYAS"),
    ],
)
def test_a_wrong_setting_stops_start_up_naming_the_key(key, value, message):
    app = _app(**{key: value})
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        Returns(app, orders=MemoryOrders())


def test_secret_key_is_required():
    app = _app(SECRET_KEY=None)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Returns(app, orders=MemoryOrders())


def test_orders_adapter_is_required():
    with pytest.raises(ConfigurationError, match="orders"):
        Returns(_app())
    with pytest.raises(ConfigurationError, match="find_order"):
        Returns(_app(), orders=object())  # type: ignore[arg-type]


def test_the_hosts_sqlalchemy_is_required():
    app = Flask("bare")
    app.config["SECRET_KEY"] = "s"
    with pytest.raises(ConfigurationError, match="Flask-SQLAlchemy"):
        Returns(app, orders=MemoryOrders())


def test_uses_the_hosts_db_and_never_a_second_one():
    app = _app()
    Returns(app, orders=MemoryOrders())
    state = app.extensions["returns"]
    assert state.db is app.extensions["sqlalchemy"]


def test_app_factory_and_two_apps_in_one_process():
    extension = Returns(orders=MemoryOrders(make_order()))
    first = _app(RETURNS_URL_PREFIX="/returns", RETURNS_SHOP_NAME="First")
    second = _app(RETURNS_URL_PREFIX="/zwroty", RETURNS_SHOP_NAME="Second")
    extension.init_app(first)
    extension.init_app(second, orders=MemoryOrders())
    # Nothing app-specific is kept on the extension object.
    assert not any(isinstance(v, Flask) for v in vars(extension).values())
    assert first.extensions["returns"] is not second.extensions["returns"]
    assert first.extensions["returns"].orders is not second.extensions["returns"].orders
    one = first.test_client().get("/returns/")
    two = second.test_client().get("/zwroty/")
    assert one.status_code == two.status_code == 200
    assert "First" in one.get_data(as_text=True)
    assert "Second" in two.get_data(as_text=True)
    assert second.test_client().get("/returns/").status_code == 404


def test_readme_documents_every_setting_and_no_other():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `(RETURNS_[A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert documented == {setting.key for setting in SETTINGS}
