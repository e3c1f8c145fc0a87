"""Refunding a return: propose the amount, then refund it exactly once.

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

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from .errors import ReturnsError
from .i18n import current_locale
from .i18n import gettext as _
from .labels import status_labels
from .models import Refund, RefundStatus, ReturnRequest, ReturnStatus, utcnow
from .money import Money
from .payments import stripe as stripe_payments
from .refund_proposal import (
    COUNTED,
    OPEN,
    RefundProposal,
    payment_remaining,
    policy_amount,
    propose_refund,
    refundable_status,
)
from .state import get_state
from .workflow import (
    Actor,
    mark_refunded,
    record_event,
    reopen_after_failed_refund,
    settle_refund,
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


def _lock(ret: ReturnRequest, *, recording: bool = False) -> ReturnRequest:
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
    if not recording and session.get_bind().dialect.name != "postgresql":
        # SQLite has no row locks; the first write takes the database write lock.
        row = ReturnRequest.__table__.c
        session.execute(
            sa.update(ReturnRequest).where(row.id == return_id).values(updated_at=utcnow())
        )
    if recording:
        eager = [joinedload(ReturnRequest.refunds, innerjoin=True)]
    else:
        eager = [
            joinedload(ReturnRequest.lines, innerjoin=True),
            selectinload(ReturnRequest.refunds),
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
    fee, pay back shipping) up to the returned units at full price, but only with an
    ``override_reason``, which the history keeps beside the policy's own amount.

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
        _lock(ret)
        still_open = [r for r in ret.refunds if r.status in OPEN]
        if not still_open or settled:
            break
        # An earlier attempt is open: let go of the row, ask Stripe where that attempt
        # stands, then read the payment and lock again.
        session.commit()
        for refund in still_open:
            settle_from_stripe(refund)
        settled = True

    try:
        if not refundable_status(ret):
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
        override_reason = override_reason.strip()
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
            _record(
                ret,
                refund,
                RefundStatus.FAILED,
                Actor.stripe(),
                seen=seen,
                failure_reason=str(failure),
            )
            session.commit()
            raise RefundRefused(_failure_message(failure)) from None
        _record(
            ret,
            refund,
            RefundStatus(answer.status),
            Actor.stripe(answer.id),
            seen=seen,
            stripe_refund_id=answer.id,
            failure_reason=answer.failure_reason,
        )
        _commit_keeping(ret, refund)
    except RefundRefused:
        raise
    except BaseException:
        session.rollback()  # never keep the row locked past a failure
        raise
    return refund


def record_refund_status(
    refund: Refund,
    status: RefundStatus,
    actor: Actor,
    *,
    stripe_refund_id: str | None = None,
    failure_reason: str = "",
) -> bool:
    """Record a refund status and follow it through on the return.

    The return's row is locked and the refund re-read first, so two reports of the
    same news (our answer and a webhook, say) are recorded once.
    """
    return _record(
        refund.return_request,
        refund,
        status,
        actor,
        stripe_refund_id=stripe_refund_id,
        failure_reason=failure_reason,
    )


def _record(
    ret: ReturnRequest,
    refund: Refund,
    status: RefundStatus,
    actor: Actor,
    *,
    seen: tuple[str, str | None] | None = None,
    stripe_refund_id: str | None = None,
    failure_reason: str = "",
) -> bool:
    """:func:`record_refund_status` with ``ret`` known; with ``seen``, only if unchanged.

    ``seen`` is the refund's (status, Stripe id) when Stripe was asked. When the row,
    read again under the lock, has moved on since (a webhook or a reconcile got there
    first), that news stands and this answer is not recorded again.
    """
    _lock(ret, recording=True)
    if seen is not None and (refund.status, refund.stripe_refund_id) != seen:
        return False
    changed = settle_refund(
        refund, status, actor, failure_reason=failure_reason, stripe_refund_id=stripe_refund_id
    )
    if changed and status == RefundStatus.SUCCEEDED and ret.status != ReturnStatus.REFUNDED:
        mark_refunded(ret, actor, {"refund": refund.attempt})
    elif changed and status == RefundStatus.FAILED and ret.status == ReturnStatus.REFUNDED:
        reopen_after_failed_refund(ret, actor, reason=failure_reason or "refund failed")
    return changed


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
        changed = _record(
            ret,
            refund,
            RefundStatus.FAILED,
            Actor.system("reconcile"),
            seen=seen,
            failure_reason="no refund reached Stripe",
        )
    else:
        changed = _record(
            ret,
            refund,
            RefundStatus(found.status),
            Actor.stripe(found.id),
            seen=seen,
            stripe_refund_id=found.id,
            failure_reason=found.failure_reason,
        )
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
