"""``flask returns ...``: the commands a shop owner runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import click
from flask.cli import AppGroup

from . import schema
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
    from .refunds import reconcile_open_refunds

    done = reconcile_open_refunds(_progress("Settling open refunds"))
    click.echo(
        f"{done.checked} open refund(s) checked: {done.settled} settled, "
        f"{done.still_open} still open"
    )


@returns_cli.group("fulfilments")
def fulfilments_group() -> None:
    """Replacement orders and store credit the shop's system makes."""


@fulfilments_group.command("settle")
def fulfilments_settle() -> None:
    """Finish what a lost answer or an outage left: look each attempt up by its key,
    ask again with the same key, and ask for what fell due without being asked."""
    from .fulfilment import settle_fulfilments

    done = settle_fulfilments(_progress("Settling fulfilments"))
    click.echo(
        f"{done.checked} return(s) checked: {done.made} made, {done.delayed} still waiting "
        f"for the shop's system, {done.in_progress} in progress"
    )


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
    from .mail import MailOff, count_waiting, send_due

    try:
        summary = send_due(limit=limit)
    except MailOff as off:
        click.echo(f"{off}; {count_waiting()} message(s) waiting", err=True)
        raise SystemExit(1) from None
    click.echo(
        f"{summary.sent} sent, {summary.retrying} to retry later, {summary.failed} given up, "
        f"{summary.skipped} taken by another run; {summary.waiting} waiting"
    )


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
    from datetime import timedelta

    from .models import utcnow
    from .photos import prune_orphan_photos

    cutoff = utcnow() - timedelta(hours=older_than_hours)
    try:
        count = prune_orphan_photos(cutoff, dry_run=dry_run)
    except RuntimeError as problem:
        raise click.ClickException(str(problem)) from None
    done = "would be deleted" if dry_run else "deleted"
    click.echo(f"{count} orphan photo file(s) {done}")


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
    from .carriers import carrier, retry_labels

    if carrier() is None:
        click.echo("No carrier platform is set (RETURNS_CARRIER): nothing to book.")
        return
    done = retry_labels(refused_too=refused)
    click.echo(
        f"Booked {done.booked} label(s); {done.still_missing} still missing; "
        f"{done.voided} unused label(s) voided."
    )


@labels_group.command("track")
def labels_track() -> None:
    """Ask the carrier where each return parcel on its way is (for shops without webhooks)."""
    from .carriers import carrier, poll_tracking

    if carrier() is None:
        click.echo("No carrier platform is set (RETURNS_CARRIER): nothing to track.")
        return
    asked, changed = poll_tracking()
    click.echo(f"Asked about {asked} parcel(s); {changed} moved on.")
