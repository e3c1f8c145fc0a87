"""The return's steps: request, authorize, reject, cancel, receive, refund.

Each step checks the transition, changes the rows, appends an :class:`Event`
naming who acted, and sends the step's signal. Steps add to the session but do
not commit: the caller commits, so a host's own writes (and a signal receiver's)
land in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from .. import signals
from ..errors import IllegalTransition, InvalidReturn
from ..models import (
    Event,
    EventAction,
    Photo,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
    utcnow,
)
from ..orders import Order, normalize_email, report_amount_problem
from ..photos import StoredPhoto
from ..policy import claimed_quantities
from ..resolutions import check_choice
from ..state import get_state
from .inputs import Actor, LineReceipt, LineRequest
from .settling import summary_resolution

S = ReturnStatus
A = EventAction

TRANSITIONS: Mapping[ReturnStatus, frozenset[ReturnStatus]] = {
    S.REQUESTED: frozenset({S.AUTHORIZED, S.REJECTED, S.CANCELLED}),
    # authorized -> refunded only when refunds follow authorization or an admin
    # overrode the policy (see mark_refunded); a refunded return can still be marked
    # received once, without a change of status (see mark_received).
    S.AUTHORIZED: frozenset({S.RECEIVED, S.CANCELLED, S.REFUNDED, S.RESOLVED}),
    S.RECEIVED: frozenset({S.REFUNDED, S.RESOLVED}),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
    S.RESOLVED: frozenset(),
}

# The one way back: a refund that fails after Stripe first reported success. Kept
# apart from TRANSITIONS so no other step can take it.
REOPENING: Mapping[ReturnStatus, frozenset[ReturnStatus]] = {
    S.REFUNDED: frozenset({S.RECEIVED, S.AUTHORIZED}),
    S.RESOLVED: frozenset({S.RECEIVED, S.AUTHORIZED}),
}

# Settled before the goods came back (refunds on authorization, an advance exchange,
# an override): the goods can still be marked received, once.
SETTLED = (S.REFUNDED, S.RESOLVED)

# Statuses whose lines still claim units of the order (a cancelled or rejected
# return gives its units back to the customer).

_TIMESTAMP = {
    S.AUTHORIZED: "authorized_at",
    S.REJECTED: "rejected_at",
    S.CANCELLED: "cancelled_at",
    S.RECEIVED: "received_at",
    S.REFUNDED: "refunded_at",
    S.RESOLVED: "resolved_at",
}

# RMA numbers: 8 symbols from an alphabet without look-alikes (0/O, 1/I/L, U)
# gives 30**8 (6.5e11) numbers: not a sequence a stranger can walk.
RMA_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def find_return(rma: str, *, lock: bool = False) -> ReturnRequest | None:
    """The return with this RMA, typed in any case and with stray spaces; None if none.

    ``lock`` holds its row until the next commit (``FOR UPDATE`` on PostgreSQL) and
    reads it afresh, so two admins' clicks on the same return take turns.
    """
    wanted = ReturnRequest.rma == str(rma).strip().upper()
    statement = sa.select(ReturnRequest).where(wanted)
    session = _session()
    if lock:
        take_write_lock(session, wanted)
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalar(statement)


def photo_row(photo: StoredPhoto, **links: Any) -> Photo:
    """The row of a photo already checked and stored, tied by ``links`` to its line
    or message."""
    return Photo(
        storage_key=photo.key,
        thumbnail_key=photo.thumbnail_key,
        width=photo.width,
        height=photo.height,
        byte_size=photo.byte_size,
        **links,
    )


def take_write_lock(session: Session, which: sa.ColumnElement[bool]) -> None:
    """Where rows cannot be locked (SQLite), take the database's write lock first.

    Call it before reading a return that a step will change. PostgreSQL locks the
    row with the ``FOR UPDATE`` of that read; SQLite has no row locks, and its reads
    outside a write see what another request may change before ours writes, so a
    write that changes nothing (``updated_at`` set to itself) starts the transaction
    holding the lock: steps on the same database take turns. The one place this rule
    is written.
    """
    if session.get_bind().dialect.name != "postgresql":
        session.execute(
            sa.update(ReturnRequest)
            .where(which)
            .values(updated_at=ReturnRequest.updated_at)
            .execution_options(synchronize_session=False)
        )


def new_rma() -> str:
    symbols = "".join(secrets.choice(RMA_ALPHABET) for _ in range(8))
    return f"R-{symbols[:4]}-{symbols[4:]}"


def _session(ret: ReturnRequest | None = None) -> Session:
    return (object_session(ret) if ret is not None else None) or get_state().session


def record_event(
    ret: ReturnRequest,
    actor: Actor,
    action: EventAction,
    from_status: str | None,
    to_status: str | None,
    details: dict[str, Any] | None = None,
) -> Event:
    """Append to the return's history (steps that change no status record here too)."""
    event = Event(
        return_request=ret,
        actor_kind=actor.kind,
        actor_id=actor.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        details=details or {},
        created_at=utcnow(),
    )
    _session(ret).add(event)
    return event


def can_transition(current: str, wanted: str) -> bool:
    return ReturnStatus(wanted) in TRANSITIONS[ReturnStatus(current)]


def can_receive(ret: ReturnRequest) -> bool:
    """Whether goods can be marked received: on the way back, or refunded before arriving."""
    if ret.status in SETTLED:
        return ret.received_at is None
    return can_transition(ret.status, S.RECEIVED)


def _move(
    ret: ReturnRequest,
    wanted: ReturnStatus,
    actor: Actor,
    action: EventAction,
    details: dict | None,
    allowed: Mapping[ReturnStatus, frozenset[ReturnStatus]] = TRANSITIONS,
) -> None:
    current = ReturnStatus(ret.status)
    if wanted not in allowed.get(current, frozenset()):
        raise IllegalTransition(ret.rma, current, wanted)
    now = utcnow()
    ret.status = wanted
    if current not in SETTLED:  # reopening keeps the original step's date
        setattr(ret, _TIMESTAMP[wanted], now)
    ret.updated_at = now
    record_event(ret, actor, action, current, wanted, details)


def request_return(
    order: Order,
    lines: Sequence[LineRequest],
    actor: Actor,
    *,
    locale: str,
    comment: str = "",
) -> ReturnRequest:
    """Open a return for ``order``. Raises :class:`InvalidReturn` on impossible lines."""
    if not lines:
        raise InvalidReturn("choose at least one line")
    problem = report_amount_problem(order)
    if problem is not None:
        raise InvalidReturn(problem)
    session = _session()
    policy = get_state().policy
    claimed = claimed_quantities(order.reference, session)
    wanted: dict[str, int] = {}
    for item in lines:
        wanted[item.order_line_id] = wanted.get(item.order_line_id, 0) + item.quantity
    ret = ReturnRequest(
        rma=_unused_rma(session),
        order_reference=order.reference,
        order_number=order.number,
        customer_email=normalize_email(order.email),
        customer_name=order.customer_name,
        customer_locale=locale,
        currency=order.currency,
        status=S.REQUESTED,
        access_key=secrets.token_hex(16),
        customer_comment=comment,
        created_at=utcnow(),
    )
    for item in lines:
        line = order.line(item.order_line_id)
        if line is None:
            raise InvalidReturn(f"order {order.number} has no line {item.order_line_id!r}")
        if policy.final_sale(line):
            raise InvalidReturn(f"line {line.id} cannot be returned")
        if line.currency != order.currency:
            raise InvalidReturn(f"line {line.id} is not in the order's currency")
        if item.quantity < 1:
            raise InvalidReturn("quantities must be at least 1")
        if wanted[line.id] > line.quantity - claimed.get(line.id, 0):
            raise InvalidReturn(f"line {line.id}: more units than are left to return")
        if item.reason not in policy.reasons:
            raise InvalidReturn(f"unknown reason {item.reason!r}")
        if item.reason in policy.photo_reasons and not item.photos:
            raise InvalidReturn(f"line {line.id}: reason {item.reason!r} needs a photo")
        choice = check_choice(
            policy,
            get_state().orders,
            order,
            line,
            reason=item.reason,
            quantity=item.quantity,
            resolution=item.resolution,
            exchange_sku=item.exchange_sku,
        )
        exchange = choice.exchange
        returned = ReturnLine(
            order_line_reference=line.id,
            sku=line.sku,
            name=line.name,
            unit_amount=line.unit_amount,
            quantity_requested=item.quantity,
            reason=item.reason,
            comment=item.comment,
            resolution_requested=choice.resolution,
            resolution=choice.resolution,
            exchange_sku=exchange.sku if exchange else None,
            exchange_name=(exchange.label or exchange.name) if exchange else None,
            exchange_unit_amount=exchange.unit_amount if exchange else None,
            keep_item=choice.keep_item,
        )
        ret.lines.append(returned)
        ret.photos.extend(photo_row(photo, line=returned) for photo in item.photos)
    ret.resolution = summary_resolution(ret.lines)
    session.add(ret)
    record_event(ret, actor, A.REQUESTED, None, S.REQUESTED, {"lines": len(lines)})
    signals.return_requested.send(ret, actor=actor)
    total = sum(line.unit_amount * line.quantity_requested for line in ret.lines)
    if policy.auto_authorizes(total, ret.currency, (line.reason for line in ret.lines)):
        authorize_return(ret, Actor.system("auto_authorization"))
    return ret


def _unused_rma(session: Session) -> str:
    while True:
        rma = new_rma()
        taken = session.scalar(sa.select(ReturnRequest.id).where(ReturnRequest.rma == rma))
        if taken is None:
            return rma


def authorize_return(
    ret: ReturnRequest,
    actor: Actor,
    *,
    quantities: Mapping[int, int] | None = None,
    note: str = "",
) -> None:
    """Authorize all lines, or only the quantities given per line id (0 leaves a line out)."""
    quantities = dict(quantities or {})
    unknown = set(quantities) - {line.id for line in ret.lines}
    if unknown:
        raise InvalidReturn(f"return {ret.rma} has no line(s) {sorted(unknown)}")
    for line in ret.lines:
        qty = quantities.get(line.id, line.quantity_requested)
        if not 0 <= qty <= line.quantity_requested:
            raise InvalidReturn(f"line {line.id}: authorize 0 to {line.quantity_requested} units")
    if not any(quantities.get(line.id, line.quantity_requested) for line in ret.lines):
        raise InvalidReturn("authorize at least one unit, or reject the return")
    _move(ret, S.AUTHORIZED, actor, A.AUTHORIZED, {"note": note, "quantities": quantities})
    for line in ret.lines:
        line.quantity_authorized = quantities.get(line.id, line.quantity_requested)
    ret.authorization_note = note
    signals.return_authorized.send(ret, actor=actor)


def reject_return(ret: ReturnRequest, actor: Actor, *, reason: str) -> None:
    """Refuse the return; ``reason`` is shown to the customer as written."""
    if not reason.strip():
        raise InvalidReturn("a rejection needs a reason the customer can read")
    _move(ret, S.REJECTED, actor, A.REJECTED, {"reason": reason})
    ret.rejection_reason = reason
    signals.return_rejected.send(ret, actor=actor)


def cancel_return(ret: ReturnRequest, actor: Actor) -> None:
    """Withdraw the return; allowed until the goods are received."""
    _move(ret, S.CANCELLED, actor, A.CANCELLED, None)
    signals.return_cancelled.send(ret, actor=actor)


def mark_received(ret: ReturnRequest, actor: Actor, receipts: Sequence[LineReceipt]) -> None:
    """Record what came back per line; lines not listed arrived with 0 units."""
    by_id = {line.id: line for line in ret.lines}
    seen = {receipt.line_id for receipt in receipts}
    if len(seen) != len(receipts) or not seen <= set(by_id):
        raise InvalidReturn(f"receipts must name each line of {ret.rma} at most once")
    for receipt in receipts:
        line = by_id[receipt.line_id]
        if not 0 <= receipt.quantity <= (line.quantity_authorized or 0):
            raise InvalidReturn(f"line {line.id}: at most {line.quantity_authorized} units")
    details = {
        "lines": [
            {
                "line": r.line_id,
                "quantity": r.quantity,
                "condition": r.condition,
                "resellable": r.resellable,
            }
            for r in receipts
        ]
    }
    if ret.status in SETTLED and ret.received_at is None:
        # Refunded before the goods came back (refunds on authorization, or an admin's
        # override): the receipt is still recorded, for the history and for restocking.
        now = utcnow()
        ret.received_at = ret.updated_at = now
        record_event(ret, actor, A.RECEIVED, None, None, details)
    else:
        _move(ret, S.RECEIVED, actor, A.RECEIVED, details)
    receipt_by_id = {r.line_id: r for r in receipts}
    for line in ret.lines:
        receipt = receipt_by_id.get(line.id)
        line.quantity_received = receipt.quantity if receipt else 0
        line.condition = receipt.condition if receipt else None
        line.resellable = receipt.resellable if receipt else None
    signals.return_received.send(ret, actor=actor, lines=list(receipts))


def reopen_after_failed_refund(ret: ReturnRequest, actor: Actor, *, reason: str) -> None:
    """A refund that Stripe reported as done has failed: put the return back in the queue."""
    wanted = S.RECEIVED if ret.received_at is not None else S.AUTHORIZED
    _move(ret, wanted, actor, A.REOPENED, {"reason": reason}, allowed=REOPENING)
    ret.refunded_at = ret.resolved_at = None


def mark_refunded(
    ret: ReturnRequest,
    actor: Actor,
    details: dict | None = None,
    *,
    policy_overridden: bool = False,
) -> None:
    """Close the return once its refund has succeeded.

    Before the goods are back only when refunds follow authorization, or when an
    admin overrode the policy (with a reason, on record) to refund early.
    """
    timing = get_state().policy.refund_timing
    early = timing == "authorization" or policy_overridden or ret.nothing_travels
    if ret.status == S.AUTHORIZED and not early:
        raise IllegalTransition(ret.rma, ret.status, S.REFUNDED)
    _move(ret, S.REFUNDED, actor, A.REFUNDED, details)
    signals.return_refunded.send(ret, actor=actor)
