"""The workflow: every allowed and every forbidden step, history, signals, quantities."""

from __future__ import annotations

import itertools
import re

import pytest
import sqlalchemy as sa

from flask_returns import IllegalTransition, InvalidReturn, signals
from flask_returns.models import Event, Refund, RefundStatus, ReturnRequest, ReturnStatus
from flask_returns.photos import StoredPhoto
from flask_returns.workflow import (
    Actor,
    LineReceipt,
    LineRequest,
    authorize_return,
    cancel_return,
    mark_received,
    mark_refunded,
    reject_return,
    reopen_after_failed_refund,
    request_return,
    settle_refund,
)

from .factories import make_return
from .hosts import make_order

ADMIN = Actor.admin("7")
CUSTOMER = Actor.customer("buyer@example.com")


def _receive_all(ret: ReturnRequest, actor: Actor) -> None:
    mark_received(
        ret, actor, [LineReceipt(line.id, line.quantity_authorized or 0) for line in ret.lines]
    )


STEPS = {
    "authorize": lambda ret, actor: authorize_return(ret, actor),
    "reject": lambda ret, actor: reject_return(ret, actor, reason="Worn"),
    "cancel": cancel_return,
    "receive": _receive_all,
    "refund": mark_refunded,
    "reopen": lambda ret, actor: reopen_after_failed_refund(ret, actor, reason="card expired"),
}

# Written out by hand, independently of workflow.TRANSITIONS, on purpose.
ALLOWED = {
    ("requested", "authorize"): "authorized",
    ("requested", "reject"): "rejected",
    ("requested", "cancel"): "cancelled",
    ("authorized", "receive"): "received",
    ("authorized", "cancel"): "cancelled",
    ("received", "refund"): "refunded",
    # _in_status() sets no received_at, so a reopened return goes back to authorized,
    # and goods refunded before they arrived can still be received (status unchanged).
    ("refunded", "reopen"): "authorized",
    ("refunded", "receive"): "refunded",
    # The same for a return settled by a replacement, an exchange or store credit.
    ("resolved", "reopen"): "authorized",
    ("resolved", "receive"): "resolved",
}
ALL_PAIRS = list(itertools.product([s.value for s in ReturnStatus], STEPS))


def _new_return(db_session, memory_orders) -> ReturnRequest:
    lines = {"L1": (2, "not_as_described"), "L2": (1, "size_fit")}
    ret = make_return(memory_orders.get_order("9001"), lines, locale="pl")
    db_session.flush()
    return ret


def _in_status(ret: ReturnRequest, status: str) -> ReturnRequest:
    # Test scaffolding: put the row straight into the status under test.
    ret.status = status
    for line in ret.lines:
        line.quantity_authorized = line.quantity_requested
    return ret


@pytest.mark.parametrize(("status", "step"), ALL_PAIRS, ids=[f"{s}-{t}" for s, t in ALL_PAIRS])
def test_every_step_from_every_status(db_session, memory_orders, status, step):
    ret = _in_status(_new_return(db_session, memory_orders), status)
    events_before = len(ret.events)
    wanted = ALLOWED.get((status, step))
    if wanted is None:
        with pytest.raises(IllegalTransition):
            STEPS[step](ret, ADMIN)
        assert ret.status == status
        assert len(ret.events) == events_before
    else:
        STEPS[step](ret, ADMIN)
        assert ret.status == wanted
        last = ret.events[-1]
        if status == wanted:  # a receipt after the refund: on record, no status change
            assert (last.action, last.from_status, last.to_status) == ("received", None, None)
            assert ret.received_at is not None
            with pytest.raises(IllegalTransition):  # and only once
                STEPS[step](ret, ADMIN)
            return
        assert (last.from_status, last.to_status) == (status, wanted)
        assert (last.actor_kind, last.actor_id) == ("admin", "7")
        if status not in ("refunded", "resolved"):  # reopening keeps the earlier date
            assert getattr(ret, f"{wanted}_at") is not None


def test_refund_straight_after_authorization_only_when_configured(db_session, memory_orders):
    ret = _in_status(_new_return(db_session, memory_orders), "authorized")
    with pytest.raises(IllegalTransition):
        mark_refunded(ret, ADMIN)
    assert ret.status == "authorized"


def test_refund_before_receipt_when_an_admin_overrode_the_policy(db_session, memory_orders):
    ret = _in_status(_new_return(db_session, memory_orders), "authorized")
    mark_refunded(ret, ADMIN, policy_overridden=True)
    assert ret.status == "refunded"


def test_refund_after_authorization_when_the_shop_refunds_early(make_host_app):
    app = make_host_app(RETURNS_REFUND_TIMING="authorization")
    with app.app_context():
        order = app.extensions["returns"].orders.get_order("9001")
        ret = request_return(order, [LineRequest("L2", 1, "other")], CUSTOMER, locale="en")
        authorize_return(ret, ADMIN)
        mark_refunded(ret, ADMIN)
        assert ret.status == "refunded"


def test_request_records_history_and_rma(db_session, memory_orders):
    ret = _new_return(db_session, memory_orders)
    assert re.fullmatch(r"R-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", ret.rma)
    assert ret.status == "requested"
    assert ret.customer_locale == "pl"
    assert [(e.action, e.actor_kind, e.to_status) for e in ret.events] == [
        ("requested", "customer", "requested")
    ]
    assert {(line.sku, line.quantity_requested, line.unit_amount) for line in ret.lines} == {
        ("SKU-1", 2, 2499),
        ("SKU-2", 1, 1450),
    }


def test_rma_numbers_differ(db_session, memory_orders):
    rmas = set()
    for reference in range(20):
        memory_orders.add(make_order(str(reference)))
        ret = request_return(
            memory_orders.get_order(str(reference)),
            [LineRequest("L2", 1, "other")],
            CUSTOMER,
            locale="en",
        )
        rmas.add(ret.rma)
    assert len(rmas) == 20


def test_signals_carry_the_return_and_actor(db_session, memory_orders):
    seen = []

    def receiver(sender, **extra):
        seen.append((sender.status, extra["actor"]))

    with (
        signals.return_requested.connected_to(receiver),
        signals.return_authorized.connected_to(receiver),
        signals.return_received.connected_to(receiver),
    ):
        ret = _new_return(db_session, memory_orders)
        authorize_return(ret, ADMIN)
        _receive_all(ret, ADMIN)
    assert seen == [("requested", CUSTOMER), ("authorized", ADMIN), ("received", ADMIN)]


def test_received_signal_lists_lines_for_restocking(db_session, memory_orders):
    ret = _new_return(db_session, memory_orders)
    authorize_return(ret, ADMIN)
    got = []
    with signals.return_received.connected_to(lambda sender, **kw: got.extend(kw["lines"])):
        first = ret.lines[0]
        mark_received(ret, ADMIN, [LineReceipt(first.id, 1, "opened", resellable=False)])
    assert got == [LineReceipt(first.id, 1, "opened", False)]
    assert first.quantity_received == 1 and first.resellable is False
    assert ret.lines[1].quantity_received == 0


def test_partial_authorization(db_session, memory_orders):
    ret = _new_return(db_session, memory_orders)
    first, second = ret.lines
    authorize_return(ret, ADMIN, quantities={first.id: 1, second.id: 0}, note="One shirt only")
    assert (first.quantity_authorized, second.quantity_authorized) == (1, 0)
    assert ret.authorization_note == "One shirt only"
    with pytest.raises(InvalidReturn):
        mark_received(ret, ADMIN, [LineReceipt(first.id, 2)])


@pytest.mark.parametrize(
    "quantities", [{"first": 3}, {"first": -1}, {"first": 0, "second": 0}, {"other": 1}]
)
def test_authorization_refuses_impossible_quantities(db_session, memory_orders, quantities):
    ret = _new_return(db_session, memory_orders)
    ids = {"first": ret.lines[0].id, "second": ret.lines[1].id, "other": 99999}
    with pytest.raises(InvalidReturn):
        authorize_return(ret, ADMIN, quantities={ids[k]: v for k, v in quantities.items()})
    assert ret.status == "requested"


def test_rejection_needs_a_reason(db_session, memory_orders):
    ret = _new_return(db_session, memory_orders)
    with pytest.raises(InvalidReturn):
        reject_return(ret, ADMIN, reason="  ")
    reject_return(ret, ADMIN, reason="Worn and washed")
    assert ret.rejection_reason == "Worn and washed"


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ([LineRequest("L3", 1, "not_as_described")], "cannot be returned"),
        ([LineRequest("L9", 1, "not_as_described")], "no line"),
        ([LineRequest("L1", 3, "not_as_described")], "more units"),
        ([LineRequest("L1", 1, "not_as_described"), LineRequest("L1", 2, "other")], "more units"),
        ([LineRequest("L1", 0, "not_as_described")], "at least 1"),
        ([LineRequest("L1", 1, "bored")], "unknown reason"),
        ([], "at least one"),
    ],
)
def test_impossible_requests_are_refused(db_session, memory_orders, lines, problem):
    with pytest.raises(InvalidReturn, match=problem):
        request_return(memory_orders.get_order("9001"), lines, CUSTOMER, locale="en")


def test_units_already_claimed_cannot_be_claimed_again(db_session, memory_orders):
    order = memory_orders.get_order("9001")
    first = request_return(order, [LineRequest("L1", 2, "not_as_described")], CUSTOMER, locale="en")
    db_session.flush()
    with pytest.raises(InvalidReturn, match="more units"):
        request_return(order, [LineRequest("L1", 1, "not_as_described")], CUSTOMER, locale="en")
    cancel_return(first, CUSTOMER)
    db_session.flush()
    again = request_return(order, [LineRequest("L1", 2, "other")], CUSTOMER, locale="en")
    assert again.rma != first.rma


def test_history_is_append_only(db_session, memory_orders):
    ret = _new_return(db_session, memory_orders)
    db_session.commit()
    event = ret.events[0]
    event.action = "forged"
    with pytest.raises(ValueError, match="append-only"):
        db_session.commit()
    db_session.rollback()
    db_session.delete(db_session.get(Event, event.id))
    with pytest.raises(ValueError, match="append-only"):
        db_session.commit()
    db_session.rollback()


def test_one_transaction_with_the_hosts_writes(host_app, db_session, memory_orders):
    """A signal receiver's write and the return commit or roll back together."""
    marker = sa.table("host_marker", sa.column("note"))
    engine = host_app.extensions["test_db"].engine
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS host_marker (note VARCHAR(20))"))
        conn.execute(sa.text("DELETE FROM host_marker"))

    def restock(sender, **extra):
        db_session.execute(marker.insert().values(note=sender.rma))

    try:
        with signals.return_requested.connected_to(restock):
            ret = _new_return(db_session, memory_orders)
            rma = ret.rma
            db_session.rollback()
        assert db_session.scalar(sa.select(sa.func.count()).select_from(marker)) == 0
        assert db_session.scalar(sa.select(ReturnRequest).filter_by(rma=rma)) is None

        with signals.return_requested.connected_to(restock):
            ret = _new_return(db_session, memory_orders)
            db_session.commit()
        assert db_session.scalar(sa.select(marker.c.note)) == ret.rma
    finally:
        db_session.rollback()
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE host_marker"))


REFUND_ALLOWED = {
    ("pending", "requires_action"),
    ("pending", "succeeded"),
    ("pending", "failed"),
    ("pending", "canceled"),
    ("requires_action", "succeeded"),
    ("requires_action", "failed"),
    ("requires_action", "canceled"),
    ("succeeded", "failed"),
}
REFUND_PAIRS = list(itertools.product([s.value for s in RefundStatus], repeat=2))


@pytest.mark.parametrize(
    ("current", "wanted"), REFUND_PAIRS, ids=[f"{a}-{b}" for a, b in REFUND_PAIRS]
)
def test_every_refund_status_change(db_session, memory_orders, current, wanted):
    ret = _in_status(_new_return(db_session, memory_orders), "received")
    refund = Refund(
        return_request=ret,
        attempt=1,
        amount=1450,
        currency="EUR",
        status=current,
        idempotency_key=f"test-{ret.rma}-1",
    )
    db_session.add(refund)
    seen = []
    record = lambda sender, **kw: seen.append((sender.rma, kw["refund"].status))  # noqa: E731
    with signals.refund_succeeded.connected_to(record), signals.refund_failed.connected_to(record):
        if current == wanted:
            assert settle_refund(refund, RefundStatus(wanted), Actor.stripe("evt_1")) is False
            assert seen == []
        elif (current, wanted) in REFUND_ALLOWED:
            changed = settle_refund(
                refund,
                RefundStatus(wanted),
                Actor.stripe("evt_1"),
                failure_reason="expired_or_canceled_card" if wanted == "failed" else "",
                stripe_refund_id="re_123",
            )
            assert changed and refund.status == wanted and refund.stripe_refund_id == "re_123"
            assert ret.events[-1].action == f"refund_{wanted}"
            assert ret.events[-1].actor_kind == "stripe"
            expected = [(ret.rma, wanted)] if wanted in ("succeeded", "failed") else []
            assert seen == expected
        else:
            with pytest.raises(IllegalTransition):
                settle_refund(refund, RefundStatus(wanted), Actor.stripe("evt_1"))
            assert refund.status == current and seen == []


def test_a_reason_that_needs_a_photo_is_refused_without_one(db_session, memory_orders):
    order = memory_orders.get_order("9001")
    with pytest.raises(InvalidReturn, match="needs a photo"):
        request_return(order, [LineRequest("L1", 1, "damaged")], CUSTOMER, locale="en")
    photo = StoredPhoto("photos/ab/cd.jpg", "photos/ab/cd-thumb.jpg", 800, 600, 40_000)
    ret = request_return(
        order, [LineRequest("L1", 1, "damaged", photos=(photo,))], CUSTOMER, locale="en"
    )
    db_session.flush()
    # The workflow writes the photo's row, tied to its line.
    assert [(p.storage_key, p.line_id) for p in ret.photos] == [
        ("photos/ab/cd.jpg", ret.lines[0].id)
    ]
