"""The module's clock: every timestamp it writes comes from :func:`utcnow`.

A host's tests, or a demo that replays months of history, can set the clock for
one block of code (:func:`flask_returns.testing.clock_at`) without patching
modules one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

__all__ = ["clock", "utcnow"]

clock: ContextVar[Callable[[], datetime] | None] = ContextVar("returns_clock", default=None)


def utcnow() -> datetime:
    now = clock.get()
    return now() if now is not None else datetime.now(UTC)
