"""The outbox: an SMTP outage loses nothing, nothing goes out twice, retries back off."""

from __future__ import annotations

import logging
import smtplib
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from example_shop.local_stripe import free_port
from flask_returns import ConfigurationError, Returns
from flask_returns.mail import outbox as outbox_module
from flask_returns.mail.notifications import new_message_id
from flask_returns.mail.outbox import claim, lease, retry_delay, send_due
from flask_returns.models import OutboxMessage, utcnow

from .admin_helpers import admin_client, authorize_all, load, open_return
from .demo import SHIRT, SNEAKERS
from .factories import make_return
from .hosts import MemoryOrders, make_order
from .mail_helpers import mail_config, outbox_rows


class Clock:
    """The outbox's idea of now, moved by the test: retries wait without sleeping."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        monkeypatch.setattr(outbox_module, "utcnow", lambda: utcnow() + self.offset)

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def send_command(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["returns", "outbox", *args])


def open_one(orders: MemoryOrders) -> str:
    """Request a return of the first order, in the current app context; its RMA."""
    return make_return(next(iter(orders.orders.values()))).rma


def request(app: Flask, orders: MemoryOrders) -> str:
    """Request a return and commit, in an app context of its own."""
    with app.app_context():
        rma = open_one(orders)
        app.extensions["test_db"].session.commit()
        return rma


def queue_plain(app: Flask, count: int) -> None:
    """``count`` messages straight into the outbox (no return needed)."""
    with app.app_context():
        session = app.extensions["returns"].session
        for number in range(count):
            outbox_module.queue(
                session(),
                None,
                kind="request_received",
                recipient=f"buyer{number}@example.com",
                locale="en",
                subject=f"Message {number}",
                text_body=f"Text {number}",
                html_body=f"<p>HTML {number}</p>",
                attach_label=False,
                message_id=new_message_id("test"),
            )
        session.commit()


# --------------------------------------------------------------------------- outages


@pytest.mark.parametrize("outage", ["server stopped", "closed port"])
def test_an_smtp_outage_loses_nothing_and_sends_nothing_twice(make_shop_app, smtp, clock, outage):
    if outage == "server stopped":
        app = make_shop_app(**mail_config(smtp))
        smtp.stop()
    else:
        app = make_shop_app(**mail_config(smtp, RETURNS_SMTP_PORT=free_port()))
    # The customer and the admin are not held up: their steps go through.
    first, _ = open_return(app, "1001", {SHIRT: (1, "size_fit")})
    second, _ = open_return(app, "1003", {SNEAKERS: (1, "size_fit")})
    admin = admin_client(app)
    authorize_all(admin, first)
    assert admin.get(f"/returns/admin/returns/{first}").status_code == 200
    assert (load(app, first).status, load(app, second).status) == ("authorized", "requested")
    rows = outbox_rows(app)
    assert [r.kind for r in rows] == ["request_received", "request_received", "authorized"]
    for row in rows:
        assert (row.status, row.attempts) == ("pending", 1)
        assert "Connection refused" in row.last_error or "Error" in row.last_error
        assert row.next_attempt_at > row.created_at
    assert smtp.messages == []

    # Not due yet: the command waits for the back-off.
    smtp.start()
    working = make_shop_app(**mail_config(smtp))  # the fixed settings, same database
    result = send_command(working, "send")
    assert result.exit_code == 0, result.output
    assert "0 sent" in result.output and "3 waiting" in result.output
    clock.advance(minutes=2)
    result = send_command(working, "send")
    assert result.exit_code == 0, result.output
    assert "3 sent, 0 to retry later, 0 given up" in result.output
    assert "0 waiting" in result.output
    ids = sorted(m["Message-ID"].strip() for m in smtp.messages)
    assert ids == sorted(r.message_id for r in rows)
    assert {first, second} <= {word for m in smtp.messages for word in m["Subject"].split()}
    assert all(r.status == "sent" and r.sent_at for r in outbox_rows(app))
    # Again: nothing is due, nothing is sent twice.
    clock.advance(hours=12)
    result = send_command(working, "send")
    assert "0 sent" in result.output
    assert len(smtp.messages) == 3


def test_a_rolled_back_change_queues_and_sends_nothing(make_mail_host, smtp):
    orders = MemoryOrders(make_order())
    app = make_mail_host(orders)
    with app.app_context():
        session = app.extensions["test_db"].session
        open_one(orders)
        session.flush()  # the row exists in the transaction ...
        assert smtp.messages == []  # ... and nothing is sent before the commit
        session.rollback()
        session.commit()  # a later commit must not send what was rolled back
    assert outbox_rows(app) == [] and smtp.messages == []
    rma = request(app, orders)
    (message,) = smtp.wait_for(1)
    assert rma in message["Subject"]


# PostgreSQL only: pysqlite's own transaction handling does not do savepoints reliably.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_savepoint_commit_waits_for_the_real_commit(make_mail_host, smtp):
    orders = MemoryOrders(make_order())
    app = make_mail_host(orders)
    with app.app_context():
        session = app.extensions["test_db"].session
        with session.begin_nested():
            open_one(orders)
        assert smtp.messages == []
        nested = session.begin_nested()
        open_one(orders)
        nested.rollback()
        session.commit()
    assert len(smtp.wait_for(1)) == 1
    assert len(outbox_rows(app)) == 1


# --------------------------------------------------------------------------- retries


def test_retry_delay_doubles_up_to_six_hours():
    waits = [retry_delay(n, 60).total_seconds() for n in range(1, 6)]
    assert waits == [60, 120, 240, 480, 960]
    assert retry_delay(40, 60) == timedelta(hours=6)


def test_backoff_grows_then_the_message_is_given_up_and_can_be_queued_again(
    make_mail_host, smtp, clock
):
    orders = MemoryOrders(make_order())
    app = make_mail_host(orders, RETURNS_OUTBOX_MAX_ATTEMPTS=3, RETURNS_OUTBOX_RETRY_DELAY=60)
    smtp.stop()
    request(app, orders)  # attempt 1, right after the commit
    (row,) = outbox_rows(app)
    first_wait = row.next_attempt_at - row.created_at
    assert row.attempts == 1 and timedelta(seconds=59) < first_wait < timedelta(seconds=62)

    clock.advance(seconds=61)
    with app.app_context():
        assert send_due().retrying == 1
    (row,) = outbox_rows(app)
    assert row.attempts == 2 and row.status == "pending"
    second_wait = row.next_attempt_at - (utcnow() + clock.offset)
    assert timedelta(seconds=115) < second_wait <= timedelta(seconds=120)

    clock.advance(seconds=121)
    with app.app_context():
        summary = send_due()
    assert (summary.failed, summary.waiting) == (1, 0)
    (row,) = outbox_rows(app)
    assert (row.status, row.attempts) == ("failed", 3) and row.last_error

    smtp.start()
    clock.advance(days=1)
    assert "0 sent" in send_command(app, "send").output  # given up: not retried alone
    assert "1 failed message(s) queued again" in send_command(app, "retry").output
    assert "1 sent" in send_command(app, "send").output
    assert len(smtp.wait_for(1)) == 1
    (row,) = outbox_rows(app)
    assert (row.status, row.attempts) == ("sent", 1)


def test_a_recipient_refused_for_good_is_not_retried(make_mail_host):
    sent = []

    def refusing_sender(message):
        sent.append(message)
        raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"5.1.1 no such user")})

    orders = MemoryOrders(make_order())
    app = make_mail_host(orders, RETURNS_SMTP_HOST=None, RETURNS_MAIL_SENDER=refusing_sender)
    request(app, orders)
    (row,) = outbox_rows(app)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "no such user" in row.last_error
    assert len(sent) == 1


def test_the_hosts_sender_gets_a_whole_message(make_mail_host):
    sent = []
    orders = MemoryOrders(make_order())
    app = make_mail_host(orders, RETURNS_SMTP_HOST=None, RETURNS_MAIL_SENDER=sent.append)
    rma = request(app, orders)
    (message,) = sent
    assert rma in message["Subject"] and message["To"] == "buyer@example.com"
    assert message.get_body(preferencelist=("plain",)) is not None
    assert outbox_rows(app)[0].status == "sent"


def test_the_demo_writes_each_message_to_a_folder(make_mail_host, tmp_path):
    import email
    import email.policy

    from example_shop.mail import MailFolder

    orders = MemoryOrders(make_order())
    folder = tmp_path / "mail"
    app = make_mail_host(orders, RETURNS_SMTP_HOST=None, RETURNS_MAIL_SENDER=MailFolder(folder))
    rma = request(app, orders)
    (written,) = folder.glob("*.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert rma in message["Subject"]


# --------------------------------------------------------------------------- concurrency


def test_two_runners_at_once_send_each_message_once(make_mail_host, smtp):
    app = make_mail_host(RETURNS_MAIL_SEND_AFTER_COMMIT=False)
    queue_plain(app, 40)
    assert smtp.messages == []
    start = threading.Barrier(2)
    summaries, errors = [], []

    def runner() -> None:
        try:
            with app.app_context():
                start.wait()
                summaries.append(send_due())
        except Exception as error:  # pragma: no cover - shown by the assert below
            errors.append(error)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(s.sent for s in summaries) == 40
    ids = [m["Message-ID"].strip() for m in smtp.wait_for(40)]
    assert len(ids) == len(set(ids)) == 40
    assert {r.status for r in outbox_rows(app)} == {"sent"}
    assert {r.attempts for r in outbox_rows(app)} == {1}


def test_a_row_left_sending_by_a_crash_is_due_again_after_its_lease(make_mail_host, smtp, clock):
    app = make_mail_host(RETURNS_MAIL_SEND_AFTER_COMMIT=False)
    queue_plain(app, 1)
    with app.app_context():
        (row_id,) = app.extensions["returns"].session.scalars(sa.select(OutboxMessage.id))
        assert claim(row_id) is not None  # a runner took it, then died
        assert claim(row_id) is None  # nobody else may take it meanwhile
        assert send_due().sent == 0
        clock.advance(seconds=lease().total_seconds() + 1)
        assert send_due().sent == 1
    (row,) = outbox_rows(app)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.wait_for(1)) == 1


def test_sending_after_commit_can_be_left_to_the_command(make_mail_host, smtp):
    orders = MemoryOrders(make_order())
    app = make_mail_host(orders, RETURNS_MAIL_SEND_AFTER_COMMIT=False)
    request(app, orders)
    assert smtp.messages == [] and outbox_rows(app)[0].attempts == 0
    result = send_command(app, "send", "--limit", "5")
    assert result.exit_code == 0 and "1 sent" in result.output
    assert len(smtp.wait_for(1)) == 1


# --------------------------------------------------------------------------- settings


def test_mail_off_still_queues_warns_once_and_the_command_says_so(make_mail_host, smtp, caplog):
    orders = MemoryOrders(make_order())
    with caplog.at_level(logging.WARNING):
        app = make_mail_host(orders, RETURNS_SMTP_HOST=None, RETURNS_MAIL_FROM=None)
    warnings = [r for r in caplog.records if "sends no customer e-mail" in r.getMessage()]
    assert len(warnings) == 1
    request(app, orders)
    (row,) = outbox_rows(app)
    assert (row.status, row.attempts) == ("pending", 0)
    result = send_command(app, "send")
    assert result.exit_code == 1
    assert "mail is off" in result.output and "1 message(s) waiting" in result.output
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"RETURNS_SMTP_HOST": "smtp.example"}, "RETURNS_MAIL_FROM is needed"),
        ({"RETURNS_MAIL_FROM": "not an address"}, "RETURNS_MAIL_FROM must be an e-mail"),
        ({"RETURNS_MAIL_FROM": "a@b.example\r\nBcc: c@d.example"}, "RETURNS_MAIL_FROM must be"),
        ({"RETURNS_SMTP_PORT": 70000}, "RETURNS_SMTP_PORT must be a port"),
        ({"RETURNS_SMTP_SECURITY": "tls"}, "RETURNS_SMTP_SECURITY must be one of"),
        ({"RETURNS_MAIL_KINDS": ["refund_issued", "spam"]}, "unknown message kinds: spam"),
        ({"RETURNS_MAIL_SENDER": "smtp"}, "RETURNS_MAIL_SENDER must be a function"),
        (
            {
                "RETURNS_SMTP_HOST": "smtp.example",
                "RETURNS_MAIL_SENDER": print,
                "RETURNS_MAIL_FROM": "a@b.example",
            },
            "not both",
        ),
        (
            {"RETURNS_SMTP_USERNAME": "shop", "RETURNS_MAIL_FROM": "a@b.example"},
            "go together",
        ),
    ],
)
def test_wrong_mail_settings_stop_start_up(config, message):
    from flask_sqlalchemy import SQLAlchemy

    app = Flask("host")
    app.config.update(SECRET_KEY="s", SQLALCHEMY_DATABASE_URI="sqlite://", **config)
    SQLAlchemy(app)
    with pytest.raises(ConfigurationError, match=message):
        Returns(app, orders=MemoryOrders())
