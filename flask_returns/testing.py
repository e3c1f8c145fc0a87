"""Helpers for a shop's own tests of its integration (and for replaying history).

A shop that mounts the extension wants to test its own side: its signal receivers,
its templates over ours, its admin permission, its exports. These helpers give it
returns to work with, made by the same calls the customer's form makes:

- :class:`MemoryOrders` is an ``OrderSource`` over a dict, for tests that do not
  need the shop's order tables; :func:`make_order` builds an order to put in it.
- :class:`MemoryShop` adds what replacements, exchanges and store credit need
  (variants with stock, outbound orders, credit), each remembered by our key.
- :func:`open_return` opens a return the way the customer's form does, and commits;
  :func:`sample_photo` is a photo to attach where a reason needs one.
- :func:`clock_at` sets the time every step records, so a test can open a return
  "ten days ago" and see the window, the dashboard's medians and the exports as
  they would be, through the real workflow rather than by editing rows.

Nothing here talks to Stripe: a test that refunds gives its order a
``payment_reference`` its own Stripe test server knows.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from .clock import clock, utcnow
from .models import ReturnRequest
from .orders import Address, Order, OrderLine, normalize_email
from .photos import StoredPhoto, store_photo
from .resolutions import ExchangeOption, OutboundItem, OutboundOrder, StoreCredit
from .state import get_state
from .workflow import Actor, LineRequest, request_return

__all__ = ["MemoryOrders", "clock_at", "make_order", "open_return", "sample_photo"]


@contextmanager
def clock_at(when: datetime) -> Iterator[None]:
    """Inside the block, the module's clock reads ``when`` (an aware datetime)."""
    if when.tzinfo is None:
        raise ValueError("clock_at needs an aware datetime, e.g. datetime(..., tzinfo=UTC)")
    fixed = when.astimezone(UTC)
    token = clock.set(lambda: fixed)
    try:
        yield
    finally:
        clock.reset(token)


class MemoryOrders:
    """An ``OrderSource`` over a dict, so a test needs no order tables of its own.

    It matches the way the module compares e-mail addresses (trimmed, any case), so a
    look-up that works here works against a source that follows the protocol.
    """

    def __init__(self, *orders: Order) -> None:
        self.orders: dict[str, Order] = {}
        for order in orders:
            self.add(order)

    def add(self, order: Order) -> Order:
        """Keep ``order`` (replacing one with the same reference); returns it."""
        self.orders[order.reference] = order
        return order

    def find_order(self, number: str, email: str) -> Order | None:
        number, email = number.strip(), normalize_email(email)
        for order in self.orders.values():
            if order.number == number and normalize_email(order.email) == email:
                return order
        return None

    def get_order(self, reference: str) -> Order | None:
        return self.orders.get(reference)


class MemoryShop(MemoryOrders):
    """:class:`MemoryOrders` that also offers variants, sends outbound orders and
    issues store credit, in memory, each remembered by our key as a real host would.

    ``variants`` maps a SKU to the :class:`~flask_returns.resolutions.ExchangeOption`
    list offered for it; ``stock`` holds units per SKU, taken by outbound orders.
    """

    def __init__(self, *orders: Order) -> None:
        super().__init__(*orders)
        self.variants: dict[str, list[ExchangeOption]] = {}
        self.stock: dict[str, int] = {}
        self.outbound: dict[str, OutboundOrder] = {}
        self.outbound_items: dict[str, list[OutboundItem]] = {}
        self.credits: dict[str, tuple[StoreCredit, int, str]] = {}

    def exchange_options(self, order: Order, line: OrderLine) -> list[ExchangeOption]:
        return [
            replace(option, in_stock=self.stock.get(option.sku, 0) > 0)
            for option in self.variants.get(line.sku, ())
        ]

    def create_outbound_order(
        self, key: str, order: Order, items: Sequence[OutboundItem], **context: Any
    ) -> OutboundOrder:
        if key not in self.outbound:
            for item in items:
                self.stock[item.sku] = self.stock.get(item.sku, 0) - item.quantity
            number = f"R{len(self.outbound) + 1:04d}"
            self.outbound[key] = OutboundOrder(reference=number, number=number)
            self.outbound_items[key] = list(items)
        return self.outbound[key]

    def find_outbound_order(self, key: str) -> OutboundOrder | None:
        return self.outbound.get(key)

    def issue_store_credit(
        self, key: str, order: Order, amount: int, currency: str, **context: Any
    ) -> StoreCredit:
        if key not in self.credits:
            credit = StoreCredit(reference=f"GC{len(self.credits) + 1:04d}", code="")
            self.credits[key] = (credit, amount, currency)
        return self.credits[key][0]

    def find_store_credit(self, key: str) -> StoreCredit | None:
        found = self.credits.get(key)
        return found[0] if found else None


def make_order(
    reference: str = "1001",
    *,
    number: str | None = None,
    email: str = "customer@example.com",
    currency: str = "EUR",
    lines: Iterable[OrderLine] | None = None,
    delivered_days_ago: int | None = 3,
    customer_name: str = "Test Customer",
    shipping_address: Address | None = None,
    locale: str | None = "en",
    payment_reference: str | None = None,
    shipping_amount: int = 0,
) -> Order:
    """An order that can be returned as it is: delivered 3 days ago, two lines.

    Dates count back from the module's clock, so an order made inside
    :func:`clock_at` is as old as it would have been then. ``number`` defaults to
    the reference. The default lines are ``L1`` (2 shirts at 2499) and ``L2`` (a
    mug at 1450), amounts in Stripe's units for ``currency`` (24.99 and 14.50 in
    EUR); ``delivered_days_ago=None`` leaves the order undelivered, so its window
    counts from when it was placed.
    """
    now = utcnow()
    placed_at = now - timedelta(days=(delivered_days_ago or 0) + 3)
    delivered_at = None if delivered_days_ago is None else now - timedelta(days=delivered_days_ago)
    if lines is None:
        lines = (
            OrderLine("L1", "SKU-SHIRT", "Shirt", 2, 2499, currency),
            OrderLine("L2", "SKU-MUG", "Mug", 1, 1450, currency),
        )
    if shipping_address is None:
        shipping_address = Address(customer_name, "1 Test Street", "Berlin", "10115", "DE")
    return Order(
        reference=reference,
        number=number if number is not None else reference,
        email=email,
        currency=currency,
        placed_at=placed_at,
        delivered_at=delivered_at,
        lines=tuple(lines),
        customer_name=customer_name,
        shipping_address=shipping_address,
        locale=locale,
        payment_reference=payment_reference,
        shipping_amount=shipping_amount,
    )


def open_return(
    order: Order,
    lines: Mapping[str, tuple[int, str]] | Iterable[LineRequest],
    *,
    locale: str = "en",
    comment: str = "",
) -> ReturnRequest:
    """Open a return of ``order`` as its customer, and commit it.

    ``lines`` is ``{order_line_id: (quantity, reason)}``: a line whose reason the
    policy wants a photo for gets a :func:`sample_photo`, as a customer who fills in
    the form adds one. :class:`LineRequest` values are passed on as they are, for
    comments, chosen photos, or none. It is the call the customer's form makes, so the
    signals fire, the history starts and the policy may authorize it at once. It
    raises :class:`~flask_returns.InvalidReturn` for a line that cannot be returned
    (unknown, final sale, more units than are left, a reason not offered); the
    return window is the form's to check, so a test may open a late return on
    purpose. Needs an app context of an app with the extension.
    """
    if isinstance(lines, Mapping):
        needs_photo = get_state().policy.photo_reasons
        chosen = [
            LineRequest(
                line_id, qty, reason, photos=(sample_photo(),) if reason in needs_photo else ()
            )
            for line_id, (qty, reason) in lines.items()
        ]
    else:
        chosen = list(lines)
    ret = request_return(
        order,
        chosen,
        Actor.customer(normalize_email(order.email)),
        locale=locale,
        comment=comment,
    )
    get_state().session.commit()
    return ret


def sample_photo(color: tuple[int, int, int] = (200, 120, 40)) -> StoredPhoto:
    """A small photo, checked and stored through the app's storage like an upload.

    For :class:`LineRequest` ``photos`` in a test; the app's ``RETURNS_STORAGE_PATH``
    (or ``storage=``) decides where the files go. Needs an app context.
    """
    image = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(image, "JPEG")
    state = get_state()
    return store_photo(state.storage, image.getvalue(), state.settings)
