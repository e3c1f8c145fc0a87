"""Rows into files: CSV as a stream of bytes, XLSX through XlsxWriter's constant memory.

CSV: UTF-8 with a byte order mark (so Excel reads names like "Łukasz" right),
comma separated, CRLF, one header line of the stable column names. Amounts are
exact decimal strings in major units, dates ISO 8601 in UTC (``...Z``), yes/no
as ``true``/``false``, nothing as an empty cell. Text that a spreadsheet would
run as a formula (starting with ``= + - @``, a tab or a carriage return) gets an
apostrophe in front: names, comments and reasons are typed by customers.

XLSX: cells are typed (text is always written as text, so no formula can start
there and no apostrophe is needed), amounts are numbers shown with the
currency's decimals, dates are dates. The workbook goes to a file the caller
gives (a temporary file for a download): a zip cannot be sent before it ends.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, Any

from .rows import Row

# Cells starting with these are formulas or commands to spreadsheet programs.
FORMULA_STARTS = frozenset("=+-@\t\r")
BOM = "\ufeff"
# Rows joined into one chunk of the response: fewer, larger writes.
CHUNK_ROWS = 500
# Excel's limit is 1,048,576 rows a sheet, the header included; more rows go on
# to a second sheet of the same name with " 2".
XLSX_MAX_ROWS = 1_048_575


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as text, never runs: ``=1+1`` -> ``'=1+1``."""
    return "'" + text if text and text[0] in FORMULA_STARTS else text


def _utc(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="seconds")[:19] + "Z"


# One formatter per exact type: a million rows are 15 million cells.
_FORMATTERS: dict[type, Callable[[Any], str]] = {
    str: neutralise,
    int: str,
    type(None): lambda value: "",
    bool: lambda value: "true" if value else "false",
    Decimal: lambda value: format(value, "f"),
    datetime: _utc,
}


def csv_cell(value: Any) -> str:
    """How one value looks in a CSV file."""
    formatter = _FORMATTERS.get(type(value))
    if formatter is not None:
        return formatter(value)
    # Subclasses (a StrEnum, a host's own types) take the long way.
    for kind, fallback in _FORMATTERS.items():
        if isinstance(value, kind):
            return fallback(value)
    return str(value)


class _Line:
    """A file for ``csv.writer`` that hands back what was written."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def csv_chunks(columns: Sequence[str], rows: Iterable[Row]) -> Iterator[bytes]:
    """The CSV file as UTF-8 chunks, made while ``rows`` is read; never all at once."""
    buffer = _Line()
    writer = csv.writer(buffer, lineterminator="\r\n")
    cell = csv_cell
    writer.writerow(columns)
    yield (BOM + buffer.take()).encode()
    pending = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        pending += 1
        if pending == CHUNK_ROWS:
            yield buffer.take().encode()
            pending = 0
    if pending:
        yield buffer.take().encode()


# --------------------------------------------------------------------------- XLSX


class _Sheets:
    """Writes typed rows to one or more sheets, each with the header and formats."""

    def __init__(self, workbook: Any, title: str, columns: Sequence[str]) -> None:
        self.workbook = workbook
        self.title = title
        self.columns = columns
        self.header = workbook.add_format({"bold": True})
        self.when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.amounts: dict[int, Any] = {}
        self.sheet: Any = None
        self.number = 0
        self.row = 0

    def _next_sheet(self) -> None:
        self.number += 1
        name = self.title if self.number == 1 else f"{self.title} {self.number}"
        self.sheet = self.workbook.add_worksheet(name)
        self.sheet.freeze_panes(1, 0)
        self.sheet.set_column(0, len(self.columns) - 1, 16)
        for col, name_ in enumerate(self.columns):
            self.sheet.write_string(0, col, name_, self.header)
        self.row = 1

    def _amount_format(self, value: Decimal) -> Any:
        exponent = value.as_tuple().exponent
        digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if digits not in self.amounts:
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            self.amounts[digits] = self.workbook.add_format({"num_format": pattern})
        return self.amounts[digits]

    def write(self, row: Row) -> None:
        if self.sheet is None or self.row > XLSX_MAX_ROWS:
            self._next_sheet()
        sheet, r = self.sheet, self.row
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, col, value)
            elif isinstance(value, Decimal):
                # Excel keeps numbers as doubles; the exact text is in the CSV and
                # the *_minor column beside this one.
                sheet.write_number(r, col, float(value), self._amount_format(value))
            elif isinstance(value, int):
                sheet.write_number(r, col, value)
            elif isinstance(value, datetime):
                naive = value.astimezone(UTC).replace(tzinfo=None)
                sheet.write_datetime(r, col, naive, self.when)
            else:
                sheet.write_string(r, col, str(value))
        self.row += 1

    def finish(self) -> None:
        if self.sheet is None:  # no rows: still a sheet with its header
            self._next_sheet()


def write_xlsx(
    target: IO[bytes],
    sheet: tuple[str, Sequence[str], Iterable[Row]],
    totals: tuple[str, Sequence[str], Callable[[], Iterable[Row]]] | None = None,
) -> int:
    """Write ``(title, columns, rows)`` and, after it, the totals sheet; the row count.

    ``totals`` is called only once every row is written, so totals gathered
    while the rows are read are complete.
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    title, columns, rows = sheet
    data = _Sheets(workbook, title, columns)
    count = 0
    for row in rows:
        data.write(row)
        count += 1
    data.finish()
    if totals is not None:
        totals_title, totals_columns, totals_rows = totals
        summary = _Sheets(workbook, totals_title, totals_columns)
        for row in totals_rows():
            summary.write(row)
        summary.finish()
    workbook.close()
    return count
