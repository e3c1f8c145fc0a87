"""The e-mail outbox: queue in the change's transaction, send after it commits, retry.

A message is a row of ``returns_outbox`` written by :func:`queue` in the same
transaction as the change it reports, so a rolled-back change sends nothing and
an SMTP outage loses nothing. Sending happens only after a commit:

* right after the commit that wrote it (``RETURNS_MAIL_SEND_AFTER_COMMIT``), in
  the committing thread, with the SMTP timeout; a failure is logged and leaves the
  row for a retry, it never fails the request that made the change;
* by ``flask returns outbox send`` (cron), which sends whatever is due.

Both claim a row before sending it with one conditional ``UPDATE`` (``pending``
and due -> ``sending``, attempts + 1), so two runners never send the same row; a
row left in ``sending`` by a crash becomes due again when its lease runs out. A
failed attempt waits ``RETURNS_OUTBOX_RETRY_DELAY`` x 2^(attempts - 1) (at most
six hours); after ``RETURNS_OUTBOX_MAX_ATTEMPTS`` it is ``failed``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..errors import ReturnsError
from ..models import OutboxMessage, OutboxStatus, ReturnRequest, utcnow
from ..settings import mail_enabled
from ..state import get_state
from .mailer import Attachment, Mailer, build_message, is_permanent, mailer_from_settings

log = logging.getLogger("flask_returns.outbox")

MAX_DELAY = timedelta(hours=6)

_TABLE = OutboxMessage.__table__
_NEW = "flask_returns.outbox.new"
_WATCHED = "flask_returns.outbox.watched"


class MailOff(ReturnsError):
    """Neither ``RETURNS_SMTP_HOST`` nor ``RETURNS_MAIL_SENDER`` is set."""


@dataclass
class Summary:
    """What one run did; ``waiting`` counts rows still to send (later or by others)."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    waiting: int = 0


# --------------------------------------------------------------------------- queue


def queue(session: Session, ret: ReturnRequest | None, **fields: Any) -> OutboxMessage:
    """Add a message to ``session``; it is sent once that session commits."""
    now = utcnow()
    row = OutboxMessage(
        return_request=ret,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
        **fields,
    )
    session.add(row)
    if not session.info.get(_WATCHED):
        event.listen(session, "after_commit", _after_commit)
        session.info[_WATCHED] = True
    session.info.setdefault(_NEW, []).append(row)
    return row


def _after_commit(session: Session) -> None:
    """The commit went through: send what it wrote (never inside the transaction)."""
    if session.get_nested_transaction() is not None:
        return  # a savepoint: the real commit is still to come
    rows = session.info.pop(_NEW, [])
    # A row from a rolled-back transaction is transient again and has no identity.
    ids = [key[0] for row in rows if (key := sa.inspect(row).identity) is not None]
    if not ids or not has_app_context():
        return
    try:
        settings = get_state().settings
        if settings["RETURNS_MAIL_SEND_AFTER_COMMIT"] and mail_enabled(settings):
            with _own_context():
                _deliver_all(ids, Summary())
    except Exception:  # the change is committed; the cron command will send it
        log.exception("flask-returns: sending after commit failed; messages stay queued")


@contextmanager
def _own_context() -> Iterator[None]:
    """A fresh app context, hence a fresh session: the caller's is mid-commit or busy."""
    with current_app._get_current_object().app_context():  # type: ignore[attr-defined]
        yield


# --------------------------------------------------------------------------- sending


def send_due(*, limit: int | None = None) -> Summary:
    """Send every message that is due (the cron command). Raises :class:`MailOff`."""
    if mailer_from_settings(get_state().settings) is None:
        raise MailOff("mail is off: set RETURNS_SMTP_HOST or RETURNS_MAIL_SENDER")
    summary = Summary()
    with _own_context():
        query = (
            sa.select(_TABLE.c.id)
            .where(_due(utcnow()))
            .order_by(_TABLE.c.next_attempt_at, _TABLE.c.id)
            .limit(limit)
        )
        with _engine().connect() as conn:
            ids = list(conn.scalars(query))
        _deliver_all(ids, summary)
        summary.waiting = count_waiting()
    return summary


def count_waiting() -> int:
    """Messages not yet sent and not given up."""
    with _engine().connect() as conn:
        return conn.scalar(
            sa.select(sa.func.count())
            .select_from(_TABLE)
            .where(_TABLE.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        )


def requeue_failed(ids: Iterable[int] = ()) -> int:
    """Give messages that were given up a fresh set of attempts; how many."""
    ids = list(ids)
    query = sa.update(_TABLE).where(_TABLE.c.status == OutboxStatus.FAILED)
    if ids:
        query = query.where(_TABLE.c.id.in_(ids))
    with _engine().begin() as conn:
        done = conn.execute(
            query.values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow())
        )
    return done.rowcount


def retry_delay(attempts: int, first: int) -> timedelta:
    """Wait after the ``attempts``-th failure: ``first`` seconds, doubling, capped."""
    seconds = first * 2 ** min(max(attempts - 1, 0), 30)
    return min(timedelta(seconds=seconds), MAX_DELAY)


def _engine() -> sa.Engine:
    return get_state().session.get_bind(OutboxMessage)


def _due(now: datetime) -> sa.ColumnElement[bool]:
    # ``sending`` past its lease: the runner that claimed it is gone.
    return sa.and_(
        _TABLE.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        _TABLE.c.next_attempt_at <= now,
    )


def lease() -> timedelta:
    """How long a claimed row belongs to its runner (``RETURNS_WORKER_LEASE``)."""
    return timedelta(seconds=get_state().settings["RETURNS_WORKER_LEASE"])


def claim(row_id: int) -> sa.Row[Any] | None:
    """Take one due row for this runner (``sending``, attempts + 1), or None if not ours."""
    now = utcnow()
    with _engine().begin() as conn:
        taken = conn.execute(
            sa.update(_TABLE)
            .where(_TABLE.c.id == row_id, _due(now))
            .values(
                status=OutboxStatus.SENDING,
                attempts=_TABLE.c.attempts + 1,
                # Far longer than one send takes: only a runner that died loses it.
                next_attempt_at=now + lease(),
            )
        )
        if taken.rowcount != 1:
            return None
        return conn.execute(sa.select(_TABLE).where(_TABLE.c.id == row_id)).one()


def _deliver_all(ids: list[int], summary: Summary) -> None:
    mailer = mailer_from_settings(get_state().settings)
    if mailer is None:
        return
    try:
        for row_id in ids:
            row = claim(row_id)
            if row is None:
                summary.skipped += 1
                continue
            outcome = _deliver(row, mailer)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
    finally:
        mailer.close()


def _deliver(row: sa.Row[Any], mailer: Mailer) -> str:
    """Send one claimed row and record how it went: ``sent``, ``retrying`` or ``failed``."""
    try:
        mailer.send(_mime(row), [row.recipient])
    except Exception as error:
        return _record_failure(row, error)
    _finish(row, status=OutboxStatus.SENT, sent_at=utcnow(), last_error="")
    log.info("flask-returns: sent %s message %s", row.kind, row.message_id)
    return "sent"


def _record_failure(row: sa.Row[Any], error: Exception) -> str:
    settings = get_state().settings
    give_up = is_permanent(error) or row.attempts >= settings["RETURNS_OUTBOX_MAX_ATTEMPTS"]
    now = utcnow()
    wait = retry_delay(row.attempts, settings["RETURNS_OUTBOX_RETRY_DELAY"])
    _finish(
        row,
        status=OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
        next_attempt_at=now if give_up else now + wait,
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    log.warning(
        "flask-returns: %s message %s (attempt %d) not sent: %s; %s",
        row.kind,
        row.message_id,
        row.attempts,
        error,
        "given up" if give_up else f"next try in {wait}",
    )
    return "failed" if give_up else "retrying"


def _finish(row: sa.Row[Any], **values: Any) -> None:
    """Record the outcome, unless the lease ran out and another runner holds the row."""
    with _engine().begin() as conn:
        done = conn.execute(
            sa.update(_TABLE)
            .where(
                _TABLE.c.id == row.id,
                _TABLE.c.status == OutboxStatus.SENDING,
                _TABLE.c.attempts == row.attempts,
            )
            .values(**values)
        )
    if done.rowcount != 1:
        log.warning("flask-returns: message %s was taken over before it was recorded", row.id)


def _mime(row: sa.Row[Any]) -> EmailMessage:
    settings = get_state().settings
    attachments = _label(row.return_id) if row.attach_label and row.return_id else ()
    return build_message(
        sender=settings["RETURNS_MAIL_FROM"],
        shop_name=settings["RETURNS_SHOP_NAME"],
        recipient=row.recipient,
        subject=row.subject,
        text_body=row.text_body,
        html_body=row.html_body,
        message_id=row.message_id,
        locale=row.locale,
        attachments=attachments,
    )


def _label(return_id: int) -> tuple[Attachment, ...]:
    """The return's label PDF, made now if it was not yet (its record is kept)."""
    from ..documents import LabelUnavailable, booked_shipment, label_pdf

    session = get_state().session
    ret = session.get(ReturnRequest, return_id)
    if ret is None:
        return ()
    try:
        pdf = label_pdf(ret)
    except LabelUnavailable:
        return ()  # labels turned off, or the return moved on: the text still stands
    try:
        session.commit()  # keep the LabelDocument record label_pdf may have added
    except sa.exc.SQLAlchemyError:
        session.rollback()
        log.warning("flask-returns: the label record of %s was not kept", ret.rma)
    found = [Attachment(f"return-{ret.rma}.pdf", pdf)]
    shipment = booked_shipment(ret)
    if shipment is not None and shipment.qr_key:  # the code for printer-free drop-off
        code = get_state().storage.load(shipment.qr_key)
        found.append(Attachment(f"drop-off-{ret.rma}.png", code, "image", "png"))
    return tuple(found)
