"""Refunding many returns at once: each on its own, several at a time.

A refund spends most of its time waiting for Stripe, so a bulk refund of fifty
returns one after the other keeps an admin waiting for fifty round trips. Here a
few returns are refunded side by side, each in its own application (and, inside a
request, request) context, so each has its own database session and connection.
Nothing about one refund is shared with another: every return is still locked,
recorded and refunded by :func:`flask_returns.refunds.issue_refund`, and the same
return is never handed to two workers.

SQLite has one writer at a time, so there the returns are refunded one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

from flask import current_app, has_request_context
from flask.globals import request_ctx

from ..i18n import gettext as _
from ..i18n import status_labels
from ..state import get_state
from ..workflow import Actor, find_return
from .issue import RefundRefused, issue_refund
from .proposal import refundable_status


def refund_proposal_in_full(rma: str, actor: Actor) -> str:
    """Refund what the policy proposes for return ``rma``; ``""`` or why not."""
    session = get_state().session
    ret = find_return(rma)
    if ret is None:
        return _("There is no such return.")
    if not refundable_status(ret):
        label = status_labels().get(ret.status, ret.status)
        return _("It is “%(status)s”, so it cannot be refunded now.", status=label)
    try:
        issue_refund(ret, None, actor)
    except RefundRefused as refused:
        session.rollback()
        return str(refused)
    session.commit()
    return ""


def workers_for_this_database() -> int:
    """How many returns to refund at once: the setting, or 1 on SQLite."""
    state = get_state()
    if state.session.get_bind().dialect.name == "sqlite":
        return 1
    return state.settings["RETURNS_BULK_REFUND_WORKERS"]


def refund_returns(
    rmas: Iterable[str],
    actor: Actor,
    *,
    workers: int | None = None,
    on_error: Callable[[str], str] | None = None,
) -> dict[str, str]:
    """Refund each return's proposal in full; ``{rma: ""}`` when done, else why not.

    ``on_error`` turns an unexpected exception for one return into its message (the
    caller logs it), so one return's trouble never stops the others; without it the
    exception propagates.
    """
    chosen = list(dict.fromkeys(rmas))  # one worker per return, ever
    count = min(workers or workers_for_this_database(), len(chosen)) or 1

    def one(rma: str) -> str:
        try:
            return refund_proposal_in_full(rma, actor)
        except Exception:
            get_state().session.rollback()
            if on_error is None:
                raise
            return on_error(rma)

    if count == 1:
        return {rma: one(rma) for rma in chosen}
    enter = _context_factory()

    def in_own_context(rma: str) -> str:
        with enter():
            return one(rma)

    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="returns-refund") as pool:
        return dict(zip(chosen, pool.map(in_own_context, chosen), strict=True))


def _context_factory() -> Callable[[], AbstractContextManager[object]]:
    """What each worker enters: a copy of the request, or a fresh app context.

    Inside a request the copy keeps the locale (messages come back in the admin's
    language) and the host's request-bound helpers; either way the worker gets an
    application context of its own, hence a database session of its own, removed
    when the context ends.
    """
    if has_request_context():
        request = request_ctx._get_current_object()  # type: ignore[attr-defined]
        return request.copy
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return app.app_context
