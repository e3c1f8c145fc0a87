"""The rate limit shared by both look-ups (order, and return by RMA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..state import ReturnsState


def limit_failed_lookups(state: ReturnsState) -> Callable[[Any], Any]:
    """Decorate a look-up view so that only failures count against the client.

    A successful look-up redirects (302); anything else counts, so a customer who
    finds the order is never locked out, and someone guessing soon is.
    """
    return state.limiter.limit(
        state.settings["RETURNS_LOOKUP_RATE_LIMIT"],
        methods=["POST"],
        deduct_when=lambda response: response.status_code != 302,
    )
