"""Refunding a return: propose the amount, then refund it exactly once.

The order of things is what keeps money safe:

1. lock the return row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite a write
   to the row takes the database's write lock), so two admins clicking at once
   are served one after the other;
2. refuse while an earlier attempt is still open, and anything above what the
   policy allows or the payment still holds (refunds made directly in Stripe count);
3. commit a ``Refund`` row with a stable idempotency key *before* calling Stripe;
4. call Stripe outside any database transaction, then record its answer.

An attempt whose answer never came back stays ``pending`` and is settled by
looking it up at Stripe (our row id is in the refund's metadata), never by
refunding again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import sqlalchemy as sa

from .errors import ReturnsError
from .i18n import current_locale
from .i18n import gettext as _
from .labels import status_labels
from .models import Refund, RefundStatus, ReturnRequest, ReturnStatus, utcnow
from .money import Money
from .orders import Order
from .payments import stripe as stripe_payments
from .state import get_state
from .workflow import (
    Actor,
    mark_refunded,
    record_event,
    reopen_after_failed_refund,
    settle_refund,
)

OPEN = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION)
COUNTED = (*OPEN, RefundStatus.SUCCEEDED)


class RefundRefused(ReturnsError):
    """No refund was made; the message says why, in words an admin can act on."""


@dataclass(frozen=True)
class ProposedLine:
    line_id: int
    name: str
    units: int
    unit_amount: int
    amount: int
    fee_percent: int
    fee: int


@dataclass(frozen=True)
class RefundProposal:
    currency: str
    lines: tuple[ProposedLine, ...]
    items: int
    restocking_fee: int
    shipping: int
    total: int
    already_refunded: int
    payment_remaining: int | None
    maximum: int


def _percent_of(amount: int, percent: int) -> int:
    # Half up, in integers: 10 % of 2499 cents is 250, never 249.9.
    return (amount * percent + 50) // 100


def refundable_units(ret: ReturnRequest) -> dict[int, int]:
    """Units per return line that may be paid back now, by the refund timing setting."""
    timing = get_state().settings["RETURNS_REFUND_TIMING"]
    units = {}
    for line in ret.lines:
        if line.quantity_received is not None:
            units[line.id] = line.quantity_received
        elif timing == "authorization":
            units[line.id] = line.quantity_authorized or 0
        else:
            units[line.id] = 0  # refunds follow receipt: nothing is back yet
    return units


def policy_amount(ret: ReturnRequest, order: Order | None) -> RefundProposal:
    """The policy's amount for ``ret`` (no Stripe involved): lines, fees, shipping."""
    settings = get_state().settings
    fees = settings["RETURNS_RESTOCKING_FEES"]
    units = refundable_units(ret)
    lines = []
    for line in ret.lines:
        amount = line.unit_amount * units[line.id]
        percent = fees.get(line.reason, 0)
        lines.append(
            ProposedLine(
                line.id,
                line.name,
                units[line.id],
                line.unit_amount,
                amount,
                percent,
                _percent_of(amount, percent),
            )
        )
    items = sum(p.amount for p in lines)
    fee = sum(p.fee for p in lines)
    shipping = 0
    if settings["RETURNS_REFUND_ORIGINAL_SHIPPING"] and order is not None and order.lines:
        back = {line.order_line_reference: units[line.id] for line in ret.lines}
        if all(back.get(ol.id, 0) >= ol.quantity for ol in order.lines):
            shipping = order.shipping_amount
    counted = sum(r.amount for r in ret.refunds if r.status in COUNTED)
    total = items - fee + shipping
    return RefundProposal(
        currency=ret.currency,
        lines=tuple(lines),
        items=items,
        restocking_fee=fee,
        shipping=shipping,
        total=total,
        already_refunded=counted,
        payment_remaining=None,
        maximum=0,
    )


def propose_refund(ret: ReturnRequest, order: Order | None = None) -> RefundProposal:
    """What the policy allows, capped by what the payment still holds at Stripe."""
    order = order or get_state().orders.get_order(ret.order_reference)
    proposal = policy_amount(ret, order)
    remaining = None
    if order is not None and order.payment_reference:
        try:
            balance = stripe_payments.payment_balance(order.payment_reference)
        except stripe_payments.StripeFailure:
            balance = None
        if balance is not None and balance.currency == ret.currency:
            remaining = balance.remaining
    maximum = proposal.total - proposal.already_refunded
    maximum = max(0, min(maximum, remaining if remaining is not None else 0))
    return replace(proposal, payment_remaining=remaining, maximum=maximum)


def _lock(ret: ReturnRequest) -> ReturnRequest:
    """Hold the return's row until the next commit, and re-read it."""
    session = get_state().session
    row = ReturnRequest.__table__.c
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(row.id).where(row.id == ret.id).with_for_update())
    else:
        # SQLite has no row locks; the first write takes the database write lock.
        session.execute(
            sa.update(ReturnRequest).where(row.id == ret.id).values(updated_at=utcnow())
        )
    session.refresh(ret)
    for refund in ret.refunds:
        session.refresh(refund)
    return ret


def _refundable_status(ret: ReturnRequest) -> bool:
    timing = get_state().settings["RETURNS_REFUND_TIMING"]
    allowed = {ReturnStatus.RECEIVED}
    if timing == "authorization":
        allowed.add(ReturnStatus.AUTHORIZED)
    return ret.status in allowed


def issue_refund(ret: ReturnRequest, amount: int, actor: Actor, *, note: str = "") -> Refund:
    """Refund ``amount`` minor units of ``ret`` through Stripe, exactly once.

    Returns the recorded :class:`Refund`; raises :class:`RefundRefused` when nothing
    was refunded (a declined attempt is still recorded, as ``failed``).
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise RefundRefused(_("Enter an amount greater than zero."))
    state = get_state()
    session = state.session
    for refund in [r for r in ret.refunds if r.status in OPEN]:
        settle_from_stripe(refund)
    order = state.orders.get_order(ret.order_reference)
    proposal = propose_refund(ret, order)  # reads Stripe before the row is locked
    if order is None or not order.payment_reference:
        raise RefundRefused(_("The order has no payment to refund."))
    if proposal.payment_remaining is None:
        raise RefundRefused(
            _(
                "Stripe could not be reached to check the payment, so no refund "
                "was made. Try again in a few minutes."
            )
        )

    _lock(ret)
    try:
        if not _refundable_status(ret):
            raise RefundRefused(
                _(
                    "This return cannot be refunded while it is “%(status)s”.",
                    status=status_labels().get(ret.status, ret.status),
                )
            )
        if any(r.status in OPEN for r in ret.refunds):
            raise RefundRefused(
                _(
                    "An earlier refund of this return is still being processed "
                    "at Stripe. Try again in a few minutes."
                )
            )
        counted = sum(r.amount for r in ret.refunds if r.status in COUNTED)
        allowed = min(proposal.total - counted, proposal.payment_remaining)
        if amount > allowed:
            raise RefundRefused(
                _(
                    "At most %(amount)s can be refunded now.",
                    amount=_money(max(allowed, 0), ret.currency),
                )
            )
        attempt = max((r.attempt for r in ret.refunds), default=0) + 1
        refund = Refund(
            return_request=ret,
            attempt=attempt,
            amount=amount,
            currency=ret.currency,
            status=RefundStatus.PENDING,
            idempotency_key=f"flask-returns:{ret.rma}:{attempt}",
            note=note.strip(),
            created_by=actor.id,
        )
        session.add(refund)
        record_event(
            ret,
            actor,
            "refund_requested",
            None,
            None,
            {"refund": attempt, "amount": amount, "currency": ret.currency, "note": note},
        )
        session.commit()  # recorded before Stripe hears of it
    except BaseException:
        session.rollback()
        raise

    try:
        answer = stripe_payments.create_refund(
            order.payment_reference,
            amount,
            idempotency_key=refund.idempotency_key,
            our_refund_id=refund.id,
            rma=ret.rma,
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
        record_refund_status(
            refund, RefundStatus.FAILED, Actor.stripe(), failure_reason=str(failure)
        )
        session.commit()
        raise RefundRefused(_failure_message(failure)) from None
    record_refund_status(
        refund,
        RefundStatus(answer.status),
        Actor.stripe(answer.id),
        stripe_refund_id=answer.id,
        failure_reason=answer.failure_reason,
    )
    session.commit()
    return refund


def record_refund_status(
    refund: Refund,
    status: RefundStatus,
    actor: Actor,
    *,
    stripe_refund_id: str | None = None,
    failure_reason: str = "",
) -> bool:
    """Record a refund status and follow it through on the return."""
    changed = settle_refund(
        refund, status, actor, failure_reason=failure_reason, stripe_refund_id=stripe_refund_id
    )
    ret = refund.return_request
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
            failure_reason="no refund reached Stripe",
        )
    else:
        changed = record_refund_status(
            refund,
            RefundStatus(found.status),
            Actor.stripe(found.id),
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
