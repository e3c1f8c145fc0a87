"""A refund's own status: what Stripe may still say about it, recorded in the history."""

from __future__ import annotations

from collections.abc import Mapping

from .. import signals
from ..errors import IllegalTransition
from ..models import EventAction, Refund, RefundStatus, utcnow
from .inputs import Actor
from .returns import record_event

A = EventAction

R = RefundStatus

REFUND_TRANSITIONS: Mapping[RefundStatus, frozenset[RefundStatus]] = {
    R.PENDING: frozenset({R.REQUIRES_ACTION, R.SUCCEEDED, R.FAILED, R.CANCELED}),
    R.REQUIRES_ACTION: frozenset({R.SUCCEEDED, R.FAILED, R.CANCELED}),
    # Card refunds can fail days after Stripe first reported success.
    R.SUCCEEDED: frozenset({R.FAILED}),
    R.FAILED: frozenset(),
    R.CANCELED: frozenset(),
}


def settle_refund(
    refund: Refund,
    status: RefundStatus,
    actor: Actor,
    *,
    failure_reason: str = "",
    stripe_refund_id: str | None = None,
) -> bool:
    """Record what Stripe says about a refund; False when it says nothing new.

    Stripe repeats itself (webhooks twice, reconcile after a webhook), so the same
    status again is not an error; going backwards is.
    """
    current = RefundStatus(refund.status)
    if status == current:
        return False
    ret = refund.return_request
    if status not in REFUND_TRANSITIONS[current]:
        raise IllegalTransition(f"{ret.rma} refund {refund.attempt}", current, status)
    refund.status = status
    refund.updated_at = utcnow()
    if stripe_refund_id:
        refund.stripe_refund_id = stripe_refund_id
    if failure_reason:
        refund.failure_reason = failure_reason
    details = {
        "refund": refund.attempt,
        "amount": refund.amount,
        "currency": refund.currency,
        "from": current.value,
        "to": status.value,
        "failure_reason": failure_reason,
    }
    record_event(ret, actor, A.for_refund(status), None, None, details)
    if status == R.SUCCEEDED:
        signals.refund_succeeded.send(ret, actor=actor, refund=refund)
    elif status == R.FAILED:
        signals.refund_failed.send(ret, actor=actor, refund=refund)
    return True
