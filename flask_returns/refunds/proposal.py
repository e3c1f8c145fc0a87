"""What a return's refund should be: the policy's amount, and the most an admin may pay.

Kept apart from :mod:`flask_returns.refunds`, which moves the money: this module only
reads the return, the order and (for :func:`propose_refund`) what the payment still
holds at Stripe, and never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..models import RefundStatus, Resolution, ReturnLine, ReturnRequest, ReturnStatus
from ..money import round_down
from ..orders import Order
from ..payments import stripe as stripe_payments
from ..state import get_state
from ..workflow import due_units, needs_refund, price_difference
from .refusals import RefundRefused, Refusal

OPEN = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION)
COUNTED = (*OPEN, RefundStatus.SUCCEEDED)


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
    # The order's original shipping, paid back when the whole order returns.
    shipping: int
    # Kept back when the customer pays the return shipping (policy per reason).
    return_shipping: int
    total: int
    # The same units at full price, plus the original shipping when the whole order
    # is back, whatever the policy keeps: the ceiling of an admin's override.
    without_deductions: int
    already_refunded: int
    payment_remaining: int | None
    maximum: int
    # The most an admin may refund now when overriding the policy (with a reason).
    override_maximum: int
    # Authorized, goods not back, and the policy refunds on receipt: only an
    # override can refund it now.
    before_receipt: bool = False
    # Kept back because Stripe takes no smaller step in this currency (whole
    # krónur, dinars ending in 0): the total is rounded down, never up.
    rounding: int = 0

    @property
    def can_override(self) -> bool:
        """Whether an override would allow more than the policy does."""
        return self.override_maximum > self.maximum


def _percent_of(amount: int, percent: int) -> int:
    # Half up, in integers: 10 % of 2499 cents is 250, never 249.9.
    return (amount * percent + 50) // 100


def refundable_units(ret: ReturnRequest, *, overriding: bool = False) -> dict[int, int]:
    """Units per return line whose money may be paid back now, by the refund timing.

    ``overriding``: an admin going beyond the policy may pay back authorized units
    before they arrive, whatever the timing says. A line the customer keeps is owed
    from authorization; a line settled otherwise than in money is owed nothing, but
    for an exchange's price difference (see :func:`line_amount`).
    """
    policy = get_state().policy
    units = {}
    for line in ret.lines:
        due = due_units(line, policy, overriding=overriding)
        if due is None and line.resolution == Resolution.EXCHANGE and overriding:
            due = line.quantity_authorized or 0
        units[line.id] = due or 0
    return units


def line_amount(line: ReturnLine, units: int) -> tuple[int, int]:
    """(amount, fee percent) paid back to the card for ``units`` of ``line``.

    A refund pays the units less the reason's fee; an exchange for a cheaper variant
    pays the difference, without a fee; anything else pays nothing in money.
    """
    if line.resolution == Resolution.REFUND:
        return line.unit_amount * units, get_state().policy.fee_percent(line.reason)
    return price_difference(line) * units, 0


def refundable_status(ret: ReturnRequest, *, overriding: bool = False) -> bool:
    """Whether the return's status allows a refund under the refund timing setting.

    ``overriding``: an authorized return may be refunded before its goods are back
    when an admin overrides the policy, whatever the timing says. Lines the customer
    keeps (and advance exchanges' differences) are owed from authorization.
    """
    if ret.status == ReturnStatus.RECEIVED:
        return True
    if ret.status != ReturnStatus.AUTHORIZED:
        return False
    if overriding or get_state().policy.refund_timing == "authorization":
        return True
    units = refundable_units(ret)
    return any(units[line.id] and needs_refund(line) for line in ret.lines)


def before_receipt(ret: ReturnRequest) -> bool:
    """Whether refunding ``ret`` now goes against a policy that refunds on receipt."""
    return ret.status == ReturnStatus.AUTHORIZED and not refundable_status(ret)


def policy_amount(ret: ReturnRequest, order: Order | None) -> RefundProposal:
    """The policy's amount for ``ret`` (no Stripe involved): lines, fees, shipping."""
    policy = get_state().policy
    units = refundable_units(ret)
    lines = []
    for line in ret.lines:
        amount, percent = line_amount(line, units[line.id])
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
    paid = [line for line in ret.lines if units[line.id] and needs_refund(line)]
    rules = [policy.rule(line.reason) for line in paid]
    shipping = 0
    # The order's shipping goes back only when all of it comes back for money.
    all_money = all(line.resolution == Resolution.REFUND for line in ret.lines)
    if all_money and all(rule.refund_original_shipping for rule in rules):
        shipping = _whole_order_shipping(ret, order, units)
    # What an override may pay: the units back (or, before receipt, authorized) at
    # full price, and the original shipping when they make up the whole order.
    full_units = refundable_units(ret, overriding=True)
    full_items = sum(line_amount(line, full_units[line.id])[0] for line in ret.lines)
    return_shipping = 0
    if any(rule.customer_pays_return_shipping for rule in rules) and not all(
        line.keep_item for line in paid
    ):
        # Never more than what is left, so a refund is never negative.
        return_shipping = min(policy.return_shipping_cost.get(ret.currency, 0), items - fee)
    counted = sum(r.amount for r in ret.refunds if r.status in COUNTED)
    exact = items - fee + shipping - return_shipping
    total = round_down(exact, ret.currency)
    return RefundProposal(
        currency=ret.currency,
        lines=tuple(lines),
        items=items,
        restocking_fee=fee,
        shipping=shipping,
        return_shipping=return_shipping,
        total=total,
        without_deductions=round_down(
            full_items + (_whole_order_shipping(ret, order, full_units) if all_money else 0),
            ret.currency,
        ),
        already_refunded=counted,
        payment_remaining=None,
        maximum=0,
        override_maximum=0,
        before_receipt=before_receipt(ret),
        rounding=exact - total,
    )


def _whole_order_shipping(ret: ReturnRequest, order: Order | None, units: dict[int, int]) -> int:
    """The order's shipping when ``units`` bring every unit of the order back, else 0."""
    if order is None or not order.lines or not any(units.values()):
        return 0
    back = {line.order_line_reference: units[line.id] for line in ret.lines}
    whole = all(back.get(ol.id, 0) >= ol.quantity for ol in order.lines)
    return order.shipping_amount if whole else 0


def capped(proposal: RefundProposal, remaining: int | None) -> RefundProposal:
    """``proposal`` with its maxima: never more than the payment still holds."""
    held = remaining if remaining is not None else 0
    currency = proposal.currency
    maximum = round_down(max(0, min(proposal.total - proposal.already_refunded, held)), currency)
    override = round_down(
        max(0, min(proposal.without_deductions - proposal.already_refunded, held)), currency
    )
    return replace(
        proposal,
        payment_remaining=remaining,
        maximum=maximum,
        override_maximum=max(override, maximum),
    )


def propose_refund(ret: ReturnRequest, order: Order | None = None) -> RefundProposal:
    """What the policy allows, capped by what the payment still holds at Stripe."""
    order = order or get_state().orders.get_order(ret.order_reference)
    proposal = policy_amount(ret, order)
    remaining = None
    if order is not None and order.payment_reference:
        remaining = payment_remaining(order.payment_reference, ret.currency)
    return capped(proposal, remaining)


def payment_remaining(payment_reference: str, currency: str) -> int | None:
    """What the payment still holds at Stripe (refunds made there count), else None."""
    try:
        balance = stripe_payments.payment_balance(payment_reference)
    except stripe_payments.StripeFailure:
        return None
    return balance.remaining if balance.currency == currency else None


def positive_amount(amount: object) -> int:
    """``amount`` when it is a whole number of units above zero; refused otherwise."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise RefundRefused(Refusal.AMOUNT_NOT_POSITIVE)
    return amount


def check_amount(amount: object, proposal: RefundProposal, *, override_reason: str = "") -> int:
    """The one rule for an amount an admin asks to refund; returns it, or refuses.

    Up to the policy's maximum as asked; beyond it, up to the override's maximum,
    only with a reason. The admin's form applies it to put a refusal beside the
    right field; :func:`~flask_returns.refunds.issue_refund` applies it again to the
    proposal read under the row lock, which is the one that counts.
    """
    amount = positive_amount(amount)
    if amount <= proposal.maximum:
        return amount
    overriding = bool(override_reason.strip())
    if amount <= proposal.override_maximum:
        if overriding:
            return amount
        raise RefundRefused(
            Refusal.OVERRIDE_NEEDED, amount=proposal.maximum, currency=proposal.currency
        )
    if proposal.override_maximum > 0:
        ceiling = proposal.override_maximum if overriding else proposal.maximum
        raise RefundRefused(Refusal.ABOVE_MAXIMUM, amount=ceiling, currency=proposal.currency)
    if proposal.payment_remaining is None:
        raise RefundRefused(Refusal.STRIPE_UNREACHABLE)
    raise RefundRefused(Refusal.NOTHING_TO_REFUND)


def whole_proposal(proposal: RefundProposal) -> int:
    """All the policy proposes, when the payment still holds all of it (bulk refunds)."""
    proposed = proposal.total - proposal.already_refunded
    remaining = proposal.payment_remaining or 0
    if proposed <= 0 or remaining <= 0:
        raise RefundRefused(Refusal.NOTHING_TO_REFUND)
    if remaining < proposed:
        raise RefundRefused(Refusal.LESS_THAN_PROPOSED)
    return proposed
