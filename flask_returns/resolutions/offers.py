"""What a returned line may be settled with, and the one check of a customer's choice.

The return form lists :func:`line_offers`; :func:`check_choice` is applied when the
return is opened (and again to an admin's change), against the policy and the host's
variants as they are at that moment, so a tampered form value gets nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..i18n import resolution_label
from ..models import Resolution
from ..money import round_down
from ..orders import Order, OrderLine
from ..policy import ReturnPolicy
from .host import ExchangeOption, ExchangeSource
from .refusals import Refusal, ResolutionRefused


def percent_of(amount: int, percent: int) -> int:
    """``percent`` of ``amount``, half up, in integers (10 % of 2499 is 250)."""
    return (amount * percent + 50) // 100


def refund_value(unit_amount: int, units: int, fee_percent: int) -> int:
    """What ``units`` pay back after the reason's restocking fee."""
    amount = unit_amount * units
    return amount - percent_of(amount, fee_percent)


def store_credit_value(
    unit_amount: int, units: int, policy: ReturnPolicy, reason: str, currency: str
) -> tuple[int, int]:
    """(credit, bonus) for ``units``: the refund value plus the reason's bonus, in steps."""
    value = refund_value(unit_amount, units, policy.fee_percent(reason))
    bonus = percent_of(value, policy.rule(reason).store_credit_bonus_percent)
    credit = round_down(value + bonus, currency)
    return credit, credit - value if credit > value else 0


@dataclass(frozen=True)
class Offer:
    """One resolution a line may have, with what it means in money per unit."""

    resolution: Resolution
    unit_refund: int
    unit_credit: int
    bonus_percent: int


def line_offers(policy: ReturnPolicy, reason: str, line: OrderLine) -> list[Offer]:
    """The resolutions ``reason`` offers for ``line``, in the policy's order."""
    fee = policy.fee_percent(reason)
    unit_refund = refund_value(line.unit_amount, 1, fee)
    credit, _bonus = store_credit_value(line.unit_amount, 1, policy, reason, line.currency)
    return [
        Offer(r, unit_refund, credit, policy.rule(reason).store_credit_bonus_percent)
        for r in policy.resolutions_for(reason)
    ]


def exchange_options(orders: object, order: Order, line: OrderLine) -> list[ExchangeOption]:
    """The host's variants for ``line`` that may be offered: never dearer, never itself.

    A dearer variant would leave a difference to collect, which the module has no
    way to do; the policy page says so.
    """
    if not isinstance(orders, ExchangeSource):
        return []
    return [
        option
        for option in orders.exchange_options(order, line)
        if option.sku != line.sku and 0 <= option.unit_amount <= line.unit_amount
    ]


@dataclass(frozen=True)
class Choice:
    """A checked choice for one line: what to settle it with, and whether it comes back."""

    resolution: Resolution
    exchange: ExchangeOption | None = None
    keep_item: bool = False


def check_choice(
    policy: ReturnPolicy,
    orders: object,
    order: Order,
    line: OrderLine,
    *,
    reason: str,
    quantity: int,
    resolution: str,
    exchange_sku: str = "",
    offered: Sequence[Resolution] | None = None,
) -> Choice:
    """The choice, if the policy offers it for ``reason`` and the variant is on offer.

    ``offered`` replaces the policy's list (an admin may settle a line any way the
    shop supports). Raises :class:`ResolutionRefused`.
    """
    allowed = tuple(offered) if offered is not None else policy.resolutions_for(reason)
    if resolution not in {r.value for r in allowed}:
        raise ResolutionRefused(
            Refusal.NOT_OFFERED, offered=", ".join(resolution_label(r) for r in allowed)
        )
    chosen = Resolution(resolution)
    if chosen == Resolution.EXCHANGE:
        if not exchange_sku:
            raise ResolutionRefused(Refusal.CHOOSE_VARIANT)
        option = next(
            (o for o in exchange_options(orders, order, line) if o.sku == exchange_sku), None
        )
        if option is None:
            raise ResolutionRefused(Refusal.VARIANT_NOT_OFFERED)
        if not option.in_stock:
            raise ResolutionRefused(Refusal.OUT_OF_STOCK, name=option.label or option.name)
        return Choice(chosen, exchange=option)
    keep = chosen in (Resolution.REFUND, Resolution.STORE_CREDIT) and policy.keeps_item(
        reason, line.unit_amount * quantity, order.currency
    )
    return Choice(chosen, keep_item=keep)
