"""``flask returns ...``: the commands a shop owner runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import click
from flask.cli import AppGroup

from . import jobs, schema
from .exports.cli import export_group
from .state import get_state

returns_cli = AppGroup("returns", help="Customer returns (flask-returns).")
returns_cli.add_command(export_group)


def _progress(label: str) -> Callable[[list], Iterator]:
    """A wrapper for a list being worked through that shows a progress bar."""

    def with_progress(items: list) -> Iterator:
        with click.progressbar(items, label=label, show_pos=True) as bar:
            yield from bar

    return with_progress


@returns_cli.group("db")
def db_group() -> None:
    """The returns tables' migrations (own version table, beside the host's)."""


def _engine():  # type: ignore[no-untyped-def]
    return get_state().db.engine


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    schema.upgrade(_engine(), revision)
    click.echo(f"returns schema at {schema.current_revision(_engine())}")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION (default: one step; 'base' removes every table)."""
    schema.downgrade(_engine(), revision)
    click.echo(f"returns schema at {schema.current_revision(_engine()) or 'base (no tables)'}")


@db_group.command("current")
def db_current() -> None:
    """Show the applied revision and whether it is the newest."""
    current = schema.current_revision(_engine())
    head = schema.head_revision()
    state = "up to date" if current == head else f"behind (newest is {head})"
    click.echo(f"{current or 'base (no tables)'}: {state}")


@returns_cli.group("refunds")
def refunds_group() -> None:
    """Refunds through Stripe."""


@refunds_group.command("reconcile")
def refunds_reconcile() -> None:
    """Ask Stripe about every refund that is not final yet, and record the answers."""
    click.echo(jobs.reconcile_refunds(_progress("Settling open refunds")))


@returns_cli.group("fulfilments")
def fulfilments_group() -> None:
    """Replacement orders and store credit the shop's system makes."""


@fulfilments_group.command("settle")
def fulfilments_settle() -> None:
    """Finish what a lost answer or an outage left: look each attempt up by its key,
    ask again with the same key, and ask for what fell due without being asked."""
    click.echo(jobs.settle_fulfilments(_progress("Settling fulfilments")))


@returns_cli.group("outbox")
def outbox_group() -> None:
    """Customer e-mails: each change writes one here, sending follows (run `send` from cron)."""


@outbox_group.command("send")
@click.option("--limit", type=click.IntRange(min=1), help="Send at most this many messages.")
def outbox_send(limit: int | None) -> None:
    """Send every message that is due: new ones, and retries whose wait is over.

    Safe to run from cron while another run (or a request) is sending: each message
    is claimed before it is sent, so none goes out twice.
    """
    from .mail import MailOff, count_waiting

    try:
        click.echo(jobs.send_outbox(limit))
    except MailOff as off:
        click.echo(f"{off}; {count_waiting()} message(s) waiting", err=True)
        raise SystemExit(1) from None


@outbox_group.command("retry")
@click.argument("ids", nargs=-1, type=int)
def outbox_retry(ids: tuple[int, ...]) -> None:
    """Give failed messages (all, or the IDS given) a fresh set of attempts."""
    from .mail import requeue_failed

    click.echo(f"{requeue_failed(ids)} failed message(s) queued again")


@returns_cli.group("photos")
def photos_group() -> None:
    """Customer photos in storage."""


@photos_group.command("prune")
@click.option(
    "--older-than-hours",
    type=click.IntRange(min=25),
    default=25,
    show_default=True,
    help="Only photos stored at least this long ago (a form keeps its photos for 24 hours).",
)
@click.option("--dry-run", is_flag=True, help="Count what would go; delete nothing.")
def photos_prune(older_than_hours: int, dry_run: bool) -> None:
    """Delete photos from forms that were never sent (no return names them)."""
    try:
        click.echo(jobs.prune_photos(older_than_hours, dry_run))
    except RuntimeError as problem:
        raise click.ClickException(str(problem)) from None


@returns_cli.group("labels")
def labels_group() -> None:
    """Carrier labels (RETURNS_CARRIER): book what is missing, void, track."""


@labels_group.command("retry")
@click.option(
    "--refused", is_flag=True, help="Also book again where the carrier refused an address."
)
def labels_retry(refused: bool) -> None:
    """Book the labels that failed or were never asked for; void cancelled returns' labels.

    Safe to run from cron on several servers at once: each return is claimed.
    """
    click.echo(jobs.retry_labels(refused))


@labels_group.command("track")
def labels_track() -> None:
    """Ask the carrier where each return parcel on its way is (for shops without webhooks)."""
    click.echo(jobs.track_parcels())


@returns_cli.command("worker")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    help="Seconds between rounds; tracking runs hourly and the photo clean-up daily.",
)
@click.option("--once", is_flag=True, help="Run one round and exit.")
def worker(interval: float, once: bool) -> None:
    """Run every periodic job in one loop, for shops that prefer one process to cron.

    Each job claims its rows, so several workers (on several servers) share the work
    and never do the same row twice. SIGTERM or Ctrl-C: the job running finishes,
    then the worker exits with status 0.
    """
    jobs.run_worker(interval, once=once, say=lambda line: click.echo(line, err=False))
