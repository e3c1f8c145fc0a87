"""Whether an order can be returned and how much of each line: pure functions, no Flask.

Each verdict carries the numbers behind it (days since delivery, the window, the
deadline) so that every page can explain the decision to the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .orders import Order, OrderLine


@dataclass(frozen=True)
class LineVerdict:
    line: OrderLine
    index: int
    # Units still free to return (bought minus what live returns already claim).
    remaining: int
    # None when the line can be chosen; else "not_returnable" or "already_claimed".
    blocked: str | None

    @property
    def choosable(self) -> bool:
        return self.blocked is None


@dataclass(frozen=True)
class Eligibility:
    window_days: int
    # "delivery" when a delivery date is known, else "order".
    counted_from: str
    days_since: int
    deadline: datetime
    lines: tuple[LineVerdict, ...]

    @property
    def in_window(self) -> bool:
        return self.days_since <= self.window_days

    @property
    def eligible(self) -> bool:
        return self.in_window and any(v.choosable for v in self.lines)

    @property
    def blocked(self) -> str | None:
        """Why nothing can be returned: "window_closed", "nothing_left", or None."""
        if not self.in_window:
            return "window_closed"
        if not any(v.choosable for v in self.lines):
            return "nothing_left"
        return None


def assess_order(
    order: Order, claimed: dict[str, int], *, window_days: int, now: datetime
) -> Eligibility:
    """The verdict for ``order`` given the units already claimed per order line id."""
    start = order.delivered_at or order.placed_at
    verdicts = []
    for index, line in enumerate(order.lines):
        remaining = max(line.quantity - claimed.get(line.id, 0), 0)
        if not line.returnable:
            blocked: str | None = "not_returnable"
        elif remaining == 0:
            blocked = "already_claimed"
        else:
            blocked = None
        verdicts.append(LineVerdict(line, index, remaining, blocked))
    return Eligibility(
        window_days=window_days,
        counted_from="delivery" if order.delivered_at else "order",
        days_since=max((now - start).days, 0),
        deadline=start + timedelta(days=window_days),
        lines=tuple(verdicts),
    )
