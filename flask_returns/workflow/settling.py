"""When a return is settled: what each line is due now, and closing the return.

A line is settled by its resolution: a refund (any refund of the return that
succeeded), an outbound order or a store credit that covers it, and for an
exchange to a cheaper variant also the refund of the difference. A return whose
every line is settled closes: ``refunded`` when refunds alone settled it, else
``resolved``.
"""

from __future__ import annotations

from typing import Any

from .. import signals
from ..errors import IllegalTransition
from ..models import (
    EventAction,
    FulfilmentKind,
    FulfilmentStatus,
    RefundStatus,
    Resolution,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
)
from ..policy import ReturnPolicy
from ..policy.return_policy import ShipTiming
from ..state import get_state
from .inputs import Actor

S = ReturnStatus
KIND_FOR = {
    Resolution.REPLACEMENT: FulfilmentKind.OUTBOUND_ORDER,
    Resolution.EXCHANGE: FulfilmentKind.OUTBOUND_ORDER,
    Resolution.STORE_CREDIT: FulfilmentKind.STORE_CREDIT,
}


def due_units(line: ReturnLine, policy: ReturnPolicy, *, overriding: bool = False) -> int | None:
    """Units of ``line`` its resolution is owed now; None while it waits for the goods.

    Goods back: what arrived. Before that: the authorized units of a line the customer
    keeps, of an advance exchange, of a refund or credit when refunds follow
    authorization, or (``overriding``) of a refund an admin makes early on record.
    """
    if not line.quantity_authorized:
        return 0
    if line.quantity_received is not None:
        return line.quantity_received
    resolution = Resolution(line.resolution)
    rule = policy.rule(line.reason)
    early = (
        line.keep_item
        or (resolution.ships_goods and rule.ships_on == ShipTiming.AUTHORIZATION)
        or (not resolution.ships_goods and (policy.refund_timing == "authorization" or overriding))
    )
    return line.quantity_authorized if early else None


def price_difference(line: ReturnLine) -> int:
    """Per unit, what an exchange to a cheaper variant pays back (0 for anything else)."""
    if line.resolution != Resolution.EXCHANGE or line.exchange_unit_amount is None:
        return 0
    return max(0, line.unit_amount - line.exchange_unit_amount)


def needs_refund(line: ReturnLine) -> bool:
    """Whether money goes back to the card for this line (a refund, or a difference)."""
    return line.resolution == Resolution.REFUND or price_difference(line) > 0


def line_settled(ret: ReturnRequest, line: ReturnLine, *, overriding: bool = False) -> bool:
    """Whether ``line`` has had everything its resolution owes it."""
    due = due_units(line, get_state().policy, overriding=overriding)
    if due is None:
        return False
    if due == 0:
        return True
    if needs_refund(line) and not any(r.status == RefundStatus.SUCCEEDED for r in ret.refunds):
        return False
    kind = KIND_FOR.get(Resolution(line.resolution))
    if kind is None:
        return True
    return any(
        f.kind == kind and f.status == FulfilmentStatus.SUCCEEDED and f.covers(line.id)
        for f in ret.fulfilments
    )


def summary_resolution(lines: list[ReturnLine]) -> str:
    """The return's resolution in one word: the lines' own when they agree, else mixed."""
    found = {line.resolution for line in lines if line.quantity_authorized != 0}
    found = found or {line.resolution for line in lines}
    return found.pop() if len(found) == 1 else "mixed"


def close_if_settled(
    ret: ReturnRequest,
    actor: Actor,
    details: dict[str, Any] | None = None,
    *,
    policy_overridden: bool = False,
) -> bool:
    """Close ``ret`` once every line is settled; True when it closed now.

    Refunds alone: ``refunded`` (as before resolutions existed, and with the same
    rule against refunding before the goods are back). Anything else: ``resolved``.
    """
    from .returns import _move, mark_refunded

    if ret.status not in (S.AUTHORIZED, S.RECEIVED):
        return False
    if not all(line_settled(ret, line, overriding=policy_overridden) for line in ret.lines):
        return False
    if all(line.resolution == Resolution.REFUND for line in ret.lines):
        try:
            mark_refunded(ret, actor, details, policy_overridden=policy_overridden)
        except IllegalTransition:
            return False
        return True
    _move(ret, S.RESOLVED, actor, EventAction.RESOLVED, details)
    signals.return_resolved.send(ret, actor=actor)
    return True
