"""Export rows read from the database a batch at a time.

Each batch is one keyset query, ``(created_at, id)`` after the last row of the
batch before, on the ``(created_at, id)`` indexes: no OFFSET, no ``.all()`` of
the range, and plain column rows rather than ORM objects, so nothing piles up in
the session however many rows a range holds. A row is a tuple of Python values
(``str``, ``int``, exact ``Decimal`` amounts in major units, aware UTC
``datetime``, ``bool`` or ``None``); the writers decide how each looks in a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from ..i18n import reason_label
from ..models import Refund, RefundStatus, ReturnLine, ReturnRequest
from ..money import major_units
from .ranges import DateRange

Row = tuple[Any, ...]
AnySession = Session | scoped_session[Session]

# Rows per query: big enough that round trips do not dominate, small enough that
# a batch is a few hundred kilobytes at most.
BATCH_SIZE = 1000


# --------------------------------------------------------------------------- refunds

# Stable machine names: files are imported elsewhere, so these never get translated.
REFUND_COLUMNS = (
    "refund_id",
    "rma",
    "order_number",
    "customer_email",
    "customer_name",
    "amount",
    "amount_minor",
    "currency",
    "stripe_refund_id",
    "status",
    "failure_reason",
    "note",
    "created_by",
    "created_at",
    "updated_at",
)


def _refund_statement(span: DateRange) -> sa.Select[Any]:
    F, R = Refund, ReturnRequest
    return (
        sa.select(
            F.id,
            R.rma,
            R.order_number,
            R.customer_email,
            R.customer_name,
            F.amount,
            F.currency,
            F.stripe_refund_id,
            F.status,
            F.failure_reason,
            F.note,
            F.created_by,
            F.created_at,
            F.updated_at,
        )
        .join(R, R.id == F.return_id)
        .where(F.created_at >= span.start, F.created_at < span.end)
        .order_by(F.created_at, F.id)
    )


def refund_rows(
    session: AnySession,
    span: DateRange,
    totals: Totals | None = None,
    batch_size: int | None = None,
) -> Iterator[Row]:
    """One row per refund created in ``span``, oldest first; adds each to ``totals``."""
    size = batch_size or BATCH_SIZE
    base = _refund_statement(span).limit(size)
    after: tuple[Any, int] | None = None
    while True:
        query = (
            base if after is None else base.where(sa.tuple_(Refund.created_at, Refund.id) > after)
        )
        batch = session.execute(query).all()
        for row in batch:
            # Positions, not names: a million rows make attribute look-ups count.
            (ident, rma, number, email, name, amount, currency, stripe_id, status) = row[:9]
            if totals is not None:
                totals.add(currency, status, amount)
            yield (
                ident,
                rma,
                number,
                email,
                name,
                major_units(amount, currency),
                amount,
                currency,
                stripe_id,
                status,
                *row[9:],  # failure_reason, note, created_by, created_at, updated_at
            )
        if len(batch) < size:
            return
        after = (batch[-1].created_at, batch[-1].id)


def count_refunds(session: AnySession, span: DateRange) -> int:
    """How many rows :func:`refund_rows` will give (for a progress bar)."""
    F = Refund
    query = sa.select(sa.func.count()).where(F.created_at >= span.start, F.created_at < span.end)
    return int(session.scalar(query) or 0)


# --------------------------------------------------------------------------- totals

# Money that has left first, then what may still leave, then what never did.
STATUS_ORDER = (
    RefundStatus.SUCCEEDED,
    RefundStatus.PENDING,
    RefundStatus.REQUIRES_ACTION,
    RefundStatus.FAILED,
    RefundStatus.CANCELED,
)
TOTAL_COLUMNS = ("currency", "status", "refunds", "amount", "amount_minor")


@dataclass
class Totals:
    """Refunds counted and summed per currency and status, in Stripe's units (exact).

    Per status, because a total that adds failed attempts to money paid out would
    be wrong; finance reads the ``succeeded`` rows as what was refunded.
    """

    sums: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add(self, currency: str, status: str, amount: int, count: int = 1) -> None:
        entry = self.sums.setdefault((currency, status), [0, 0])
        entry[0] += count
        entry[1] += amount

    def rows(self) -> list[Row]:
        """``(currency, status, refunds, amount, amount_minor)``, by currency then status."""

        def order(key: tuple[str, str]) -> tuple[str, int, str]:
            currency, status = key
            rank = STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)
            return currency, rank, status

        return [
            (currency, status, count, major_units(amount, currency), amount)
            for (currency, status), (count, amount) in sorted(
                self.sums.items(), key=lambda item: order(item[0])
            )
        ]


def refund_totals(session: AnySession, span: DateRange) -> Totals:
    """The totals of ``span`` in one GROUP BY, without reading the refunds."""
    F = Refund
    query = (
        sa.select(F.currency, F.status, sa.func.count(), sa.func.sum(F.amount))
        .where(F.created_at >= span.start, F.created_at < span.end)
        .group_by(F.currency, F.status)
    )
    totals = Totals()
    for currency, status, count, amount in session.execute(query):
        totals.add(currency, status, int(amount or 0), int(count))
    return totals


def total_rows(session: AnySession, span: DateRange) -> Iterator[Row]:
    """The totals as export rows (the ``refund-totals`` kind)."""
    yield from refund_totals(session, span).rows()


def count_totals(session: AnySession, span: DateRange) -> int:
    return len(refund_totals(session, span).sums)


# --------------------------------------------------------------------------- returns

RETURN_COLUMNS = (
    "rma",
    "order_number",
    "customer_email",
    "status",
    "line_id",
    "sku",
    "product_name",
    "reason_code",
    "reason",
    "comment",
    "quantity_requested",
    "quantity_authorized",
    "quantity_received",
    "unit_amount",
    "unit_amount_minor",
    "currency",
    "condition",
    "resellable",
    "created_at",
    "authorized_at",
    "received_at",
    "refunded_at",
)


def return_line_rows(
    session: AnySession, span: DateRange, batch_size: int | None = None
) -> Iterator[Row]:
    """One row per return line of the returns created in ``span``, oldest return first.

    Reasons are worded in the current language (the admin's, or the CLI's
    ``--lang``). Each batch is a keyset page of returns, then their lines.
    """
    R, L = ReturnRequest, ReturnLine
    size = batch_size or BATCH_SIZE
    keys = (
        sa.select(R.id, R.created_at)
        .where(R.created_at >= span.start, R.created_at < span.end)
        .order_by(R.created_at, R.id)
        .limit(size)
    )
    lines = sa.select(
        R.rma,
        R.order_number,
        R.customer_email,
        R.status,
        L.id,
        L.sku,
        L.name,
        L.reason,
        L.comment,
        L.quantity_requested,
        L.quantity_authorized,
        L.quantity_received,
        L.unit_amount,
        R.currency,
        L.condition,
        L.resellable,
        R.created_at,
        R.authorized_at,
        R.received_at,
        R.refunded_at,
    ).join(L, L.return_id == R.id)
    words: dict[str, str] = {}
    after: tuple[Any, int] | None = None
    while True:
        page = keys if after is None else keys.where(sa.tuple_(R.created_at, R.id) > after)
        found = session.execute(page).all()
        if not found:
            return
        ids = [key.id for key in found]
        query = lines.where(R.id.in_(ids)).order_by(R.created_at, R.id, L.id)
        for r in session.execute(query):
            if r.reason not in words:
                words[r.reason] = reason_label(r.reason)
            yield (
                r.rma,
                r.order_number,
                r.customer_email,
                r.status,
                r.id,
                r.sku,
                r.name,
                r.reason,
                words[r.reason],
                r.comment,
                r.quantity_requested,
                r.quantity_authorized,
                r.quantity_received,
                major_units(r.unit_amount, r.currency),
                r.unit_amount,
                r.currency,
                r.condition,
                r.resellable,
                r.created_at,
                r.authorized_at,
                r.received_at,
                r.refunded_at,
            )
        if len(found) < size:
            return
        after = (found[-1].created_at, found[-1].id)


def count_return_lines(session: AnySession, span: DateRange) -> int:
    """How many rows :func:`return_line_rows` will give."""
    R, L = ReturnRequest, ReturnLine
    query = (
        sa.select(sa.func.count())
        .select_from(L)
        .join(R, R.id == L.return_id)
        .where(R.created_at >= span.start, R.created_at < span.end)
    )
    return int(session.scalar(query) or 0)
