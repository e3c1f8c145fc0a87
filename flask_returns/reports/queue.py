"""The admin queue's SQL: filters read from a query string, keyset pages, counts.

The queue pages by keyset, ``(created_at, id)`` after the last row shown, and
reads each status as one range of ``ix_returns_request_status_created``, so a
page costs the same on the first day and after a million returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from ..models import ReturnLine, ReturnRequest, ReturnStatus, Shipment, ShipmentStatus, utcnow
from ..orders import normalize_email
from ..state import ReturnsState

__all__ = [
    "COUNT_CAP",
    "OPEN",
    "STATUSES",
    "QueueFilters",
    "queue_page",
    "queue_statement",
    "status_counts",
]

S = ReturnStatus
OPEN = (S.REQUESTED, S.AUTHORIZED, S.RECEIVED)
# Who a return's conversation may wait for (ReturnRequest.awaiting).
WAITING = ("shop", "customer")
STATUSES = (
    S.REQUESTED,
    S.AUTHORIZED,
    S.RECEIVED,
    S.REFUNDED,
    S.RESOLVED,
    S.REJECTED,
    S.CANCELLED,
)


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
    # "shop" or "customer": only returns whose conversation waits for them, longest first.
    waiting: str = ""
    # Only authorized returns whose parcel the carrier says was delivered to the shop.
    arrived: bool = False

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
        waiting = args.get("waiting", "")
        waiting = waiting if waiting in WAITING else ""
        arrived = not waiting and args.get("arrived") == "1"
        if waiting:
            statuses = STATUSES  # an unanswered message matters whatever the status
        if arrived:
            statuses = (S.AUTHORIZED,)  # delivered, not yet recorded as received
        kept: dict[str, Any] = {"status": list(statuses)}
        if waiting:
            kept = {"waiting": waiting}
        if arrived:
            kept = {"arrived": "1"}
        for key, value in (("reason", reason), ("age", age), ("currency", currency), ("q", q)):
            if value not in ("", None):
                kept[key] = value
        after = _read_after(args.get("after", ""))
        return cls(statuses, reason, age, currency, q, after, kept, waiting, arrived)


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
    if filters.arrived:
        found.append(_parcel_delivered())
    if filters.after is not None:
        key = (R.awaiting_since, R.id) if filters.waiting else (R.created_at, R.id)
        found.append(sa.tuple_(*key) > filters.after)
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
    units = (
        sa.select(sa.func.coalesce(sa.func.sum(ReturnLine.quantity_requested), 0))
        .where(ReturnLine.return_id == R.id)
        .scalar_subquery()
    )
    if filters.waiting:
        # One ordered range of the (awaiting, awaiting_since, id) index.
        return (
            sa.select(R, units.label("units"))
            .where(R.awaiting == filters.waiting, *where)
            .order_by(R.awaiting_since, R.id)
            .limit(size + 1)
            .options(load_only(*QUEUE_COLUMNS))
        )
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
    ReturnRequest.awaiting,
    ReturnRequest.awaiting_since,
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


def _parcel_delivered() -> sa.ColumnElement[bool]:
    return sa.exists().where(
        Shipment.return_id == ReturnRequest.id,
        Shipment.status == ShipmentStatus.BOOKED,
        Shipment.delivered_at.is_not(None),
    )


def arrived_count(state: ReturnsState) -> int:
    """Authorized returns whose parcel was delivered to the shop (capped like the rest)."""
    R = ReturnRequest
    capped = (
        sa.select(R.id)
        .where(R.status == S.AUTHORIZED, _parcel_delivered())
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    return int(state.session.scalar(sa.select(sa.func.count()).select_from(capped)) or 0)


def waiting_counts(state: ReturnsState) -> dict[str, int]:
    """Returns waiting for the shop and for the customer (each capped like the statuses)."""
    R = ReturnRequest
    found = {}
    for who in WAITING:
        capped = sa.select(R.id).where(R.awaiting == who).limit(COUNT_CAP + 1).subquery()
        found[who] = int(state.session.scalar(sa.select(sa.func.count()).select_from(capped)) or 0)
    return found
