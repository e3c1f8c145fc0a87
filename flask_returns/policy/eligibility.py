"""Whether an order can be returned and how much of each line: pure functions, no Flask.

Each verdict carries the numbers behind it (days since delivery, the window that
applies and why, the deadline) so that every page can explain the decision to
the customer in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..orders import Order, OrderLine
from .return_policy import ReturnPolicy, WindowDecision


@dataclass(frozen=True)
class LineVerdict:
    line: OrderLine
    index: int
    # Units still free to return (bought minus what live returns already claim).
    remaining: int
    # None when the line can be chosen; else "final_sale" (``final_sale_by`` says
    # which rule), "window_closed" or "already_claimed".
    blocked: str | None
    window: WindowDecision
    deadline: datetime
    final_sale_by: str | None = None

    @property
    def choosable(self) -> bool:
        return self.blocked is None

    @property
    def window_days(self) -> int:
        return self.window.days


@dataclass(frozen=True)
class Eligibility:
    # The longest window of any line: what the order-wide text quotes.
    window_days: int
    # "delivery" when a delivery date is known, else "order".
    counted_from: str
    days_since: int
    deadline: datetime
    lines: tuple[LineVerdict, ...]

    @property
    def in_window(self) -> bool:
        return any(v.blocked != "window_closed" for v in self.lines if v.final_sale_by is None)

    @property
    def eligible(self) -> bool:
        return any(v.choosable for v in self.lines)

    @property
    def blocked(self) -> str | None:
        """Why nothing can be returned: "window_closed", "nothing_left", or None."""
        if self.eligible:
            return None
        if not self.in_window:
            return "window_closed"
        return "nothing_left"


def assess_order(
    order: Order, claimed: dict[str, int], *, policy: ReturnPolicy, now: datetime
) -> Eligibility:
    """The verdict for ``order`` given the units already claimed per order line id."""
    start = order.delivered_at or order.placed_at
    days_since = max((now - start).days, 0)
    verdicts = []
    for index, line in enumerate(order.lines):
        remaining = max(line.quantity - claimed.get(line.id, 0), 0)
        window = policy.window(line, order)
        final_sale = policy.final_sale(line)
        if final_sale:
            blocked: str | None = "final_sale"
        elif days_since > window.days:
            blocked = "window_closed"
        elif remaining == 0:
            blocked = "already_claimed"
        else:
            blocked = None
        verdicts.append(
            LineVerdict(
                line,
                index,
                remaining,
                blocked,
                window,
                start + timedelta(days=window.days),
                final_sale,
            )
        )
    returnable = [v for v in verdicts if v.final_sale_by is None] or verdicts
    longest = max((v.window.days for v in returnable), default=policy.window_days)
    return Eligibility(
        window_days=longest,
        counted_from="delivery" if order.delivered_at else "order",
        days_since=days_since,
        deadline=start + timedelta(days=longest),
        lines=tuple(verdicts),
    )
