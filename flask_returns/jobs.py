"""The periodic jobs, each with its one-line summary; and the worker that runs them all.

Every job claims its rows before it works on them, so copies on several servers
(cron lines on each, or several ``flask returns worker`` processes) each do a share
and never the same row twice:

- ``outbox send`` and ``refunds reconcile``: one conditional UPDATE per row takes it
  until ``RETURNS_WORKER_LEASE`` runs out (works on SQLite and PostgreSQL alike, holds
  no lock while SMTP or Stripe answers; a runner that dies only lets its lease run out);
- ``fulfilments settle`` and ``labels retry``: the return's row is held while the
  attempt is recorded, and an attempt younger than its timeout is left alone;
- ``labels track`` and ``photos prune`` change nothing twice: a tracking update is
  applied only when it is news, and deleting a deleted file is a no-op.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .models import utcnow
from .state import get_state

log = logging.getLogger("flask_returns.worker")

Each = Callable[[list[Any]], Iterable[Any]]


def send_outbox(limit: int | None = None) -> str:
    """Send the e-mails that are due. Raises ``MailOff`` when mail is off."""
    from .mail import send_due

    done = send_due(limit=limit)
    return (
        f"{done.sent} sent, {done.retrying} to retry later, {done.failed} given up, "
        f"{done.skipped} taken by another run; {done.waiting} waiting"
    )


def reconcile_refunds(each: Each = iter) -> str:
    from .refunds import reconcile_open_refunds

    done = reconcile_open_refunds(each)
    return (
        f"{done.checked} open refund(s) checked: {done.settled} settled, "
        f"{done.still_open} still open; {done.taken} taken by another run"
    )


def settle_fulfilments(each: Each = iter) -> str:
    from .fulfilment import settle_fulfilments as settle

    done = settle(each)
    return (
        f"{done.checked} return(s) checked: {done.made} made, {done.delayed} still waiting "
        f"for the shop's system, {done.in_progress} in progress"
    )


def retry_labels(refused: bool = False) -> str:
    from .carriers import carrier
    from .carriers import retry_labels as retry

    if carrier() is None:
        return "No carrier platform is set (RETURNS_CARRIER): nothing to book."
    done = retry(refused_too=refused)
    return (
        f"Booked {done.booked} label(s); {done.still_missing} still missing; "
        f"{done.voided} unused label(s) voided."
    )


def track_parcels() -> str:
    from .carriers import carrier, poll_tracking

    if carrier() is None:
        return "No carrier platform is set (RETURNS_CARRIER): nothing to track."
    asked, changed = poll_tracking()
    return f"Asked about {asked} parcel(s); {changed} moved on."


def prune_photos(older_than_hours: int = 25, dry_run: bool = False) -> str:
    from .photos import prune_orphan_photos

    count = prune_orphan_photos(utcnow() - timedelta(hours=older_than_hours), dry_run=dry_run)
    return f"{count} orphan photo file(s) {'would be deleted' if dry_run else 'deleted'}"


# --------------------------------------------------------------------------- the worker


@dataclass
class Job:
    name: str
    run: Callable[[], str]
    # None: every round of the loop.
    every: timedelta | None = None
    due_at: datetime | None = None


def _mail_is_on() -> bool:
    from .settings import mail_enabled

    return mail_enabled(get_state().settings.values)


def worker_jobs() -> list[Job]:
    """What the worker runs: the cron lines of the README, at their usual pace."""
    jobs = []
    if _mail_is_on():
        jobs.append(Job("outbox send", send_outbox))
    jobs += [
        Job("refunds reconcile", reconcile_refunds),
        Job("fulfilments settle", settle_fulfilments),
    ]
    if get_state().carrier is not None:
        jobs += [
            Job("labels retry", retry_labels),
            Job("labels track", track_parcels, every=timedelta(hours=1)),
        ]
    jobs.append(Job("photos prune", prune_photos, every=timedelta(days=1)))
    return jobs


class Stop:
    """Set by SIGTERM or SIGINT: the job running finishes, then the worker exits."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.event.set())

    @property
    def requested(self) -> bool:
        return self.event.is_set()


def run_worker(interval: float, *, once: bool = False, say: Callable[[str], None]) -> None:
    """Run every due job, wait ``interval`` seconds, again, until told to stop."""
    stop = Stop()
    stop.install()
    jobs = worker_jobs()
    say(f"worker: {', '.join(job.name for job in jobs)}; every {interval:g} s")
    while not stop.requested:
        for job in jobs:
            if stop.requested:
                break
            now = utcnow()
            if job.due_at is not None and now < job.due_at:
                continue
            say(f"{job.name}: {_run_one(job)}")
            if job.every is not None:
                job.due_at = now + job.every
        if once:
            break
        stop.event.wait(interval)
    say("worker: stopped")


def _run_one(job: Job) -> str:
    """One job; a failure is logged and the loop goes on to the next."""
    session = get_state().session
    try:
        return job.run()
    except Exception as error:  # a job that fails must not stop the others
        log.exception("flask-returns worker: %s failed", job.name)
        return f"failed: {error}"
    finally:
        session.remove()  # each job starts with a fresh session and connection
