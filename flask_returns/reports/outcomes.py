"""How a period's returns ended: each outcome as a condition on status and resolution.

A return's outcome is its status, and for a return settled otherwise than by
refunds alone (``resolved``) its resolution: ``replaced``, ``exchanged``,
``store_credit``, or ``mixed`` when its lines were settled in different ways
(some exchanged, some refunded, say). Only a settled return counts as replaced,
exchanged or credited: one still waiting for its replacement order or its credit
is ``open``, whatever the customer asked for, as a return waiting for its refund
is. Both columns are in ``ix_returns_request_created_insights``, so on PostgreSQL
the counts stay an index-only pass over the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..models import Resolution, ReturnRequest, ReturnStatus

R = ReturnRequest
S = ReturnStatus

# How the returns of a period ended, in the order the share bar shows them.
OUTCOMES = (
    "refunded",
    "replaced",
    "exchanged",
    "store_credit",
    "mixed",
    "rejected",
    "cancelled",
    "open",
)
# The outcome of a ``resolved`` return by its resolution; any other is "mixed".
RESOLVED_AS = {
    Resolution.REPLACEMENT: "replaced",
    Resolution.EXCHANGE: "exchanged",
    Resolution.STORE_CREDIT: "store_credit",
}
# Columns of the counts after the total: each outcome but "open" (the rest).
COUNTED = tuple(outcome for outcome in OUTCOMES if outcome != "open")


@dataclass(frozen=True)
class Outcomes:
    """How the period's returns stand now; the counts (one per outcome) add up to ``total``."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    def share(self, outcome: str) -> float:
        return self.counts[outcome] / self.total if self.total else 0.0


def outcome_filters() -> dict[str, sa.ColumnElement[bool]]:
    """Each outcome but "open" as a condition on a return's status and resolution."""
    resolved = R.status == S.RESOLVED
    found: dict[str, sa.ColumnElement[bool]] = {
        # Resolved yet "refund": its other lines had no units authorized, so only
        # refunds settled anything.
        "refunded": sa.or_(
            R.status == S.REFUNDED, sa.and_(resolved, R.resolution == Resolution.REFUND)
        ),
    }
    for resolution, outcome in RESOLVED_AS.items():
        found[outcome] = sa.and_(resolved, R.resolution == resolution)
    found["mixed"] = sa.and_(resolved, R.resolution.not_in([Resolution.REFUND, *RESOLVED_AS]))
    found["rejected"] = R.status == S.REJECTED
    found["cancelled"] = R.status == S.CANCELLED
    return found


def outcome_counts() -> list[Any]:
    """The columns to select: the total, then one count per :data:`COUNTED` outcome."""
    filters = outcome_filters()
    return [sa.func.count(), *(sa.func.count().filter(filters[o]) for o in COUNTED)]


def outcomes_from(row: Sequence[Any]) -> Outcomes:
    """:class:`Outcomes` from a row that starts with :func:`outcome_counts`."""
    total = int(row[0])
    counts = dict(zip(COUNTED, (int(n) for n in row[1 : 1 + len(COUNTED)]), strict=True))
    counts["open"] = total - sum(counts.values())
    return Outcomes(total, {outcome: counts[outcome] for outcome in OUTCOMES})
