"""What the return form offers each line instead of the item, in words and money.

Built per request from the policy and the host's variants (stock changes), so the
form shows what :func:`~flask_returns.resolutions.check_choice` will accept.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import format_money, format_percentage, reason_label, resolution_label
from ..i18n import gettext as _
from ..models import Resolution
from ..orders import Order, OrderLine
from ..policy import Eligibility, ReturnPolicy
from ..resolutions import ExchangeOption, exchange_options, line_offers
from ..state import get_state


@dataclass(frozen=True)
class ShownOffer:
    """One choice on the form: its value, its name, what it means, which reasons allow it."""

    value: str
    label: str
    description: str
    reasons: tuple[str, ...]
    # "For: Damaged, Defective." when only some reasons allow it, else empty.
    only_for: str = ""


@dataclass(frozen=True)
class LineOptions:
    offers: tuple[ShownOffer, ...]
    variants: tuple[ExchangeOption, ...]

    @property
    def choosing(self) -> bool:
        """Whether the customer has anything to choose (more than a refund)."""
        return len(self.offers) > 1 or any(o.value != Resolution.REFUND for o in self.offers)


def _description(resolution: Resolution, line: OrderLine, policy: ReturnPolicy, reason: str) -> str:
    offer = next(o for o in line_offers(policy, reason, line) if o.resolution == resolution)
    if resolution == Resolution.REFUND:
        return _(
            "%(amount)s per item back to your original payment method.",
            amount=format_money(offer.unit_refund, line.currency),
        )
    if resolution == Resolution.STORE_CREDIT:
        if offer.bonus_percent:
            return _(
                "Store credit of %(amount)s per item, %(percent)s more than a refund.",
                amount=format_money(offer.unit_credit, line.currency),
                percent=format_percentage(offer.bonus_percent),
            )
        return _(
            "Store credit of %(amount)s per item, to spend in our shop.",
            amount=format_money(offer.unit_credit, line.currency),
        )
    if resolution == Resolution.REPLACEMENT:
        return _("The same item again, sent to you at no cost.")
    return _("Another size or colour of this item. If it costs less, we refund the difference.")


def options_for_line(
    order: Order, line: OrderLine, policy: ReturnPolicy, chosen_reason: str = ""
) -> LineOptions:
    """The choices for ``line``: every resolution some reason offers, with those reasons.

    The words use the chosen reason's fee and bonus when a reason is chosen, else the
    first reason offering that resolution.
    """
    shown: list[ShownOffer] = []
    for resolution in Resolution:
        reasons = tuple(r for r in policy.reasons if resolution in policy.resolutions_for(r))
        if not reasons:
            continue
        reason = chosen_reason if chosen_reason in reasons else reasons[0]
        only_for = ""
        if len(reasons) < len(policy.reasons):
            only_for = _("For: %(reasons)s.", reasons=", ".join(map(reason_label, reasons)))
        shown.append(
            ShownOffer(
                resolution.value,
                resolution_label(resolution),
                _description(resolution, line, policy, reason),
                reasons,
                only_for,
            )
        )
    variants: tuple[ExchangeOption, ...] = ()
    if any(o.value == Resolution.EXCHANGE for o in shown):
        variants = tuple(exchange_options(get_state().orders, order, line))
    return LineOptions(tuple(shown), variants)


def options_for_order(
    order: Order, eligibility: Eligibility, reasons: dict[int, str] | None = None
) -> dict[int, LineOptions]:
    """:func:`options_for_line` for every line the customer can choose, by line index."""
    policy = get_state().policy
    reasons = reasons or {}
    return {
        verdict.index: options_for_line(order, verdict.line, policy, reasons.get(verdict.index, ""))
        for verdict in eligibility.lines
        if verdict.choosable
    }
