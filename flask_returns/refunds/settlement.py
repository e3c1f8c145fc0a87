"""Recording Stripe's answers about refunds, and settling those whose answer is lost.

Every path that learns a refund's status (the answer to our own call, a webhook, a
reconcile run) records it here, with the return's row locked and the refund re-read,
so the same news arriving twice is recorded once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..models import EventAction, Refund, RefundStatus, ReturnRequest, utcnow
from ..payments import stripe as stripe_payments
from ..state import get_state
from ..workflow import (
    SETTLED,
    Actor,
    close_if_settled,
    reopen_after_failed_refund,
    settle_refund,
    take_write_lock,
)
from .proposal import OPEN, before_receipt


def lock_return(ret: ReturnRequest, *, recording: bool = False) -> ReturnRequest:
    """Hold the return's row until the next commit, and re-read what the step needs.

    To issue a refund: the return and its lines, locked together, then its refunds.
    To record Stripe's answer: the return and its refunds, locked together.

    When a ``FOR UPDATE`` had to wait, PostgreSQL returns the newest version of every
    row it locked, but a row inserted meanwhile is not in that statement's result.
    Lines are never added to a return, so they come with the lock. Refunds are added
    (by whoever held the lock before us), so before issuing one they are read by a
    statement of their own after the lock. When recording, the refund being recorded
    is in the join, locked and current; a new attempt can only have been added once
    that refund was settled, and it is new, so nothing recorded here depends on it.
    """
    session = get_state().session
    # The id from the identity key: an expired ``ret`` is not reloaded just for it.
    return_id = sa.inspect(ret).identity[0]
    if not recording:
        take_write_lock(session, ReturnRequest.id == return_id)
    if recording:
        eager = [
            joinedload(ReturnRequest.refunds, innerjoin=True),
            selectinload(ReturnRequest.fulfilments),
        ]
    else:
        eager = [
            joinedload(ReturnRequest.lines, innerjoin=True),
            selectinload(ReturnRequest.refunds),
            selectinload(ReturnRequest.fulfilments),
        ]
    # FOR UPDATE (SQLite leaves it out) locks the joined rows too; populate_existing
    # overwrites whatever the session held for them.
    session.scalars(
        sa.select(ReturnRequest)
        .where(ReturnRequest.id == return_id)
        .options(*eager)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).unique().one()
    return ret


def record_refund_status(
    refund: Refund,
    status: RefundStatus,
    actor: Actor,
    *,
    seen: tuple[str, str | None] | None = None,
    stripe_refund_id: str | None = None,
    failure_reason: str = "",
) -> bool:
    """Record news of a refund, from wherever it came, and follow it through on the return.

    The one entry for "a refund's status changed": our own call's answer, a webhook
    and a reconcile run all come here. The return's row is locked and the refund
    re-read first, so two reports of the same news are recorded once. ``seen`` is
    the refund's (status, Stripe id) when Stripe was asked: when the row has moved
    on since (a webhook or a reconcile got there first), that news stands and this
    answer is not recorded again. True when something changed.
    """
    ret = refund.return_request
    lock_return(ret, recording=True)
    if seen is not None and (refund.status, refund.stripe_refund_id) != seen:
        return False
    changed = settle_refund(
        refund, status, actor, failure_reason=failure_reason, stripe_refund_id=stripe_refund_id
    )
    if changed and status == RefundStatus.SUCCEEDED:
        close_if_settled(
            ret,
            actor,
            {"refund": refund.attempt},
            policy_overridden=before_receipt(ret) and _overridden(ret, refund),
        )
    elif changed and status == RefundStatus.FAILED and ret.status in SETTLED:
        reopen_after_failed_refund(ret, actor, reason=failure_reason or "refund failed")
    return changed


def stripe_news(found: stripe_payments.StripeRefund) -> dict[str, Any]:
    """What a refund object from Stripe says, as :func:`record_refund_status` takes it."""
    return {
        "status": RefundStatus(found.status),
        "actor": Actor.stripe(found.id),
        "stripe_refund_id": found.id,
        "failure_reason": found.failure_reason,
    }


def _overridden(ret: ReturnRequest, refund: Refund) -> bool:
    """Whether an admin overrode the policy, on record, to make this refund."""
    return any(
        event.action == EventAction.POLICY_OVERRIDDEN
        and (event.details or {}).get("refund") == refund.attempt
        for event in ret.events
    )


def settle_from_stripe(refund: Refund) -> bool:
    """Ask Stripe where an open refund stands and record it; True when something changed."""
    state = get_state()
    ret = refund.return_request
    order = state.orders.get_order(ret.order_reference)
    if order is None or not order.payment_reference:
        return False
    seen = (refund.status, refund.stripe_refund_id)
    try:
        if refund.stripe_refund_id:
            found = stripe_payments.retrieve_refund(refund.stripe_refund_id)
        else:
            found = stripe_payments.find_refund(order.payment_reference, refund.id)
    except stripe_payments.StripeFailure:
        return False  # Stripe unreachable: try again later
    if found is None:
        # Nothing reached Stripe. Only once every retry of that call is surely over
        # may the attempt count as failed, or a slow call could still land.
        timeout = state.settings["RETURNS_STRIPE_TIMEOUT"]
        if utcnow() - refund.created_at < timedelta(seconds=3 * timeout + 30):
            return False
        changed = record_refund_status(
            refund,
            RefundStatus.FAILED,
            Actor.system("reconcile"),
            seen=seen,
            failure_reason="no refund reached Stripe",
        )
    else:
        changed = record_refund_status(refund, **stripe_news(found), seen=seen)
    state.session.commit()
    return changed


def open_refunds() -> list[Refund]:
    """Every refund not yet final, oldest first (what ``reconcile`` works through)."""
    return list(
        get_state().session.scalars(
            sa.select(Refund)
            .where(Refund.status.in_([s.value for s in OPEN]))
            .order_by(Refund.created_at, Refund.id)
        )
    )


@dataclass(frozen=True)
class ReconcileSummary:
    """What one reconcile run found: refunds checked, settled now, still open, and
    left to another runner that holds them."""

    checked: int
    settled: int
    still_open: int
    taken: int = 0


def claim_refund(refund_id: int) -> bool:
    """Take an open refund for this runner until ``RETURNS_WORKER_LEASE`` runs out.

    One conditional UPDATE, committed before Stripe is asked, as the outbox claims
    its rows: it works on every database, holds no lock while Stripe answers, and a
    runner that dies mid-row simply lets its claim run out.
    """
    state = get_state()
    now = utcnow()
    taken = state.session.execute(
        sa.update(Refund)
        .where(
            Refund.id == refund_id,
            Refund.status.in_([s.value for s in OPEN]),
            sa.or_(Refund.claimed_until.is_(None), Refund.claimed_until < now),
        )
        .values(claimed_until=now + timedelta(seconds=state.settings["RETURNS_WORKER_LEASE"]))
        .execution_options(synchronize_session=False)
    )
    state.session.commit()
    return taken.rowcount == 1


def reconcile_open_refunds(
    each: Callable[[list[Refund]], Iterable[Refund]] = iter,
) -> ReconcileSummary:
    """Ask Stripe about every open refund no other runner holds, and record the answers.

    ``each`` wraps the list being worked through (the CLI shows a progress bar).
    """
    pending = open_refunds()
    settled = taken = 0
    for refund in each(pending):
        if not claim_refund(refund.id):
            taken += 1
            continue
        get_state().session.refresh(refund)
        settled += settle_from_stripe(refund)
    return ReconcileSummary(len(pending) - taken, settled, len(open_refunds()), taken)
