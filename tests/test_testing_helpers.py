"""``flask_returns.testing``: what a shop's own tests stand on, checked on a real app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_returns import InvalidReturn, OrderLine, OrderSource, return_requested
from flask_returns.models import Base, ReturnRequest
from flask_returns.state import get_state
from flask_returns.testing import (
    MemoryOrders,
    clock_at,
    make_order,
    open_return,
    sample_photo,
)
from flask_returns.workflow import LineRequest

from .hosts import make_host

SHOP_EMAIL = "Ann.Buyer@Example.com"


@pytest.fixture
def orders() -> MemoryOrders:
    return MemoryOrders(make_order("1001", email=SHOP_EMAIL))


@pytest.fixture
def app(orders: MemoryOrders, tmp_path: Path) -> Iterator[Flask]:
    """A host on an in-memory SQLite database, its tables made, inside an app context."""
    app = make_host("sqlite://", orders=orders, RETURNS_STORAGE_PATH=str(tmp_path / "files"))
    db = app.extensions["test_db"]
    with app.app_context():
        Base.metadata.create_all(db.engine)
        yield app
        db.session.remove()
        db.engine.dispose()


def _reread(app: Flask, rma: str) -> ReturnRequest:
    """The return as the database holds it, not as the session remembers it."""
    session = app.extensions["test_db"].session
    session.expunge_all()
    ret = session.scalar(sa.select(ReturnRequest).where(ReturnRequest.rma == rma))
    assert ret is not None, f"{rma} was not committed"
    return ret


def test_memory_orders_is_an_order_source(orders: MemoryOrders) -> None:
    assert isinstance(orders, OrderSource)


def test_the_app_finds_the_order_by_its_email_in_any_case(app: Flask) -> None:
    source = app.extensions["returns"].orders
    order = source.get_order("1001")
    assert order is not None
    for typed in (SHOP_EMAIL, "ann.buyer@example.com", "  ANN.BUYER@EXAMPLE.COM "):
        assert source.find_order("1001", typed) is order
    assert source.find_order(" 1001 ", "ann.buyer@example.com") is order
    assert source.find_order("1001", "someone.else@example.com") is None
    assert source.find_order("1002", "ann.buyer@example.com") is None
    assert source.get_order("1002") is None


def test_add_keeps_an_order_and_replaces_one_with_its_reference() -> None:
    orders = MemoryOrders()
    first = orders.add(make_order("7", email="a@example.com"))
    assert orders.get_order("7") is first
    second = orders.add(make_order("7", email="b@example.com"))
    assert orders.get_order("7") is second
    assert orders.find_order("7", "a@example.com") is None


def test_make_order_can_be_returned_as_it_is() -> None:
    before = datetime.now(UTC)
    order = make_order("42", currency="JPY")
    after = datetime.now(UTC)
    assert order.number == "42"
    assert [(line.id, line.quantity, line.currency) for line in order.lines] == [
        ("L1", 2, "JPY"),
        ("L2", 1, "JPY"),
    ]
    assert all(line.returnable for line in order.lines)
    assert order.delivered_at is not None
    assert before - timedelta(days=3) <= order.delivered_at <= after - timedelta(days=3)
    assert order.placed_at < order.delivered_at
    assert order.shipping_address is not None
    assert order.payment_reference is None  # a test that refunds names its own payment


def test_make_order_counts_its_dates_back_from_the_clock() -> None:
    when = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    with clock_at(when):
        order = make_order(number="N-1", delivered_days_ago=40)
        undelivered = make_order(delivered_days_ago=None)
    assert order.number == "N-1"
    assert order.delivered_at == when - timedelta(days=40)
    assert undelivered.delivered_at is None
    assert undelivered.placed_at < when


def test_open_return_commits_a_requested_return_with_its_lines(
    app: Flask, orders: MemoryOrders
) -> None:
    order = orders.get_order("1001")
    assert order is not None
    made = open_return(order, {"L1": (2, "size_fit"), "L2": (1, "damaged")}, comment="Too small")

    ret = _reread(app, made.rma)
    assert ret.status == "requested"
    assert ret.order_reference == "1001"
    assert ret.order_number == "1001"
    assert ret.customer_email == "ann.buyer@example.com"
    assert ret.customer_locale == "en"
    assert ret.currency == "EUR"
    assert ret.customer_comment == "Too small"
    assert [
        (line.order_line_reference, line.sku, line.quantity_requested, line.reason)
        for line in ret.lines
    ] == [("L1", "SKU-SHIRT", 2, "size_fit"), ("L2", "SKU-MUG", 1, "damaged")]
    assert [line.unit_amount for line in ret.lines] == [2499, 1450]
    [event] = ret.events
    assert (event.action, event.actor_kind, event.actor_id) == (
        "requested",
        "customer",
        "ann.buyer@example.com",
    )
    assert (event.from_status, event.to_status) == (None, "requested")


def test_open_return_takes_line_requests_and_a_locale(app: Flask, orders: MemoryOrders) -> None:
    order = orders.add(
        make_order(
            "2002",
            currency="PLN",
            lines=(OrderLine("A", "SKU-A", "Lamp", 3, 9900, "PLN"),),
        )
    )
    photo = sample_photo()
    made = open_return(order, [LineRequest("A", 2, "defective", "Flickers", (photo,))], locale="pl")
    ret = _reread(app, made.rma)
    assert ret.customer_locale == "pl"
    [line] = ret.lines
    assert (line.quantity_requested, line.reason, line.comment) == (2, "defective", "Flickers")
    assert [(p.storage_key, p.line_id) for p in ret.photos] == [(photo.key, line.id)]


def test_open_return_adds_a_photo_where_the_reason_needs_one(
    app: Flask, orders: MemoryOrders
) -> None:
    assert "damaged" in get_state().policy.photo_reasons
    assert "size_fit" not in get_state().policy.photo_reasons
    order = orders.get_order("1001")
    assert order is not None
    made = open_return(order, {"L1": (1, "size_fit"), "L2": (1, "damaged")})
    ret = _reread(app, made.rma)
    [photo] = ret.photos
    assert photo.line is ret.lines[1]
    storage = get_state().storage
    assert storage.exists(photo.storage_key) and storage.exists(photo.thumbnail_key)
    assert (photo.width, photo.height) == (64, 48)


def test_open_return_sends_the_signal_a_shop_listens_to(app: Flask, orders: MemoryOrders) -> None:
    heard: list[tuple[ReturnRequest, str]] = []

    def receiver(ret: ReturnRequest, actor: object, **extra: object) -> None:
        heard.append((ret, ret.status))

    order = orders.get_order("1001")
    assert order is not None
    with return_requested.connected_to(receiver):
        made = open_return(order, {"L2": (1, "changed_mind")})
    assert heard == [(made, "requested")]


def test_open_return_refuses_what_cannot_be_returned(app: Flask, orders: MemoryOrders) -> None:
    order = orders.get_order("1001")
    assert order is not None
    open_return(order, {"L1": (2, "size_fit")})
    with pytest.raises(InvalidReturn, match="more units than are left"):
        open_return(order, {"L1": (1, "size_fit")})
    with pytest.raises(InvalidReturn, match="unknown reason"):
        open_return(order, {"L2": (1, "no_such_reason")})
    with pytest.raises(InvalidReturn, match="photo"):
        open_return(order, [LineRequest("L2", 1, "damaged")])  # chosen: no photo
    session = app.extensions["test_db"].session
    assert session.scalar(sa.select(sa.func.count()).select_from(ReturnRequest)) == 1


def test_clock_at_dates_the_return_and_its_history(app: Flask, orders: MemoryOrders) -> None:
    when = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    order = orders.get_order("1001")
    assert order is not None
    with clock_at(when):
        made = open_return(order, {"L1": (1, "size_fit")})

    ret = _reread(app, made.rma)
    assert ret.created_at == when
    assert ret.events[0].created_at == when
    assert ret.lines[0].requested_at == when


def test_clock_at_takes_any_time_zone_and_stores_utc(app: Flask, orders: MemoryOrders) -> None:
    warsaw_winter = timezone(timedelta(hours=1))
    when = datetime(2026, 2, 1, 10, 0, tzinfo=warsaw_winter)
    order = orders.get_order("1001")
    assert order is not None
    with clock_at(when):
        made = open_return(order, {"L2": (1, "damaged")})
    ret = _reread(app, made.rma)
    assert ret.created_at == datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    assert ret.created_at.tzinfo == UTC


def test_clock_at_ends_with_its_block() -> None:
    when = datetime(2020, 5, 1, tzinfo=UTC)
    with clock_at(when):
        assert make_order().delivered_at == when - timedelta(days=3)
    delivered = make_order().delivered_at
    assert delivered is not None and delivered > when + timedelta(days=365)


def test_clock_at_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware datetime"), clock_at(datetime(2026, 1, 1)):
        pass  # pragma: no cover
