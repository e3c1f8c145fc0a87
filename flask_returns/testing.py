"""Helpers for a shop's own tests of its integration (and for replaying history).

``clock_at`` sets the time every step records, so a test can open a return "ten
days ago" and see the window, the dashboard's medians and the exports as they
would be, through the real workflow rather than by editing rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from .models import clock

__all__ = ["clock_at"]


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
