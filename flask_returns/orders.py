"""What the host tells flask-returns about its orders.

The module never reads the host's order tables; a host implements
:class:`OrderSource` over whatever it has (its own models, an ERP, an API).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from .money import amount_step, is_stripe_currency, is_valid_amount

log = logging.getLogger("flask_returns.orders")


def normalize_email(email: str) -> str:
    """The form e-mail addresses are stored and compared in (case-insensitive, trimmed)."""
    return email.strip().lower()


@dataclass(frozen=True)
class Address:
    """A postal address as printed on a label; ``country`` is ISO 3166-1 alpha-2."""

    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    region: str = ""
    company: str = ""
    phone: str = ""

    def lines(self) -> list[str]:
        """The address as printable lines, empty parts left out."""
        parts = [self.name, self.company, self.line1, self.line2]
        parts.append(" ".join(p for p in (self.postal_code, self.city) if p))
        parts.extend([self.region, self.country])
        return [p for p in parts if p]


@dataclass(frozen=True)
class OrderLine:
    """One line of an order.

    ``unit_amount`` is an integer in Stripe's units for ``currency``: what the shop
    charged Stripe for one unit (24 990 Ft is ``2499000``, ¥1,235 is ``1235``).
    """

    id: str
    sku: str
    name: str
    quantity: int
    unit_amount: int
    currency: str
    returnable: bool = True
    # Shown to the customer when ``returnable`` is false ("Final sale", "Hygiene item").
    non_returnable_reason: str = ""
    category: str = ""


@dataclass(frozen=True)
class Order:
    """An order as the returns module needs to see it."""

    reference: str
    number: str
    email: str
    currency: str
    placed_at: datetime
    lines: tuple[OrderLine, ...]
    customer_name: str = ""
    shipping_address: Address | None = None
    delivered_at: datetime | None = None
    locale: str | None = None
    # A Stripe PaymentIntent (``pi_...``) or Charge (``ch_...``) id.
    payment_reference: str | None = None
    # In Stripe's units for ``currency``, like every amount (see flask_returns.money).
    shipping_amount: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def line(self, line_id: str) -> OrderLine | None:
        return next((line for line in self.lines if line.id == line_id), None)


@runtime_checkable
class OrderSource(Protocol):
    """The host's adapter. Both methods return ``None`` when there is no such order."""

    def find_order(self, number: str, email: str) -> Order | None:
        """The order with this number, if ``email`` is its customer's (case-insensitive)."""

    def get_order(self, reference: str) -> Order | None:
        """The order by the opaque reference stored on a return."""


@runtime_checkable
class SalesSource(Protocol):
    """Optional third method of the host's adapter: what was sold, for return rates.

    The admin dashboard shows return rates per product only when the adapter has
    it; without it the dashboard shows returned units and says rates are unknown.
    """

    def units_sold(self, since: datetime, until: datetime) -> Mapping[str, int]:
        """Units sold per SKU in orders placed from ``since`` up to (not including)
        ``until``, both aware UTC datetimes; SKUs not sold may be left out."""


def amount_problem(order: Order) -> str | None:
    """Why Stripe could not have charged ``order``'s amounts, naming the line; or None.

    Checked where an order enters the module (the return form, a new return, a
    refund), so that nothing is ever refunded on an amount that was a guess.
    """
    if not is_stripe_currency(order.currency):
        return f"order {order.number}: Stripe does not charge in {order.currency!r}"
    checks = [("shipping", order.shipping_amount)]
    checks += [(f"line {line.id}", line.unit_amount) for line in order.lines]
    for what, amount in checks:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            return f"order {order.number}, {what}: {amount!r} is not an amount in Stripe's units"
        if not is_valid_amount(amount, order.currency):
            return (
                f"order {order.number}, {what}: Stripe could not have charged {amount} "
                f"{order.currency} (amounts are multiples of {amount_step(order.currency)})"
            )
    for line in order.lines:
        if line.currency != order.currency:
            return (
                f"order {order.number}, line {line.id}: {line.currency} in a {order.currency} order"
            )
    return None


_reported: dict[str, None] = {}


def report_amount_problem(order: Order) -> str | None:
    """:func:`amount_problem`, logged once per order (a page may ask on every visit)."""
    problem = amount_problem(order)
    if problem is not None and order.reference not in _reported:
        if len(_reported) > 1024:
            _reported.clear()
        _reported[order.reference] = None
        log.error("flask-returns cannot take this order: %s", problem)
    return problem
