"""The benchmark's example shop, with the customer pages' reads kept in memory.

A diagnostic, not a way to run a shop: each worker reads the order (the shop's
adapter), the units already claimed (ours), the variants offered for an exchange
(the shop's adapter) and the return behind a status link once, then serves every
later request from that first answer. Its requests per
second show what ``/returns/new`` and the status page would reach if their
PostgreSQL round trips cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shop_wsgi import app

import flask_returns.views.customer as customer_views
import flask_returns.views.status as status_views
from flask_returns.state import get_state

__all__ = ["app"]


def _first_answer(read: Callable[..., Any]) -> Callable[..., Any]:
    kept: list[Any] = []

    def answer(*args: Any, **kwargs: Any) -> Any:
        if not kept:
            kept.append(read(*args, **kwargs))
        return kept[0]

    return answer


def _first_return(read: Callable[..., Any]) -> Callable[..., Any]:
    """Like _first_answer, for an ORM object: taken out of its session, so the
    request's closing rollback does not expire what the query loaded."""

    def read_and_keep(*args: Any, **kwargs: Any) -> Any:
        found = read(*args, **kwargs)
        if found is not None:
            get_state().session.expunge(found)
        return found

    return _first_answer(read_and_keep)


customer_views._order_from_session = _first_answer(customer_views._order_from_session)
customer_views._assess = _first_answer(customer_views._assess)
customer_views.options_for_order = _first_answer(customer_views.options_for_order)
status_views.return_for_token = _first_return(status_views.return_for_token)
