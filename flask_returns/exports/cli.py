"""``flask returns export ...``: the same lists as the admin page, for scripts and cron.

A file is written beside its final name and renamed when complete, so a failed
or interrupted export never leaves half a list where a script expects a whole
one. The progress bar and the summary go to stderr when the list itself goes to
stdout (``--output -``).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

import click
from flask.cli import AppGroup

from ..i18n import using_locale
from ..state import get_state
from . import KINDS, PRESETS, DateRange, RangeError, Totals, export_xlsx, filename, preset_range
from .ranges import parse_day
from .rows import Row
from .writers import csv_chunks

# The bar is moved once per this many rows: cheap even for millions of rows.
PROGRESS_STEP = 1000


class DayType(click.ParamType):
    """A ``YYYY-MM-DD`` UTC day."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        day = parse_day(str(value))
        if day is None:
            self.fail(f"{value!r} is not a day written as YYYY-MM-DD", param, ctx)
        return day


# An AppGroup, so that every command runs inside the app's context.
export_group = AppGroup(
    "export",
    help="Lists for finance: refunds, return lines, store credit and replacement orders "
    "for whole UTC days, CSV or XLSX.",
)


def _range(since: date | None, until: date | None, preset: str | None) -> DateRange:
    if preset is not None:
        if since is not None or until is not None:
            raise click.UsageError("Give either --range or --since and --until, not both.")
        return preset_range(preset)
    if since is None or until is None:
        raise click.UsageError("Give --since and --until (days as YYYY-MM-DD, UTC), or --range.")
    try:
        return DateRange(since, until)
    except RangeError:
        raise click.UsageError(
            f"--since {since.isoformat()} is after --until {until.isoformat()}."
        ) from None


def _options(command: Callable[..., None]) -> Callable[..., None]:
    options = [
        click.option("--since", type=DayType(), help="First day, included (UTC)."),
        click.option("--until", type=DayType(), help="Last day, included (UTC)."),
        click.option(
            "--range",
            "preset",
            type=click.Choice(PRESETS),
            help="A range counted from today (UTC).",
        ),
        click.option(
            "--format",
            "format_",
            type=click.Choice(["csv", "xlsx"]),
            default="csv",
            show_default=True,
        ),
        click.option(
            "--output",
            "-o",
            help="File to write ('-' for stdout); default: <kind>-<since>-<until>.<format>.",
        ),
        click.option(
            "--lang", help="Language of the reason words (default: RETURNS_DEFAULT_LOCALE)."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _counted(rows: Iterator[Row], bar: Any, done: list[int]) -> Iterator[Row]:
    step = 0
    for row in rows:
        done[0] += 1
        step += 1
        if step == PROGRESS_STEP:
            bar.update(step)
            step = 0
        yield row
    if step:
        bar.update(step)


def _write(
    kind_name: str, span: DateRange, format_: str, out: IO[bytes], bar: Any
) -> tuple[int, Totals]:
    """Write the export to ``out``, moving ``bar``; the rows written and their totals."""
    kind = KINDS[kind_name]
    session = get_state().session
    totals = Totals()
    done = [0]

    def counted(rows: Iterator[Row]) -> Iterator[Row]:
        return _counted(rows, bar, done)

    if format_ == "csv":
        for chunk in csv_chunks(kind.columns, counted(kind.rows(session, span, totals))):
            out.write(chunk)
    else:
        export_xlsx(kind, session, span, out, totals, progress=counted)
    return done[0], totals


class _NoBar:
    def update(self, steps: int) -> None:
        pass


def _run(
    kind_name: str,
    since: date | None,
    until: date | None,
    preset: str | None,
    format_: str,
    output: str | None,
    lang: str | None,
) -> None:
    span = _range(since, until, preset)
    target = output or filename(kind_name, span, format_)
    to_stdout = target == "-"
    with using_locale(lang):
        if to_stdout:
            stream = sys.stdout.buffer
            if format_ == "csv":
                count, totals = _write(kind_name, span, format_, stream, _NoBar())
            else:  # a zip is finished before any of it can go out
                with tempfile.TemporaryFile() as spool:
                    count, totals = _write(kind_name, span, format_, spool, _NoBar())
                    spool.seek(0)
                    shutil.copyfileobj(spool, stream)
            stream.flush()
        else:
            count, totals = _to_file(kind_name, span, format_, Path(target))
    _summary(kind_name, span, target, count, totals, err=to_stdout)


def _to_file(kind_name: str, span: DateRange, format_: str, path: Path) -> tuple[int, Totals]:
    total = KINDS[kind_name].count(get_state().session, span)
    try:
        handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as error:
        raise click.FileError(str(path), hint=error.strerror) from None
    try:
        with (
            os.fdopen(handle, "wb") as out,
            click.progressbar(
                length=total,
                label=f"Exporting {total} row(s)",
                file=sys.stderr,
            ) as bar,
        ):
            result = _write(kind_name, span, format_, out, bar)
        # mkstemp makes the file private; give it the mode any new file would get.
        os.chmod(partial, 0o666 & ~_umask())
        os.replace(partial, path)
    except BaseException as error:
        Path(partial).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise click.FileError(str(path), hint=error.strerror or str(error)) from None
        raise
    return result


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _summary(
    kind_name: str, span: DateRange, target: str, count: int, totals: Totals, *, err: bool
) -> None:
    where = "stdout" if target == "-" else target
    click.echo(
        f"{count} row(s) of {kind_name} from {span.since.isoformat()} to {span.until.isoformat()} "
        f"(UTC) written to {where}",
        err=err,
    )
    if not KINDS[kind_name].totals:
        return
    rows = totals.rows()
    if not rows:
        click.echo("Totals: no refunds in this range", err=err)
        return
    click.echo("Totals per currency and status:", err=err)
    for currency, status, refunds, amount, _minor in rows:
        click.echo(f"  {currency} {status}: {refunds} refund(s), {format(amount, 'f')}", err=err)


@export_group.command("refunds")
@_options
def export_refunds(**options: Any) -> None:
    """One row per refund created in the range, with totals per currency at the end."""
    _run("refunds", **options)


@export_group.command("refund-totals")
@_options
def export_refund_totals(**options: Any) -> None:
    """Refunds counted and summed per currency and status, one row each."""
    _run("refund-totals", **options)


@export_group.command("returns")
@_options
def export_returns(**options: Any) -> None:
    """One row per line of every return created in the range, with reasons in words."""
    _run("returns", **options)


@export_group.command("store-credit")
@_options
def export_store_credit(**options: Any) -> None:
    """One row per store credit the shop's system issued in the range (bonus included)."""
    _run("store-credit", **options)


@export_group.command("replacement-orders")
@_options
def export_replacement_orders(**options: Any) -> None:
    """One row per item of each replacement or exchange order created in the range."""
    _run("replacement-orders", **options)
