"""Refunding a return exactly once.

What the amount may be comes from :mod:`flask_returns.refund_proposal`; recording
Stripe's answers (ours, webhooks, reconcile) lives in
:mod:`flask_returns.refund_settlement`. This module issues the refund.

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

import sqlalchemy as sa

from ..errors import ReturnsError
from ..i18n import current_locale, status_labels
from ..i18n import gettext as _
from ..models import Refund, RefundStatus, ReturnRequest
from ..money import Money
from ..payments import stripe as stripe_payments
from ..state import get_state
from ..workflow import Actor, record_event
from .proposal import (
    COUNTED,
    OPEN,
    RefundProposal,
    before_receipt,
    payment_remaining,
    policy_amount,
    propose_refund,
    refundable_status,
)
from .settlement import (
    lock_return,
    open_refunds,
    record_answer,
    record_refund_status,
    record_stripe_refund,
    settle_from_stripe,
)

__all__ = [
    "RefundProposal",
    "RefundRefused",
    "issue_refund",
    "open_refunds",
    "override_needed_message",
    "propose_refund",
    "record_refund_status",
    "settle_from_stripe",
]


class RefundRefused(ReturnsError):
    """No refund was made; the message says why, in words an admin can act on."""


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


def issue_refund(
    ret: ReturnRequest,
    amount: int | None,
    actor: Actor,
    *,
    note: str = "",
    override_reason: str = "",
) -> Refund:
    """Refund ``amount`` minor units of ``ret`` through Stripe, exactly once.

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
    if amount is not None and (
        isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0
    ):
        raise RefundRefused(_("Enter an amount greater than zero."))
    state = get_state()
    session = state.session
    order = state.orders.get_order(ret.order_reference)
    if order is None or not order.payment_reference:
        raise RefundRefused(_("The order has no payment to refund."))
    payment = order.payment_reference
    settled = False
    while True:
        # Stripe is read before the row is locked: no lock is held over a network call.
        remaining = payment_remaining(payment, ret.currency)
        if remaining is None:
            raise RefundRefused(
                _(
                    "Stripe could not be reached to check the payment, so no refund "
                    "was made. Try again in a few minutes."
                )
            )
        lock_return(ret)
        still_open = [r for r in ret.refunds if r.status in OPEN]
        if not still_open or settled:
            break
        # An earlier attempt is open: let go of the row, ask Stripe where that attempt
        # stands, then read the payment and lock again.
        session.commit()
        for refund in still_open:
            settle_from_stripe(refund)
        settled = True

    override_reason = override_reason.strip()
    try:
        if not refundable_status(ret, overriding=bool(override_reason)):
            raise RefundRefused(
                _(
                    "This return cannot be refunded while it is “%(status)s”.",
                    status=status_labels().get(ret.status, ret.status),
                )
            )
        if still_open:
            raise RefundRefused(
                _(
                    "An earlier refund of this return is still being processed "
                    "at Stripe. Try again in a few minutes."
                )
            )
        # The policy's amount from the lines and refunds read under the lock.
        proposal = policy_amount(ret, order)
        counted = sum(r.amount for r in ret.refunds if r.status in COUNTED)
        by_policy = min(proposal.total - counted, remaining)
        with_override = min(proposal.without_deductions - counted, remaining)
        if amount is None:
            amount = _whole_proposal(proposal.total - counted, remaining)
        if amount > by_policy and amount <= with_override and not override_reason:
            raise RefundRefused(override_needed_message(by_policy, ret.currency))
        ceiling = with_override if override_reason else by_policy
        if amount > ceiling:
            raise RefundRefused(
                _(
                    "At most %(amount)s can be refunded now.",
                    amount=_money(max(ceiling, 0), ret.currency),
                )
            )
        note = note.strip() or override_reason
        attempt = max((r.attempt for r in ret.refunds), default=0) + 1
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
        if amount > by_policy:
            record_event(
                ret,
                actor,
                "policy_overridden",
                None,
                None,
                {
                    "refund": attempt,
                    "amount": amount,
                    "policy_amount": max(by_policy, 0),
                    "currency": ret.currency,
                    "reason": override_reason,
                    "before_receipt": before_receipt(ret),
                },
            )
        record_event(
            ret,
            actor,
            "refund_requested",
            None,
            None,
            {"refund": attempt, "amount": amount, "currency": ret.currency, "note": note},
        )
        session.flush()
        # What the call needs, kept before the commit expires every loaded object.
        refund_id, idempotency_key, rma = refund.id, refund.idempotency_key, ret.rma
        session.commit()  # recorded before Stripe hears of it
    except BaseException:
        session.rollback()
        raise

    seen = (RefundStatus.PENDING, None)
    try:
        try:
            answer = stripe_payments.create_refund(
                payment,
                amount,
                idempotency_key=idempotency_key,
                our_refund_id=refund_id,
                rma=rma,
            )
        except stripe_payments.StripeFailure as failure:
            if not failure.outcome_known:
                raise RefundRefused(
                    _(
                        "Stripe did not answer, so we cannot tell yet whether the "
                        "refund went through. It will be checked at Stripe before "
                        "any new attempt; nothing will be refunded twice."
                    )
                ) from None
            record_answer(
                ret,
                refund,
                RefundStatus.FAILED,
                Actor.stripe(),
                seen=seen,
                failure_reason=str(failure),
            )
            session.commit()
            raise RefundRefused(_failure_message(failure)) from None
        record_stripe_refund(ret, refund, answer, seen=seen)
        _commit_keeping(ret, refund)
    except RefundRefused:
        raise
    except BaseException:
        session.rollback()  # never keep the row locked past a failure
        raise
    return refund


def _money(amount: int, currency: str) -> str:
    return Money(amount, currency).format(current_locale())


def _whole_proposal(proposed: int, remaining: int) -> int:
    if proposed <= 0 or remaining <= 0:
        raise RefundRefused(_("Nothing can be refunded for this return now."))
    if remaining < proposed:
        raise RefundRefused(
            _("Less than proposed can be refunded now; refund it from its own page.")
        )
    return proposed


def override_needed_message(by_policy: int, currency: str) -> str:
    """Why more than the policy's amount was refused: a reason is needed to override it."""
    return _(
        "The policy allows at most %(amount)s. To refund more, give a reason for "
        "overriding the policy; it is kept in the return's history.",
        amount=_money(max(by_policy, 0), currency),
    )


def _failure_message(failure: stripe_payments.StripeFailure) -> str:
    messages = {
        "declined": _("The card or bank refused the refund: %(detail)s", detail=str(failure)),
        "already_refunded": _("Stripe says this payment is already fully refunded."),
        "invalid": _("Stripe refused the refund: %(detail)s", detail=str(failure)),
        "auth": _("Stripe refused our API key. Check RETURNS_STRIPE_API_KEY."),
        "rate_limited": _("Stripe is busy right now. Try again in a minute."),
    }
    return messages.get(
        failure.kind, _("Stripe had a problem and made no refund. Try again in a few minutes.")
    )
