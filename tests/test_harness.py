"""Prove each piece of the test harness is real, isolated and bound to 127.0.0.1."""

from __future__ import annotations

import os
import smtplib
import socket
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from example_shop.local_stripe import charge_id, create_paid_payment_intent

LOCALSTRIPE_UPSTREAM_PICKLE = Path("/tmp/localstripe.pickle")
_SESSION_START = time.time()


def _listen_addresses(port: int) -> set[str]:
    """Addresses with a LISTEN socket on ``port``, read from /proc/net/tcp{,6}."""
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            addr_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(addr_hex)
            if width == 8:
                found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:
                # Kernel prints IPv6 as four host-order 32-bit words.
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_postgres_answers_on_loopback_only(postgres_server):
    import sqlalchemy as sa

    url = postgres_server.create_database("harness_check")
    assert url == (f"postgresql+psycopg://postgres@127.0.0.1:{postgres_server.port}/harness_check")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("select version()")).scalar_one()
            listen = conn.execute(sa.text("show listen_addresses")).scalar_one()
            server_addr = conn.execute(sa.text("select host(inet_server_addr())")).scalar_one()
            fsync = conn.execute(sa.text("show fsync")).scalar_one()
            dbname = conn.execute(sa.text("select current_database()")).scalar_one()
    finally:
        engine.dispose()
    postgres_server.drop_database("harness_check")

    assert version.startswith(f"PostgreSQL {postgres_server.version}.")
    assert dbname == "harness_check"
    assert listen == "127.0.0.1"
    assert server_addr == "127.0.0.1"
    assert fsync == "off"
    assert _listen_addresses(postgres_server.port) == {"127.0.0.1"}


def test_stripe_paid_intent_partial_refund(stripe_server, stripe_client):
    assert _listen_addresses(stripe_server.port) == {"127.0.0.1"}

    for amount, currency, refund_amount in ((5000, "eur", 1250), (1235, "jpy", 235)):
        pi_id = create_paid_payment_intent(
            stripe_client,
            amount,
            currency,
            description="Order #42",
            metadata={"order": "42"},
        )
        intent = stripe_client.v1.payment_intents.retrieve(pi_id)
        assert intent.status == "succeeded"
        assert intent.amount == amount
        assert intent.currency == currency
        assert intent.metadata["order"] == "42"

        refund = stripe_client.v1.refunds.create(
            params={"payment_intent": pi_id, "amount": refund_amount, "metadata": {"rma": "R-1"}}
        )
        assert refund.status == "succeeded"
        assert refund.amount == refund_amount
        assert refund.currency == currency

        listed = stripe_client.v1.refunds.list(params={"payment_intent": pi_id})
        assert [(r.id, r.amount) for r in listed.data] == [(refund.id, refund_amount)]

        charge = stripe_client.v1.charges.retrieve(charge_id(intent.latest_charge))
        assert charge.payment_intent == pi_id
        assert charge.amount == amount
        assert charge.amount_refunded == refund_amount
        assert charge.refunded is False
        assert charge.description == "Order #42"


def test_stripe_state_stays_in_its_own_dir(stripe_server, stripe_client):
    create_paid_payment_intent(stripe_client, 100, "eur")
    state_file = stripe_server.state_file
    assert state_file.parent == stripe_server.state_dir
    assert state_file.is_file() and state_file.stat().st_size > 0
    assert state_file.stat().st_mtime >= _SESSION_START - 1
    if LOCALSTRIPE_UPSTREAM_PICKLE.exists():
        assert LOCALSTRIPE_UPSTREAM_PICKLE.stat().st_mtime < _SESSION_START


def _send(smtp_server, subject: str) -> None:
    msg = EmailMessage()
    msg["From"] = "shop@example.test"
    msg["To"] = "customer@example.test"
    msg["Subject"] = subject
    msg.set_content("Ihre Rücksendung RMA-1 ist angekommen.")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.send_message(msg)


def test_smtp_receives_and_survives_restart_on_same_port(smtp):
    assert smtp.host == "127.0.0.1"
    assert _listen_addresses(smtp.port) == {"127.0.0.1"}
    _send(smtp, "first")
    [received] = smtp.wait_for(1)
    assert received["Subject"] == "first"
    assert received["To"] == "customer@example.test"
    assert "Rücksendung RMA-1" in received.get_content()

    port = smtp.port
    smtp.stop()
    with pytest.raises(OSError):
        _send(smtp, "lost")
    smtp.start()
    assert smtp.port == port
    _send(smtp, "second")
    assert [m["Subject"] for m in smtp.wait_for(2)] == ["first", "second"]


def test_smtp_fixture_starts_empty(smtp):
    assert smtp.messages == []


def test_s3_server_is_our_child_on_loopback_and_each_bucket_starts_empty(s3_server, s3_bucket):
    assert _listen_addresses(s3_server.port) == {"127.0.0.1"}
    parent = Path(f"/proc/{s3_server.pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
    assert int(parent) == os.getpid()  # started here, stopped here by its pid
    assert s3_bucket.keys() == []
    s3_bucket.client.put_object(Bucket=s3_bucket.name, Key="photos/x.jpg", Body=b"x")
    assert s3_bucket.keys() == ["photos/x.jpg"]


@pytest.mark.browser
def test_chromium_renders_live_flask_app(page, live_server, artifacts_dir):
    from flask import Flask

    app = Flask("harness_demo")

    @app.get("/")
    def index() -> str:
        return (
            "<!doctype html><html lang='en'><head><title>Harness</title>"
            "<meta name='viewport' content='width=device-width'></head>"
            "<body><h1 id='hello'>Hello from Flask</h1></body></html>"
        )

    base_url = live_server(app)
    assert base_url.startswith("http://127.0.0.1:")
    page.goto(base_url + "/")
    assert page.title() == "Harness"
    assert page.locator("#hello").inner_text() == "Hello from Flask"
    assert page.evaluate("window.innerWidth") == 390

    shot = artifacts_dir / "harness-live-server.png"
    shot.unlink(missing_ok=True)
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
