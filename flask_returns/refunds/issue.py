"""Refunding a return exactly once.

What the amount may be comes from :mod:`.proposal`; recording Stripe's answers
(ours, webhooks, reconcile) lives in :mod:`.settlement`; why a refund was refused
is worded in :mod:`.refusals`. This module issues the refund, in named steps.

The order of things is what keeps money safe:

1. lock the return row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite a write
   to the row takes the database's write lock), so two admins clicking at once
   are served one after the other;
2. refuse while an earlier attempt is still open, and anything above what the
   policy allows or the payment still holds (refunds made directly in Stripe count);
3. commit a ``Refund`` row with a stable idempotency key *before* calling Stripe;
4. call Stripe outside any database transaction, then record its answer with the
   row locked again and the refund re-read, so an answer that a webhook or a
   reconcile recorded meanwhile is not recorded twice.

An attempt whose answer never came back stays ``pending`` and is settled by
looking it up at Stripe (our row id is in the refund's metadata), never by
refunding again.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..models import EventAction, Refund, RefundStatus, ReturnRequest
from ..orders import Order, report_amount_problem
from ..payments import stripe as stripe_payments
from ..state import get_state
from ..workflow import Actor, record_event
from .proposal import (
    OPEN,
    RefundProposal,
    before_receipt,
    capped,
    check_amount,
    payment_remaining,
    policy_amount,
    positive_amount,
    refundable_status,
    whole_proposal,
)
from .refusals import STRIPE_KINDS, RefundRefused, Refusal
from .settlement import lock_return, record_refund_status, settle_from_stripe, stripe_news

__all__ = ["RefundRefused", "issue_refund"]


def issue_refund(
    ret: ReturnRequest,
    amount: int | None,
    actor: Actor,
    *,
    note: str = "",
    override_reason: str = "",
) -> Refund:
    """Refund ``amount`` of ``ret`` (Stripe's units for its currency), exactly once.

    ``None`` refunds what the policy proposes, worked out under the lock from the same
    read of the payment, and only when the payment still holds all of it (what a bulk
    refund wants: no second look at Stripe, no silent partial refund).

    Customers are held to the policy; an admin may go beyond it (waive a restocking
    fee, pay back shipping, refund before the goods are back) up to the units at full
    price, but only with an ``override_reason``, which the history keeps beside the
    policy's own amount.

    Returns the recorded :class:`Refund`; raises :class:`RefundRefused` when nothing
    was refunded (a declined attempt is still recorded, as ``failed``).
    """
    if amount is not None:
        positive_amount(amount)
    order = get_state().orders.get_order(ret.order_reference)
    if order is None or not order.payment_reference:
        raise RefundRefused(Refusal.NO_PAYMENT)
    problem = report_amount_problem(order)
    if problem is not None:
        raise RefundRefused(Refusal.ORDER_AMOUNTS, problem=problem)
    remaining = _lock_and_settle(ret, order.payment_reference)
    try:
        proposal = _allowed(ret, order, remaining, overriding=bool(override_reason.strip()))
        amount = (
            whole_proposal(proposal)
            if amount is None
            else check_amount(amount, proposal, override_reason=override_reason)
        )
        call = _record_attempt(ret, proposal, amount, actor, note, override_reason.strip())
    except BaseException:
        get_state().session.rollback()
        raise
    return _ask_stripe(ret, call, order.payment_reference)


def _lock_and_settle(ret: ReturnRequest, payment: str) -> int:
    """Step 1: read what the payment holds, then lock the return; settle open attempts.

    Stripe is read before the row is locked: no lock is held over a network call. An
    earlier attempt still open is looked up at Stripe (with the row let go) once;
    if it stays open, nothing new may start. Returns what the payment holds.
    """
    session = get_state().session
    settled = False
    while True:
        remaining = payment_remaining(payment, ret.currency)
        if remaining is None:
            raise RefundRefused(Refusal.STRIPE_UNREACHABLE)
        lock_return(ret)
        still_open = [r for r in ret.refunds if r.status in OPEN]
        if not still_open:
            return remaining
        if settled:
            session.rollback()
            raise RefundRefused(Refusal.EARLIER_REFUND_OPEN)
        session.commit()
        for refund in still_open:
            settle_from_stripe(refund)
        settled = True


def _allowed(
    ret: ReturnRequest, order: Order, remaining: int, *, overriding: bool
) -> RefundProposal:
    """Step 2: the policy's amount and the override's, from the rows read under the lock."""
    if not refundable_status(ret, overriding=overriding):
        raise RefundRefused(Refusal.WRONG_STATUS, status=ret.status)
    return capped(policy_amount(ret, order), remaining)


@dataclass(frozen=True)
class _Call:
    """What the Stripe call needs, kept before the commit expires the loaded rows."""

    refund: Refund
    refund_id: int
    idempotency_key: str
    rma: str
    amount: int


def _record_attempt(
    ret: ReturnRequest,
    proposal: RefundProposal,
    amount: int,
    actor: Actor,
    note: str,
    override_reason: str,
) -> _Call:
    """Step 3: commit the attempt, with its stable idempotency key, before Stripe hears of it."""
    session = get_state().session
    attempt = max((r.attempt for r in ret.refunds), default=0) + 1
    note = note.strip() or override_reason
    refund = Refund(
        return_request=ret,
        attempt=attempt,
        amount=amount,
        currency=ret.currency,
        status=RefundStatus.PENDING,
        idempotency_key=f"flask-returns:{ret.rma}:{attempt}",
        note=note,
        created_by=actor.id,
    )
    session.add(refund)
    if amount > proposal.maximum:
        record_event(
            ret,
            actor,
            EventAction.POLICY_OVERRIDDEN,
            None,
            None,
            {
                "refund": attempt,
                "amount": amount,
                "policy_amount": proposal.maximum,
                "currency": ret.currency,
                "reason": override_reason,
                "before_receipt": before_receipt(ret),
            },
        )
    record_event(
        ret,
        actor,
        EventAction.REFUND_REQUESTED,
        None,
        None,
        {"refund": attempt, "amount": amount, "currency": ret.currency, "note": note},
    )
    session.flush()
    call = _Call(refund, refund.id, refund.idempotency_key, ret.rma, amount)
    session.commit()
    return call


def _ask_stripe(ret: ReturnRequest, call: _Call, payment: str) -> Refund:
    """Step 4: call Stripe outside any transaction, then record its answer once."""
    session = get_state().session
    refund = call.refund
    seen = (RefundStatus.PENDING, None)
    try:
        try:
            answer = stripe_payments.create_refund(
                payment,
                call.amount,
                idempotency_key=call.idempotency_key,
                our_refund_id=call.refund_id,
                rma=call.rma,
            )
        except stripe_payments.StripeFailure as failure:
            if not failure.outcome_known:
                # Left pending: settled by looking it up at Stripe, never by a new call.
                raise RefundRefused(Refusal.OUTCOME_UNKNOWN) from None
            record_refund_status(
                refund, RefundStatus.FAILED, Actor.stripe(), seen=seen, failure_reason=str(failure)
            )
            session.commit()
            raise RefundRefused(
                STRIPE_KINDS.get(failure.kind, Refusal.STRIPE_FAILED), detail=str(failure)
            ) from None
        record_refund_status(refund, **stripe_news(answer), seen=seen)
        _commit_keeping(ret, refund)
    except RefundRefused:
        raise
    except BaseException:
        session.rollback()  # never keep the row locked past a failure
        raise
    return refund


def _commit_keeping(ret: ReturnRequest, refund: Refund) -> None:
    """Commit, leaving ``ret`` and ``refund`` loaded; everything else expires as usual.

    Both were read under the row lock and written in this transaction, so what they
    hold is what was just committed: reading them back would only cost a query.
    """
    session = get_state().session()
    keep = {sa.inspect(ret), sa.inspect(refund)}
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
        if expire:
            for state in list(session.identity_map.all_states()):
                obj = state.obj()
                if obj is not None and state not in keep:
                    session.expire(obj)
