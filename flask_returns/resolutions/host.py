"""What the host's adapter may do besides refunds: variants, outbound orders, credit.

Each capability is an optional protocol, like :class:`~flask_returns.orders.OrderSource`:
the host's orders object implements the ones its policy needs, and start-up checks
that it does (:func:`missing_capabilities`). A shop that implements none offers
refunds only.

Every call that creates something carries our ``key``, stable across retries: the
host stores it with what it creates, so :meth:`find_outbound_order` and
:meth:`find_store_credit` can tell whether an earlier call that lost its answer
went through, and a repeated call with the same key returns the first result
instead of creating a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from ..models import Resolution
from ..orders import Order, OrderLine


@dataclass(frozen=True)
class ExchangeOption:
    """A variant the customer may take instead of the line's item.

    ``unit_amount`` is in Stripe's units of the order's currency; ``label`` says
    what differs ("Size 43", "Blue"), in the shop's words.
    """

    sku: str
    name: str
    unit_amount: int
    in_stock: bool
    label: str = ""


@dataclass(frozen=True)
class OutboundItem:
    """One item of a replacement or exchange order."""

    sku: str
    name: str
    quantity: int
    # The returned order line it replaces.
    order_line_id: str


@dataclass(frozen=True)
class OutboundOrder:
    """The host's order that sends replacement or exchange items to the customer."""

    reference: str
    number: str
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    shipped_at: datetime | None = None


@dataclass(frozen=True)
class StoreCredit:
    """Credit the host issued (a gift card, a balance): its reference for the customer."""

    reference: str
    # What the customer types or sees, e.g. a gift-card code; may be empty.
    code: str = ""


@runtime_checkable
class ExchangeSource(Protocol):
    """Variants the shop offers for a line; needed when the policy offers exchanges."""

    def exchange_options(self, order: Order, line: OrderLine) -> Sequence[ExchangeOption]:
        """The variants of ``line``'s product, with their stock now.

        The line's own item may be listed: its stock shows the admin whether a
        replacement can ship. It is never offered as an exchange, nor is a dearer one.
        """


@runtime_checkable
class OutboundOrders(Protocol):
    """Orders the host creates for replacements and exchanges."""

    def create_outbound_order(
        self, key: str, order: Order, items: Sequence[OutboundItem], **context: Any
    ) -> OutboundOrder:
        """Create (or, for a ``key`` seen before, return) the order that ships ``items``."""

    def find_outbound_order(self, key: str) -> OutboundOrder | None:
        """The order created with ``key``, as it stands now (tracking once shipped)."""


@runtime_checkable
class StoreCreditIssuer(Protocol):
    """The shop's own gift card or credit system; needed when the policy offers credit."""

    def issue_store_credit(
        self, key: str, order: Order, amount: int, currency: str, **context: Any
    ) -> StoreCredit:
        """Credit ``amount`` to the order's customer (or return the credit made with ``key``)."""

    def find_store_credit(self, key: str) -> StoreCredit | None:
        """The credit issued with ``key``, or None when none was."""


NEEDS: dict[Resolution, tuple[type, ...]] = {
    Resolution.REFUND: (),
    Resolution.REPLACEMENT: (OutboundOrders,),
    Resolution.EXCHANGE: (ExchangeSource, OutboundOrders),
    Resolution.STORE_CREDIT: (StoreCreditIssuer,),
}


def missing_capabilities(orders: object, offered: set[Resolution]) -> list[str]:
    """What ``orders`` lacks for the resolutions the policy offers, as readable lines."""
    missing = []
    for resolution in sorted(offered):
        for protocol in NEEDS[resolution]:
            if not isinstance(orders, protocol):
                methods = [m for m in protocol.__dict__ if not m.startswith("_")]
                missing.append(
                    f"{resolution.value} needs {protocol.__name__} ({', '.join(methods)})"
                )
    return missing
