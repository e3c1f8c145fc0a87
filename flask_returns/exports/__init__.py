"""Lists for finance: refunds, refund totals, return lines, store credit issued and
replacement orders created, for any range of days.

The same kinds and formats serve the admin page (``returns.admin_exports``) and
``flask returns export``. Column names are stable English machine names, the
same in CSV and XLSX, so other systems can import the files by name. Totals are
never mixed into a data file: a CSV is one table that imports as it is; the
totals come as their own kind (``refund-totals``), as the XLSX "Totals" sheet,
and at the end of the command's output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from .fulfilments import (
    REPLACEMENT_COLUMNS,
    STORE_CREDIT_COLUMNS,
    count_replacement_items,
    count_store_credit,
    replacement_rows,
    store_credit_rows,
)
from .ranges import PRESETS, DateRange, RangeError, custom_range, parse_day, preset_range
from .rows import (
    REFUND_COLUMNS,
    RETURN_COLUMNS,
    TOTAL_COLUMNS,
    AnySession,
    Row,
    Totals,
    count_refunds,
    count_return_lines,
    count_totals,
    refund_rows,
    refund_totals,
    return_line_rows,
    total_rows,
)
from .writers import csv_chunks, neutralise, write_xlsx

__all__ = [
    "FORMATS",
    "KINDS",
    "MIMETYPES",
    "PRESETS",
    "DateRange",
    "ExportKind",
    "RangeError",
    "Totals",
    "csv_chunks",
    "custom_range",
    "export_csv",
    "export_xlsx",
    "filename",
    "neutralise",
    "parse_day",
    "preset_range",
    "refund_totals",
]

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ExportKind:
    """What one kind of export reads and how its sheets are named."""

    name: str
    sheet: str
    columns: tuple[str, ...]
    # Reads the rows; refunds also add themselves to the Totals given.
    rows: Callable[[AnySession, DateRange, Totals], Iterator[Row]]
    count: Callable[[AnySession, DateRange], int]
    # Whether the XLSX file carries a Totals sheet and the CLI prints totals.
    totals: bool


KINDS = {
    "refunds": ExportKind(
        "refunds",
        "Refunds",
        REFUND_COLUMNS,
        lambda session, span, totals: refund_rows(session, span, totals),
        count_refunds,
        totals=True,
    ),
    "refund-totals": ExportKind(
        "refund-totals",
        "Totals",
        TOTAL_COLUMNS,
        lambda session, span, totals: total_rows(session, span),
        count_totals,
        totals=False,
    ),
    "returns": ExportKind(
        "returns",
        "Return lines",
        RETURN_COLUMNS,
        lambda session, span, totals: return_line_rows(session, span),
        count_return_lines,
        totals=False,
    ),
    "store-credit": ExportKind(
        "store-credit",
        "Store credit",
        STORE_CREDIT_COLUMNS,
        lambda session, span, totals: store_credit_rows(session, span),
        count_store_credit,
        totals=False,
    ),
    "replacement-orders": ExportKind(
        "replacement-orders",
        "Replacement orders",
        REPLACEMENT_COLUMNS,
        lambda session, span, totals: replacement_rows(session, span),
        count_replacement_items,
        totals=False,
    ),
}


def filename(kind: str, span: DateRange, format: str) -> str:
    """``refunds-2026-11-01-2026-11-30.csv``."""
    return f"{kind}-{span.slug}.{format}"


def export_csv(
    kind: ExportKind, session: AnySession, span: DateRange, totals: Totals | None = None
) -> Iterator[bytes]:
    """The CSV file as chunks of bytes, read from the database batch by batch."""
    return csv_chunks(kind.columns, kind.rows(session, span, totals or Totals()))


def export_xlsx(
    kind: ExportKind,
    session: AnySession,
    span: DateRange,
    target: IO[bytes],
    totals: Totals | None = None,
    progress: Callable[[Iterator[Row]], Iterator[Row]] | None = None,
) -> int:
    """Write the workbook to ``target``; the number of data rows.

    Refunds get a second sheet, "Totals", per currency and status.
    """
    totals = totals if totals is not None else Totals()
    rows = kind.rows(session, span, totals)
    if progress is not None:
        rows = progress(rows)
    summary = ("Totals", TOTAL_COLUMNS, totals.rows) if kind.totals else None
    return write_xlsx(target, (kind.sheet, kind.columns, rows), summary)
