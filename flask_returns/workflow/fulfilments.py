"""A line's resolution changing, and what the host made for a return being recorded.

The status of a :class:`~flask_returns.models.Fulfilment` changes here only, like a
refund's in :mod:`.refunds`; each change appends to the history, sends its signal,
and may close the return (:func:`~.settling.close_if_settled`).
"""

from __future__ import annotations

from datetime import datetime

from .. import signals
from ..errors import IllegalTransition
from ..models import (
    EventAction,
    Fulfilment,
    FulfilmentKind,
    FulfilmentStatus,
    RefundStatus,
    Resolution,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
    utcnow,
)
from ..resolutions import Refusal, ResolutionRefused, check_choice
from ..state import get_state
from .inputs import Actor
from .returns import record_event
from .settling import KIND_FOR, close_if_settled, summary_resolution

A = EventAction
S = ReturnStatus
# Before these, a line's resolution may still change; after, it is history.
CHANGEABLE = (S.REQUESTED, S.AUTHORIZED, S.RECEIVED)


def line_carried_out(ret: ReturnRequest, line: ReturnLine) -> bool:
    """Whether anything was made or paid for ``line`` (or is being): then it stays."""
    kind = KIND_FOR.get(Resolution(line.resolution))
    if kind is not None:
        return any(f.kind == kind and f.covers(line.id) for f in ret.fulfilments)
    counted = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION, RefundStatus.SUCCEEDED)
    return any(r.status in counted for r in ret.refunds)


def change_resolution(
    ret: ReturnRequest,
    line: ReturnLine,
    actor: Actor,
    *,
    resolution: str,
    note: str,
    offered: tuple[Resolution, ...],
    exchange_sku: str = "",
) -> None:
    """Settle ``line`` another way (out of stock: a refund instead), saying why.

    ``offered`` is what the shop can do (the admin is not held to what the policy
    offers customers for the reason); the choice is checked like a customer's.
    """
    if ret.status not in CHANGEABLE or line_carried_out(ret, line):
        raise ResolutionRefused(Refusal.ALREADY_CARRIED_OUT)
    if not note.strip():
        raise ResolutionRefused(Refusal.NOTE_NEEDED)
    state = get_state()
    order = state.orders.get_order(ret.order_reference)
    order_line = order.line(line.order_line_reference) if order is not None else None
    if order is None or order_line is None:
        raise ResolutionRefused(Refusal.HOST_UNAVAILABLE)
    choice = check_choice(
        state.policy,
        state.orders,
        order,
        order_line,
        reason=line.reason,
        quantity=line.quantity_requested,
        resolution=resolution,
        exchange_sku=exchange_sku,
        offered=offered,
    )
    previous = line.resolution
    line.resolution = choice.resolution
    exchange = choice.exchange
    line.exchange_sku = exchange.sku if exchange else None
    line.exchange_name = (exchange.label or exchange.name) if exchange else None
    line.exchange_unit_amount = exchange.unit_amount if exchange else None
    line.keep_item = line.keep_item and choice.keep_item
    line.resolution_note = note.strip()
    ret.resolution = summary_resolution(ret.lines)
    ret.updated_at = utcnow()
    record_event(
        ret,
        actor,
        A.RESOLUTION_CHANGED,
        None,
        None,
        {
            "line": line.id,
            "from": previous,
            "to": line.resolution,
            "exchange_sku": line.exchange_sku,
            "note": line.resolution_note,
        },
    )
    signals.resolution_changed.send(
        ret, actor=actor, line=line, previous=previous, note=line.resolution_note
    )


def settle_fulfilment(
    fulfilment: Fulfilment,
    actor: Actor,
    *,
    reference: str,
    number: str = "",
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    shipped_at: datetime | None = None,
) -> bool:
    """Record that the host made it; False when that was already recorded."""
    if fulfilment.status == FulfilmentStatus.SUCCEEDED:
        return False
    ret = fulfilment.return_request
    now = utcnow()
    fulfilment.status = FulfilmentStatus.SUCCEEDED
    fulfilment.host_reference = reference
    fulfilment.host_number = number
    fulfilment.call_ended_at = fulfilment.succeeded_at = fulfilment.updated_at = now
    fulfilment.last_error = ""
    outbound = fulfilment.kind == FulfilmentKind.OUTBOUND_ORDER
    record_event(
        ret,
        actor,
        A.OUTBOUND_ORDER_CREATED if outbound else A.STORE_CREDIT_ISSUED,
        None,
        None,
        {
            "fulfilment": fulfilment.attempt,
            "reference": reference,
            "number": number,
            "amount": fulfilment.amount,
            "currency": fulfilment.currency,
        },
    )
    if outbound:
        signals.outbound_order_created.send(ret, actor=actor, fulfilment=fulfilment)
    else:
        signals.store_credit_issued.send(ret, actor=actor, fulfilment=fulfilment)
    if outbound and tracking_number:
        record_outbound_shipped(
            fulfilment,
            actor,
            carrier=carrier,
            tracking_number=tracking_number,
            tracking_url=tracking_url,
            shipped_at=shipped_at,
        )
    close_if_settled(ret, actor, {"fulfilment": fulfilment.attempt})
    return True


def record_outbound_shipped(
    fulfilment: Fulfilment,
    actor: Actor,
    *,
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    shipped_at: datetime | None = None,
) -> bool:
    """The replacement is on its way; False when this tracking was already recorded."""
    if fulfilment.kind != FulfilmentKind.OUTBOUND_ORDER:
        raise IllegalTransition(f"fulfilment {fulfilment.id}", fulfilment.kind, "shipped")
    if fulfilment.status != FulfilmentStatus.SUCCEEDED:
        raise IllegalTransition(f"fulfilment {fulfilment.id}", fulfilment.status, "shipped")
    if fulfilment.shipped_at is not None and fulfilment.tracking_number == tracking_number:
        return False
    fulfilment.carrier = carrier
    fulfilment.tracking_number = tracking_number
    fulfilment.tracking_url = tracking_url
    fulfilment.shipped_at = shipped_at or utcnow()
    fulfilment.updated_at = utcnow()
    ret = fulfilment.return_request
    record_event(
        ret,
        actor,
        A.OUTBOUND_ORDER_SHIPPED,
        None,
        None,
        {
            "fulfilment": fulfilment.attempt,
            "number": fulfilment.host_number,
            "carrier": carrier,
            "tracking_number": tracking_number,
        },
    )
    signals.outbound_order_shipped.send(ret, actor=actor, fulfilment=fulfilment)
    return True


def record_delay(fulfilment: Fulfilment, actor: Actor, error: str) -> None:
    """The host's call failed or its answer was lost: on record, to be tried again."""
    fulfilment.call_ended_at = fulfilment.updated_at = utcnow()
    fulfilment.last_error = error[:1000]
    record_event(
        fulfilment.return_request,
        actor,
        A.FULFILMENT_DELAYED,
        None,
        None,
        {"fulfilment": fulfilment.attempt, "kind": fulfilment.kind, "error": error[:500]},
    )
