"""Store credit issued and replacement orders created, as export rows.

Only what the shop's system confirmed counts: succeeded fulfilments, by the time
it confirmed them (``succeeded_at``), not by when we first asked (``created_at``).
A credit asked for at 23:58 while the gift-card system was down, and issued after
midnight, was issued the next day; and were it listed by ``created_at``, the
export for its first day, run before it went through, would never show it, nor
would any later one. ``succeeded_at`` is set once and never changes, so each row
is in exactly one day's export, and the daily files add up to the month's.

Rows are read like the refunds (:mod:`.rows`): keyset batches on
``(succeeded_at, id)``, plain column rows, amounts as exact ``Decimal`` in major
units with the integer ``*_minor`` beside them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from ..models import Fulfilment, FulfilmentKind, FulfilmentStatus, ReturnLine, ReturnRequest
from ..money import major_units
from .ranges import DateRange
from .rows import BATCH_SIZE, AnySession, Row

F = Fulfilment
R = ReturnRequest
L = ReturnLine

# Stable machine names, as for every export: never translated.
STORE_CREDIT_COLUMNS = (
    "issued_at",
    "fulfilment_id",
    "rma",
    "order_number",
    "customer_email",
    "customer_name",
    "amount",
    "amount_minor",
    "bonus",
    "bonus_minor",
    "currency",
    "host_reference",
    "code",
)

# One row per item sent: an order with two SKUs is two rows with the same numbers.
REPLACEMENT_COLUMNS = (
    "created_at",
    "fulfilment_id",
    "rma",
    "order_number",
    "host_order_number",
    "host_reference",
    "line_id",
    "resolution",
    "returned_sku",
    "sku",
    "product_name",
    "quantity",
    "carrier",
    "tracking_number",
    "shipped_at",
)


def _in_span(kind: FulfilmentKind, span: DateRange) -> list[sa.ColumnElement[bool]]:
    return [
        F.kind == kind,
        F.status == FulfilmentStatus.SUCCEEDED,
        F.succeeded_at >= span.start,
        F.succeeded_at < span.end,
    ]


def _batches(
    session: AnySession, statement: sa.Select[Any], size: int
) -> Iterator[list[sa.Row[Any]]]:
    """``statement`` (ordered by succeeded_at, id) a keyset page at a time."""
    base = statement.order_by(F.succeeded_at, F.id).limit(size)
    after: tuple[Any, int] | None = None
    while True:
        query = base if after is None else base.where(sa.tuple_(F.succeeded_at, F.id) > after)
        batch = list(session.execute(query).all())
        if batch:
            yield batch
        if len(batch) < size:
            return
        after = (batch[-1].succeeded_at, batch[-1].id)


def store_credit_rows(
    session: AnySession, span: DateRange, batch_size: int | None = None
) -> Iterator[Row]:
    """One row per store credit issued in ``span``, oldest first.

    ``amount`` is what the customer was credited, bonus included; ``bonus`` is the
    part of it the shop added on top of the returned value.
    """
    statement = sa.select(
        F.succeeded_at,
        F.id,
        R.rma,
        R.order_number,
        R.customer_email,
        R.customer_name,
        F.amount,
        F.bonus,
        F.currency,
        F.host_reference,
        F.host_number,
    ).join(R, R.id == F.return_id)
    statement = statement.where(*_in_span(FulfilmentKind.STORE_CREDIT, span))
    for batch in _batches(session, statement, batch_size or BATCH_SIZE):
        for row in batch:
            (when, ident, rma, number, email, name, amount, bonus, currency) = row[:9]
            amount = int(amount or 0)
            bonus = int(bonus or 0)
            yield (
                when,
                ident,
                rma,
                number,
                email,
                name,
                major_units(amount, currency),
                amount,
                major_units(bonus, currency),
                bonus,
                currency,
                row.host_reference,
                row.host_number,
            )


def count_store_credit(session: AnySession, span: DateRange) -> int:
    """How many rows :func:`store_credit_rows` will give (for a progress bar)."""
    query = sa.select(sa.func.count()).where(*_in_span(FulfilmentKind.STORE_CREDIT, span))
    return int(session.scalar(query) or 0)


def _lines(session: AnySession, ids: set[int]) -> dict[int, tuple[str, str]]:
    """``{line id: (resolution, returned sku)}`` for the lines a batch of orders sends for."""
    if not ids:
        return {}
    rows = session.execute(sa.select(L.id, L.resolution, L.sku).where(L.id.in_(sorted(ids))))
    return {ident: (resolution, sku) for ident, resolution, sku in rows}


def replacement_rows(
    session: AnySession, span: DateRange, batch_size: int | None = None
) -> Iterator[Row]:
    """One row per item of each replacement or exchange order created in ``span``.

    ``sku`` and ``product_name`` are what was sent (the variant, for an exchange),
    ``returned_sku`` what came back; ``resolution`` says which of the two it was.
    """
    statement = sa.select(
        F.succeeded_at,
        F.id,
        R.rma,
        R.order_number,
        F.host_number,
        F.host_reference,
        F.items,
        F.carrier,
        F.tracking_number,
        F.shipped_at,
    ).join(R, R.id == F.return_id)
    statement = statement.where(*_in_span(FulfilmentKind.OUTBOUND_ORDER, span))
    for batch in _batches(session, statement, batch_size or BATCH_SIZE):
        lines = _lines(
            session,
            {i["line"] for r in batch for i in r.items or () if isinstance(i.get("line"), int)},
        )
        for row in batch:
            for item in row.items or ():
                resolution, returned_sku = lines.get(item.get("line"), ("", ""))
                yield (
                    row.succeeded_at,
                    row.id,
                    row.rma,
                    row.order_number,
                    row.host_number,
                    row.host_reference,
                    item.get("line"),
                    resolution,
                    returned_sku,
                    str(item.get("sku") or ""),
                    str(item.get("name") or ""),
                    int(item.get("quantity") or 0),
                    row.carrier,
                    row.tracking_number,
                    row.shipped_at,
                )


def count_replacement_items(session: AnySession, span: DateRange) -> int:
    """How many rows :func:`replacement_rows` will give: the items of the orders."""
    query = sa.select(F.items).where(*_in_span(FulfilmentKind.OUTBOUND_ORDER, span))
    return sum(len(items or ()) for items in session.scalars(query))
