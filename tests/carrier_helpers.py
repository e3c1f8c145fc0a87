"""A bare host that books its labels with a carrier platform's fake on 127.0.0.1.

The fakes (``example_shop/fake_carriers``) answer in the shapes the platforms
document; the module's real provider code and the platforms' own SDKs talk to them.
One fake server per platform serves the whole session and is emptied per test.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from flask_returns.models import ReturnRequest, Shipment
from flask_returns.testing import open_return
from flask_returns.workflow import Actor, authorize_return

from .hosts import MemoryOrders, make_order
from .label_helpers import LABEL_SETTINGS, POLISH

ADMIN = Actor.admin("7")
ADMIN_SETTINGS = {
    "RETURNS_ADMIN_PERMISSION": lambda: True,
    "RETURNS_ADMIN_IDENTITY": lambda: "7",
}


def _session_fake(factory: Callable[[], object]) -> Iterator[object]:
    fake = factory()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def _easypost_server() -> Iterator[object]:
    from example_shop.fake_carriers.easypost import FakeEasyPost

    yield from _session_fake(FakeEasyPost)


@pytest.fixture(scope="session")
def _shippo_server() -> Iterator[object]:
    from example_shop.fake_carriers.shippo import FakeShippo

    yield from _session_fake(FakeShippo)


@pytest.fixture(scope="session")
def _dhl_server() -> Iterator[object]:
    from example_shop.fake_carriers.dhl import FakeDHL

    yield from _session_fake(FakeDHL)


@pytest.fixture
def easypost(_easypost_server):
    _easypost_server.reset()
    return _easypost_server


@pytest.fixture
def shippo(_shippo_server):
    _shippo_server.reset()
    return _shippo_server


@pytest.fixture
def dhl(_dhl_server):
    _dhl_server.reset()
    return _dhl_server


def polish_order(reference: str = "9001"):
    return dataclasses.replace(
        make_order(reference), shipping_address=POLISH, customer_name=POLISH.name
    )


@pytest.fixture
def make_carrier_host(make_host_app) -> Callable[..., Flask]:
    """Factory: a bare host whose labels ``name`` books at ``fake``; extra settings apply."""

    def make(name: str, fake, orders: MemoryOrders | None = None, **config: object) -> Flask:
        settings = {k: v for k, v in LABEL_SETTINGS.items() if not k.startswith("RETURNS_CARRIER")}
        settings.update(
            RETURNS_CARRIER=name,
            RETURNS_CARRIER_OPTIONS=fake.options(),
            RETURNS_CARRIER_TIMEOUT=5,
            **ADMIN_SETTINGS,
        )
        settings.update(config)
        return make_host_app(orders or MemoryOrders(polish_order()), **settings)

    return make


def authorized(app: Flask, order_reference: str = "9001", *, locale: str = "pl") -> str:
    """Open a return of the shirts and the mug, authorize it (no label yet); its RMA."""
    with app.app_context():
        order = app.extensions["returns"].orders.get_order(order_reference)
        ret = open_return(order, {"L1": (2, "size_fit"), "L2": (1, "size_fit")}, locale=locale)
        authorize_return(ret, ADMIN)
        app.extensions["returns"].session.commit()
        return ret.rma


def the_return(app: Flask, rma: str) -> ReturnRequest:
    """The return as stored now (call inside an app context)."""
    from flask_returns.workflow import find_return

    state = app.extensions["returns"]
    state.session.expire_all()
    found = find_return(rma)
    assert found is not None
    return found


def shipments(app: Flask, rma: str) -> list[Shipment]:
    with app.app_context():
        ret = the_return(app, rma)
        rows = list(ret.shipments)
        for row in rows:
            app.extensions["returns"].session.expunge(row)
        return rows
