"""The admin's pages: the queue of returns and one return with everything about it.

Reading only; the buttons post to :mod:`flask_returns.views.admin_actions`.
The queue pages by keyset, ``(created_at, id)`` after the last row shown, and
reads each status as one range of ``ix_returns_request_status_created``, so a
page costs the same on the first day and after a million returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from babel.numbers import format_decimal
from flask import Blueprint, abort, request, url_for
from sqlalchemy.orm import load_only
from werkzeug.wrappers import Response

from ..admin_forms import (
    CONDITION_LABELS,
    CONDITIONS,
    AuthorizeForm,
    BulkForm,
    ReceiveForm,
    RefundForm,
    RejectForm,
    format_major,
)
from ..documents import label_available
from ..forms import ConfirmForm
from ..i18n import current_locale
from ..labels import reason_label
from ..models import Photo, ReturnLine, ReturnRequest, ReturnStatus, utcnow
from ..orders import normalize_email
from ..policy import assess_order
from ..refund_proposal import propose_refund, refundable_status
from ..state import ReturnsState, get_state
from ..templating import format_date, render_page
from ..workflow import can_receive, can_transition, claimed_quantities
from .admin_access import guard_admin_endpoints
from .admin_labels import action_label, actor_label, format_when, status_labels
from .status import photo_response

S = ReturnStatus
OPEN = (S.REQUESTED, S.AUTHORIZED, S.RECEIVED)
STATUSES = (S.REQUESTED, S.AUTHORIZED, S.RECEIVED, S.REFUNDED, S.REJECTED, S.CANCELLED)


# --------------------------------------------------------------------------- queue


@dataclass(frozen=True)
class QueueFilters:
    """What the admin asked the queue for, read defensively from the query string."""

    statuses: tuple[str, ...] = tuple(OPEN)
    reason: str = ""
    age: int | None = None
    currency: str = ""
    q: str = ""
    after: tuple[datetime, int] | None = None
    args: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Mapping[str, Any], reasons: tuple[str, ...]) -> QueueFilters:
        getlist = getattr(args, "getlist", lambda key: [args[key]] if key in args else [])
        statuses = tuple(s for s in STATUSES if s in set(getlist("status"))) or tuple(OPEN)
        reason = args.get("reason", "")
        reason = reason if reason in reasons else ""
        age_text = str(args.get("age", "")).strip()
        age = int(age_text) if age_text.isdigit() and len(age_text) < 6 else None
        currency = str(args.get("currency", "")).strip().upper()
        currency = currency if len(currency) == 3 and currency.isalpha() else ""
        q = str(args.get("q", "")).strip()[:254]
        kept: dict[str, Any] = {"status": list(statuses)}
        for key, value in (("reason", reason), ("age", age), ("currency", currency), ("q", q)):
            if value not in ("", None):
                kept[key] = value
        return cls(statuses, reason, age, currency, q, _read_after(args.get("after", "")), kept)


def _read_after(text: str) -> tuple[datetime, int] | None:
    """``<created_at iso>,<id>`` from a "next page" link; anything else starts at the top."""
    stamp, _sep, ident = str(text).replace(" ", "+").rpartition(",")
    try:
        created = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if created.tzinfo is None or not ident.isdigit():
        return None
    return created, int(ident)


def _conditions(filters: QueueFilters) -> list[sa.ColumnElement[bool]]:
    R = ReturnRequest
    found: list[sa.ColumnElement[bool]] = []
    if filters.reason:
        found.append(
            sa.exists().where(ReturnLine.return_id == R.id, ReturnLine.reason == filters.reason)
        )
    if filters.age is not None:
        found.append(R.created_at < utcnow() - timedelta(days=filters.age))
    if filters.currency:
        found.append(R.currency == filters.currency)
    if filters.q:
        found.append(
            sa.or_(
                R.rma == filters.q.upper(),
                R.order_number == filters.q,
                R.customer_email == normalize_email(filters.q),
            )
        )
    if filters.after is not None:
        found.append(sa.tuple_(R.created_at, R.id) > filters.after)
    return found


def queue_statement(state: ReturnsState, filters: QueueFilters) -> sa.Select[Any]:
    """The query for one page of returns, oldest first, one row more than a page.

    Each status is read as its own ordered range of the (status, created_at, id)
    index and only a page's worth is taken from each: no OFFSET, and no sort of
    the whole queue, however long it grows.
    """
    R = ReturnRequest
    size = state.settings["RETURNS_ADMIN_PAGE_SIZE"]
    where = _conditions(filters)
    branches = [
        sa.select(R.id, R.created_at)
        .where(R.status == status, *where)
        .order_by(R.created_at, R.id)
        .limit(size + 1)
        for status in filters.statuses
    ]
    keys = (
        branches[0].subquery()
        if len(branches) == 1
        else sa.union_all(*(b.subquery().select() for b in branches)).subquery()
    )
    units = (
        sa.select(sa.func.coalesce(sa.func.sum(ReturnLine.quantity_requested), 0))
        .where(ReturnLine.return_id == R.id)
        .scalar_subquery()
    )
    return (
        sa.select(R, units.label("units"))
        .join(keys, R.id == keys.c.id)
        .order_by(keys.c.created_at, keys.c.id)
        .limit(size + 1)
        .options(load_only(*QUEUE_COLUMNS))
    )


# What a queue row shows; the rest of a return is loaded on its own page.
QUEUE_COLUMNS = (
    ReturnRequest.rma,
    ReturnRequest.status,
    ReturnRequest.order_number,
    ReturnRequest.currency,
    ReturnRequest.customer_name,
    ReturnRequest.customer_email,
    ReturnRequest.created_at,
)


def queue_page(
    state: ReturnsState, filters: QueueFilters
) -> tuple[list[tuple[ReturnRequest, int]], bool]:
    """One page of (return, units requested), oldest first, and whether more follow."""
    size = state.settings["RETURNS_ADMIN_PAGE_SIZE"]
    rows = [
        (ret, int(units)) for ret, units in state.session.execute(queue_statement(state, filters))
    ]
    return rows[:size], len(rows) > size


# Each status is counted up to here and shown as "1,000+" beyond: the refunded and
# cancelled returns of years would otherwise be counted again on every page.
COUNT_CAP = 1000


def status_counts(state: ReturnsState) -> dict[str, int]:
    """Returns per status (at most COUNT_CAP + 1 each), in one GROUP BY.

    Each status contributes a LIMITed range of the status index, so the count
    costs the same however long the history grows.
    """
    R = ReturnRequest
    capped = sa.union_all(
        *(
            sa.select(R.status).where(R.status == status).limit(COUNT_CAP + 1).subquery().select()
            for status in STATUSES
        )
    ).subquery()
    rows = state.session.execute(
        sa.select(capped.c.status, sa.func.count()).group_by(capped.c.status)
    )
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def queue() -> str:
    """The queue: counts per status, filters, one keyset page, bulk buttons."""
    state = get_state()
    reasons = state.policy.reasons
    filters = QueueFilters.from_args(request.args, reasons)
    rows, more = queue_page(state, filters)
    next_url = None
    if more:
        last = rows[-1][0]
        after = f"{last.created_at.isoformat()},{last.id}"
        next_url = url_for("returns.admin_queue", **filters.args, after=after)
    now = utcnow()
    return render_page(
        "returns/admin/queue.html",
        rows=rows,
        filters=filters,
        counts=status_counts(state),
        count_cap=COUNT_CAP,
        count_cap_text=format_decimal(COUNT_CAP, locale=current_locale()),
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


# --------------------------------------------------------------------------- one return


def return_or_404(rma: str) -> ReturnRequest:
    """The return by RMA, typed in any case."""
    ret = get_state().session.scalar(
        sa.select(ReturnRequest).where(ReturnRequest.rma == rma.strip().upper())
    )
    if ret is None:
        abort(404)
    return ret


def refund_applies(ret: ReturnRequest) -> bool:
    """Whether the refund form belongs on this return's page now.

    An authorized return whose goods are not back yet gets it too when the policy
    refunds on receipt: nothing is proposed, but an admin may override the policy.
    """
    return refundable_status(ret, overriding=True)


def render_detail(
    ret: ReturnRequest,
    *,
    forms: Mapping[str, Any] | None = None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    problem: str = "",
    code: int = 200,
) -> tuple[str, int]:
    """The return's page; actions re-render it with what was typed and what was wrong."""
    state = get_state()
    order = state.orders.get_order(ret.order_reference)
    verdict = None
    if order is not None:
        verdict = assess_order(
            order,
            claimed_quantities(order.reference, state.session),
            policy=state.policy,
            now=ret.created_at,
        )
    start = (order.delivered_at or order.placed_at) if order is not None else None
    photos_by_line: dict[int | None, list[Photo]] = {}
    for photo in ret.photos:
        photos_by_line.setdefault(photo.line_id, []).append(photo)
    show_refund = refund_applies(ret)
    proposal = propose_refund(ret) if show_refund else None
    chosen = dict(forms or {})
    if "refund" not in chosen and proposal is not None:
        chosen["refund"] = RefundForm(formdata=None)
        chosen["refund"].refund_amount.data = format_major(proposal.maximum, ret.currency)
    page = {
        "authorize": AuthorizeForm(formdata=None),
        "reject": RejectForm(formdata=None),
        "receive": ReceiveForm(formdata=None),
        **chosen,
    }
    can = {
        "authorize": ret.status == S.REQUESTED,
        "reject": can_transition(ret.status, S.REJECTED),
        "receive": can_receive(ret),
        "refund": show_refund,
    }
    return render_page(
        "returns/admin/detail.html",
        ret=ret,
        order=order,
        verdict=verdict,
        days_now=max((utcnow() - start).days, 0) if start else None,
        fee_percent={line.id: state.policy.fee_percent(line.reason) for line in ret.lines},
        photos_by_line=photos_by_line,
        proposal=proposal,
        forms=page,
        can=can,
        values=values or {},
        errors=errors or {},
        problem=problem,
        done=request.args.get("done", ""),
        status_labels=status_labels(),
        action_label=action_label,
        actor_label=actor_label,
        reason_label=reason_label,
        conditions=CONDITIONS,
        condition_labels=CONDITION_LABELS,
        format_when=format_when,
        label_available=label_available(ret),
        label_form=ConfirmForm(formdata=None),
    ), code


def detail(rma: str) -> tuple[str, int]:
    """Everything about one return, and the actions its status allows."""
    return render_detail(return_or_404(rma))


def photo(rma: str, photo_id: int, size: str) -> Response:
    """A photo of this return, for the admin; same headers as the customer's."""
    ret = return_or_404(rma)
    found = get_state().session.get(Photo, photo_id)
    if found is None or found.return_id != ret.id:
        abort(404)
    return photo_response(found, thumbnail=size == "thumb")


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    guard_admin_endpoints(blueprint)
    blueprint.add_url_rule("/admin/", "admin_queue", queue)
    blueprint.add_url_rule("/admin/returns/<rma>", "admin_detail", detail)
    blueprint.add_url_rule(
        "/admin/returns/<rma>/photos/<int:photo_id>/<any(full, thumb):size>",
        "admin_photo",
        photo,
    )
