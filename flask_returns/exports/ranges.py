"""Which days an export covers: whole UTC days, read as a half-open range.

Finance asks for "November" or "yesterday", never for instants, so a range is
two calendar days, both included, and the database is asked for
``since 00:00 <= created_at < until + 1 day 00:00`` (UTC). A refund at
23:59:59.999 on the last day is in; one at midnight after it is in the next
export, never in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..models import utcnow

# The ranges offered as one click, in the order the admin page lists them.
PRESETS = ("today", "yesterday", "last_7_days", "this_month", "last_month")

# Outside these a date is a typo (and the day after the last must exist).
EARLIEST = date(1970, 1, 1)
LATEST = date(9999, 12, 30)


class RangeError(ValueError):
    """A range that cannot be used; ``problem`` says which part, for the message."""

    def __init__(self, problem: str) -> None:
        # "since", "until" (not a date), "reversed" or "missing".
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class DateRange:
    """From ``since`` to ``until``, both whole UTC days included."""

    since: date
    until: date

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise RangeError("reversed")

    @property
    def start(self) -> datetime:
        """The first instant in the range."""
        return datetime.combine(self.since, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the range (excluded)."""
        return datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def slug(self) -> str:
        """``2026-11-01-2026-11-30``, for file names."""
        return f"{self.since.isoformat()}-{self.until.isoformat()}"


def parse_day(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` day, or None for anything else (including absurd years)."""
    text = (text or "").strip()
    if len(text) != 10:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def custom_range(since: str | None, until: str | None) -> DateRange:
    """The range typed by a person; :class:`RangeError` names the first thing wrong."""
    if not (since or "").strip() and not (until or "").strip():
        raise RangeError("missing")
    first = parse_day(since)
    if first is None:
        raise RangeError("since")
    last = parse_day(until)
    if last is None:
        raise RangeError("until")
    return DateRange(first, last)


def preset_range(name: str, today: date | None = None) -> DateRange:
    """One of :data:`PRESETS`, counted from ``today`` (UTC unless given)."""
    today = today or utcnow().date()
    if name == "today":
        return DateRange(today, today)
    if name == "yesterday":
        day = today - timedelta(days=1)
        return DateRange(day, day)
    if name == "last_7_days":
        return DateRange(today - timedelta(days=6), today)
    first_of_month = today.replace(day=1)
    if name == "this_month":
        return DateRange(first_of_month, today)
    if name == "last_month":
        last_of_previous = first_of_month - timedelta(days=1)
        return DateRange(last_of_previous.replace(day=1), last_of_previous)
    raise RangeError("missing")
