"""Making a return's outbound order and store credit exactly once.

The same order of things as a refund (:mod:`flask_returns.refunds.issue`):

1. lock the return row, so two admins' clicks (or a click and the worker) take turns;
2. work out what is due and not yet asked for; or find the attempt still pending;
3. commit a :class:`~flask_returns.models.Fulfilment` with a stable key *before* the
   host is called;
4. call the host outside any transaction, with that key; record its answer with
   the row locked again.

An attempt whose answer was lost stays ``pending``. The next run looks it up by its
key first and only then asks again, with the same key, so the host can recognise
the repeat; while an earlier call may still be running (younger than
``RETURNS_HOST_TIMEOUT``, no end recorded) nothing is asked at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..models import (
    EventAction,
    Fulfilment,
    FulfilmentKind,
    FulfilmentStatus,
    Resolution,
    ReturnRequest,
    utcnow,
)
from ..resolutions import OutboundItem, OutboundOrder, StoreCredit, store_credit_value
from ..state import get_state
from ..workflow import (
    KIND_FOR,
    Actor,
    due_units,
    record_delay,
    record_event,
    settle_fulfilment,
    take_write_lock,
)

log = logging.getLogger("flask_returns.fulfilment")

K = FulfilmentKind
PENDING = FulfilmentStatus.PENDING


@dataclass(frozen=True)
class Outcome:
    """What one run did for one kind: made, delayed (will be retried) or in progress."""

    kind: FulfilmentKind
    result: str
    fulfilment_id: int
    error: str = ""


@dataclass(frozen=True)
class _Call:
    fulfilment_id: int
    key: str
    kind: FulfilmentKind
    order_reference: str
    rma: str
    items: list[dict[str, Any]] = field(default_factory=list)
    amount: int = 0
    currency: str = ""
    look_up_first: bool = False


def lock_return(ret: ReturnRequest) -> ReturnRequest:
    """Hold ``ret``'s row until the next commit, its lines, refunds and fulfilments re-read."""
    session = get_state().session
    return_id = sa.inspect(ret).identity[0]
    take_write_lock(session, ReturnRequest.id == return_id)
    return (
        session.scalars(
            sa.select(ReturnRequest)
            .where(ReturnRequest.id == return_id)
            .options(
                joinedload(ReturnRequest.lines, innerjoin=True),
                selectinload(ReturnRequest.fulfilments),
                selectinload(ReturnRequest.refunds),
            )
            .with_for_update(of=ReturnRequest)
            .execution_options(populate_existing=True)
        )
        .unique()
        .one()
    )


def carry_out(ret: ReturnRequest, actor: Actor) -> list[Outcome]:
    """Make whatever ``ret``'s lines are owed now (outbound order, store credit), once."""
    outcomes = []
    for kind in (K.OUTBOUND_ORDER, K.STORE_CREDIT):
        outcome = _carry_out_kind(ret, kind, actor)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def _carry_out_kind(ret: ReturnRequest, kind: FulfilmentKind, actor: Actor) -> Outcome | None:
    session = get_state().session
    try:
        lock_return(ret)
        pending = next((f for f in ret.fulfilments if f.kind == kind and f.status == PENDING), None)
        if pending is not None and _call_may_be_running(pending):
            session.rollback()
            return Outcome(kind, "in_progress", pending.id)
        call = _retry(pending) if pending is not None else _record_attempt(ret, kind, actor)
        if call is None:
            session.rollback()
            return None
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _ask_host(ret, call)


def _call_may_be_running(fulfilment: Fulfilment) -> bool:
    """Whether an earlier call could still be at work: started, not ended, not timed out."""
    started, ended = fulfilment.call_started_at, fulfilment.call_ended_at
    if started is None or (ended is not None and ended >= started):
        return False
    timeout = get_state().settings["RETURNS_HOST_TIMEOUT"]
    return utcnow() - started < timedelta(seconds=timeout)


def _retry(fulfilment: Fulfilment) -> _Call:
    fulfilment.call_started_at = fulfilment.updated_at = utcnow()
    return _call_for(fulfilment, look_up_first=True)


def _call_for(fulfilment: Fulfilment, *, look_up_first: bool) -> _Call:
    ret = fulfilment.return_request
    return _Call(
        fulfilment_id=fulfilment.id,
        key=fulfilment.idempotency_key,
        kind=K(fulfilment.kind),
        order_reference=ret.order_reference,
        rma=ret.rma,
        items=list(fulfilment.items),
        amount=fulfilment.amount or 0,
        currency=fulfilment.currency,
        look_up_first=look_up_first,
    )


def due_items(ret: ReturnRequest, kind: FulfilmentKind) -> list[dict[str, Any]]:
    """The lines owed ``kind`` now and not yet in any attempt of it, with their units."""
    policy = get_state().policy
    items = []
    for line in ret.lines:
        resolution = Resolution(line.resolution)
        if KIND_FOR.get(resolution) != kind:
            continue
        if any(f.kind == kind and f.covers(line.id) for f in ret.fulfilments):
            continue
        units = due_units(line, policy)
        if not units:
            continue
        item: dict[str, Any] = {
            "line": line.id,
            "order_line": line.order_line_reference,
            "sku": line.exchange_sku or line.sku,
            "name": line.exchange_name or line.name,
            "quantity": units,
        }
        if kind == K.STORE_CREDIT:
            credit, bonus = store_credit_value(
                line.unit_amount, units, policy, line.reason, ret.currency
            )
            item.update(amount=credit, bonus=bonus)
        items.append(item)
    return items


def _record_attempt(ret: ReturnRequest, kind: FulfilmentKind, actor: Actor) -> _Call | None:
    """Commit the attempt with its stable key before the host hears of it."""
    items = due_items(ret, kind)
    amount = sum(item.get("amount", 0) for item in items)
    if not items or (kind == K.STORE_CREDIT and amount <= 0):
        return None
    attempt = max((f.attempt for f in ret.fulfilments if f.kind == kind), default=0) + 1
    now = utcnow()
    fulfilment = Fulfilment(
        return_request=ret,
        kind=kind,
        attempt=attempt,
        status=PENDING,
        idempotency_key=f"flask-returns:{ret.rma}:{kind.value}:{attempt}",
        items=items,
        amount=amount if kind == K.STORE_CREDIT else None,
        bonus=sum(item.get("bonus", 0) for item in items),
        currency=ret.currency,
        created_by=actor.id,
        created_at=now,
        call_started_at=now,
    )
    get_state().session.add(fulfilment)
    record_event(
        ret,
        actor,
        EventAction.OUTBOUND_ORDER_REQUESTED
        if kind == K.OUTBOUND_ORDER
        else EventAction.STORE_CREDIT_REQUESTED,
        None,
        None,
        {
            "fulfilment": attempt,
            "lines": [item["line"] for item in items],
            "amount": fulfilment.amount,
            "currency": ret.currency,
        },
    )
    get_state().session.flush()
    return _call_for(fulfilment, look_up_first=False)


def _ask_host(ret: ReturnRequest, call: _Call) -> Outcome:
    """Call the host outside any transaction, then record its answer once."""
    state = get_state()
    session = state.session
    try:
        answer = _make(call)
    except Exception as problem:  # the host's code: any failure leaves the attempt pending
        log.warning("flask-returns: %s for %s not made yet: %r", call.kind, call.rma, problem)
        error = f"{type(problem).__name__}: {problem}"
        try:
            fulfilment = _locked_fulfilment(ret, call)
            record_delay(fulfilment, Actor.system(call.kind.value), error)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return Outcome(call.kind, "delayed", call.fulfilment_id, error)
    try:
        fulfilment = _locked_fulfilment(ret, call)
        settle_fulfilment(fulfilment, Actor.system(call.kind.value), **_answer_fields(answer))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return Outcome(call.kind, "made", call.fulfilment_id)


def _locked_fulfilment(ret: ReturnRequest, call: _Call) -> Fulfilment:
    lock_return(ret)
    return next(f for f in ret.fulfilments if f.id == call.fulfilment_id)


def _make(call: _Call) -> OutboundOrder | StoreCredit:
    """Look the attempt up by its key (when retrying), else ask the host to make it."""
    orders: Any = get_state().orders
    if call.look_up_first:
        found = (
            orders.find_outbound_order(call.key)
            if call.kind == K.OUTBOUND_ORDER
            else orders.find_store_credit(call.key)
        )
        if found is not None:
            return found  # type: ignore[no-any-return]
    order = orders.get_order(call.order_reference)
    if order is None:
        raise LookupError(f"order {call.order_reference} not found")
    if call.kind == K.OUTBOUND_ORDER:
        items = [
            OutboundItem(i["sku"], i["name"], i["quantity"], i["order_line"]) for i in call.items
        ]
        return orders.create_outbound_order(call.key, order, items, rma=call.rma)  # type: ignore[no-any-return]
    return orders.issue_store_credit(  # type: ignore[no-any-return]
        call.key, order, call.amount, call.currency, rma=call.rma
    )


def _answer_fields(answer: OutboundOrder | StoreCredit) -> dict[str, Any]:
    if isinstance(answer, StoreCredit):
        return {"reference": answer.reference, "number": answer.code}
    return {
        "reference": answer.reference,
        "number": answer.number,
        "carrier": answer.carrier,
        "tracking_number": answer.tracking_number,
        "tracking_url": answer.tracking_url,
        "shipped_at": answer.shipped_at,
    }
