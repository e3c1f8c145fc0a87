"""What the return's admin page shows about resolutions: per line the wish, the
decision, whether it may still change, and the stock the admin decides by.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...i18n import resolution_label
from ...models import Resolution, ReturnLine, ReturnRequest
from ...orders import Order
from ...resolutions import ExchangeOption, ExchangeSource, missing_capabilities
from ...state import get_state
from ...workflow import line_carried_out
from ...workflow.fulfilments import CHANGEABLE


def supported_resolutions() -> tuple[Resolution, ...]:
    """Every resolution the shop's adapter can carry out (what an admin may choose)."""
    orders = get_state().orders
    return tuple(r for r in Resolution if not missing_capabilities(orders, {r}))


@dataclass(frozen=True)
class LinePanel:
    line: ReturnLine
    changeable: bool
    # Every variant the host lists for the line's product, with its stock now.
    variants: tuple[ExchangeOption, ...]
    # The stock of the line's own item, when the host lists it (for a replacement).
    own_in_stock: bool | None


def resolution_panel(ret: ReturnRequest, order: Order | None) -> list[LinePanel]:
    """Per line: may it still change, and the stock the admin decides by."""
    orders = get_state().orders
    panels = []
    for line in ret.lines:
        listed: tuple[ExchangeOption, ...] = ()
        order_line = order.line(line.order_line_reference) if order is not None else None
        if order is not None and order_line is not None and isinstance(orders, ExchangeSource):
            listed = tuple(orders.exchange_options(order, order_line))
        own = next((v.in_stock for v in listed if v.sku == line.sku), None)
        panels.append(
            LinePanel(
                line=line,
                changeable=ret.status in CHANGEABLE and not line_carried_out(ret, line),
                variants=tuple(
                    v for v in listed if v.sku != line.sku and v.unit_amount <= line.unit_amount
                ),
                own_in_stock=own,
            )
        )
    return panels


def resolution_choices() -> list[tuple[str, str]]:
    return [(r.value, resolution_label(r)) for r in supported_resolutions()]
