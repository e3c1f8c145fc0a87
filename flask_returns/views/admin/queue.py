"""The admin's queue page: counts per status, filters, one page of returns.

Reading only; the buttons post to :mod:`.actions`, the SQL is
:mod:`flask_returns.reports.queue`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from babel.numbers import format_decimal
from flask import Blueprint, request, url_for

from ...i18n import current_locale, format_date, format_when, reason_label, status_labels
from ...models import utcnow
from ...reports import (
    STATUSES,
    QueueFilters,
    arrived_count,
    queue_page,
    status_counts,
    waiting_counts,
)
from ...reports import queue as queue_sql
from ...state import ReturnsState, get_state
from ...templating import render_page
from .access import guard_admin_endpoints
from .forms import BulkForm


def queue() -> str:
    """The queue: counts per status, filters, one keyset page, bulk buttons."""
    state = get_state()
    reasons = state.policy.reasons
    filters = QueueFilters.from_args(request.args, reasons)
    rows, more = queue_page(state, filters)
    next_url = None
    if more:
        last = rows[-1][0]
        stamp = last.awaiting_since if filters.waiting else last.created_at
        after = f"{stamp.isoformat()},{last.id}"
        next_url = url_for("returns.admin_queue", **filters.args, after=after)
    now = utcnow()
    return render_page(
        "returns/admin/queue.html",
        rows=rows,
        filters=filters,
        counts=status_counts(state),
        waiting=waiting_counts(state),
        arrived=arrived_count(state) if state.carrier is not None else None,
        count_cap=queue_sql.COUNT_CAP,
        count_cap_text=format_decimal(queue_sql.COUNT_CAP, locale=current_locale()),
        statuses=STATUSES,
        status_labels=status_labels(),
        reasons=reasons,
        reason_label=reason_label,
        next_url=next_url,
        first_url=url_for("returns.admin_queue", **filters.args) if filters.after else None,
        age_days=lambda ret: max((now - ret.created_at).days, 0),
        format_day=_day_formatter(),
        bulk_form=BulkForm(formdata=None),
        format_when=format_when,
    )


def _day_formatter() -> Callable[[datetime], str]:
    """``format_date`` once per calendar day: a page of returns shares few days."""
    seen: dict[date, str] = {}

    def format_day(value: datetime) -> str:
        day = value.astimezone(UTC).date()
        if day not in seen:
            seen[day] = format_date(day, "medium")
        return seen[day]

    return format_day


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    guard_admin_endpoints(blueprint)
    blueprint.add_url_rule("/admin/", "admin_queue", queue)
