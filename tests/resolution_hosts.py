"""A bare host whose adapter offers variants, outbound orders and store credit
(:class:`flask_returns.testing.MemoryShop`), for the resolution tests."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from flask_returns import OrderLine
from flask_returns.resolutions import ExchangeOption, OutboundItem, OutboundOrder
from flask_returns.testing import MemoryShop

from .hosts import make_order

SHOE = OrderLine("S1", "SHOE-42", "Trail Runner 42", 2, 8990, "EUR")
MUG = OrderLine("L2", "MUG-1", "Mug", 1, 1450, "EUR")
CHEAP_SOCKS = OrderLine("L3", "SOCKS-1", "Socks", 1, 900, "EUR")

POLICY = {
    "RETURNS_RESOLUTIONS": {
        "damaged": ["replacement", "refund"],
        "defective": ["replacement", "refund"],
        "size_fit": ["exchange", "store_credit", "refund"],
        "changed_mind": ["store_credit", "refund"],
    },
    "RETURNS_STORE_CREDIT_BONUS": {"size_fit": 10, "changed_mind": 10},
    "RETURNS_KEEP_ITEM_UP_TO": {"damaged": {"EUR": 1500}},
    "RETURNS_PHOTO_REQUIRED_REASONS": (),
    "RETURNS_ADMIN_PERMISSION": lambda: True,
    "RETURNS_ADMIN_IDENTITY": lambda: "7",
}


def shoe_shop() -> MemoryShop:
    """Order 9001: two pairs of shoes in size 42, a mug and socks; sizes 40 to 45 listed."""
    shop = MemoryShop(make_order("9001", lines=(SHOE, MUG, CHEAP_SOCKS)))
    shop.variants["SHOE-42"] = [
        ExchangeOption("SHOE-40", "Trail Runner 40", 7990, True, "Size 40"),
        ExchangeOption("SHOE-41", "Trail Runner 41", 8990, True, "Size 41"),
        ExchangeOption("SHOE-42", "Trail Runner 42", 8990, True, "Size 42"),
        ExchangeOption("SHOE-43", "Trail Runner 43", 8990, True, "Size 43"),
        ExchangeOption("SHOE-44", "Trail Runner 44", 8990, True, "Size 44"),
        ExchangeOption("SHOE-45", "Trail Runner 45", 9990, True, "Size 45"),
    ]
    shop.stock.update({"SHOE-40": 3, "SHOE-41": 1, "SHOE-42": 5, "SHOE-43": 4, "SHOE-45": 9})
    return shop


class FlakyShop(MemoryShop):
    """A host whose order system fails, loses answers or hangs, as told, then recovers.

    ``fail_next``: raise before creating anything; ``lose_next``: create, then raise as
    if the answer never came back; ``hold``: block inside the call until released.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.fail_next = 0
        self.lose_next = 0
        self.hold: threading.Event | None = None
        self.entered = threading.Event()
        self.calls = 0

    def create_outbound_order(
        self, key: str, order: Any, items: Sequence[OutboundItem], **context: Any
    ) -> OutboundOrder:
        self.calls += 1
        self.entered.set()
        if self.hold is not None:
            self.hold.wait(timeout=30)
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("warehouse system unreachable")
        made = super().create_outbound_order(key, order, items, **context)
        if self.lose_next:
            self.lose_next -= 1
            raise TimeoutError("read timed out")
        return made


def flaky_shoe_shop() -> FlakyShop:
    shop = FlakyShop(make_order("9001", lines=(SHOE, MUG, CHEAP_SOCKS)))
    shop.variants = shoe_shop().variants
    shop.stock = dict(shoe_shop().stock)
    return shop
