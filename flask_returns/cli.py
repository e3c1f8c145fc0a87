"""``flask returns ...``: the commands a shop owner runs."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import schema
from .state import get_state

returns_cli = AppGroup("returns", help="Customer returns (flask-returns).")


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
    from .refunds import open_refunds, settle_from_stripe

    pending = open_refunds()
    changed = 0
    with click.progressbar(pending, label="Settling open refunds", show_pos=True) as bar:
        for refund in bar:
            if settle_from_stripe(refund):
                changed += 1
    still_open = len(open_refunds())
    click.echo(f"{len(pending)} open refund(s) checked: {changed} settled, {still_open} still open")
