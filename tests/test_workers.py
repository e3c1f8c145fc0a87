"""Periodic commands run by several processes at once: each row done once, none lost.

Real processes (``flask returns ...``, as cron starts them on each server), one
database, the test SMTP sink and the local Stripe server; a process killed mid-run
loses its rows only until its lease runs out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from flask_returns.models import OutboxMessage, Refund

from .conftest import ROOT
from .mail_helpers import mail_config
from .test_outbox import queue_plain

MESSAGES = 1000
LEASE = 3  # seconds: short, so the test need not wait ten minutes for a dead runner


def _command(config: dict, *args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "tests.worker_apps:create_app", *args]


def _env(config: dict) -> dict[str, str]:
    return {**os.environ, "RETURNS_TEST_APP": json.dumps(config), "PYTHONPATH": str(ROOT)}


def _start(config: dict, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _command(config, *args),
        cwd=ROOT,
        env=_env(config),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str], timeout: float = 240) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out


def _host_config(database_url: str, smtp, tmp_path: Path) -> dict:
    return {
        "kind": "host",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RETURNS_STORAGE_PATH": str(tmp_path / "files"),
        "RETURNS_MAIL_SEND_AFTER_COMMIT": False,
        "RETURNS_WORKER_LEASE": LEASE,
        **mail_config(smtp),
    }


def _ids(smtp) -> Counter[str]:
    return Counter(message["Message-ID"] for message in smtp.messages)


def test_four_senders_at_once_send_each_message_once(make_mail_host, smtp, _schema_ready, tmp_path):
    app = make_mail_host(RETURNS_MAIL_SEND_AFTER_COMMIT=False)
    queue_plain(app, MESSAGES)
    config = _host_config(_schema_ready, smtp, tmp_path)
    senders = [_start(config, "returns", "outbox", "send") for _ in range(4)]
    outputs = [_finish(p) for p in senders]
    sent = _ids(smtp)
    assert len(sent) == MESSAGES and set(sent.values()) == {1}  # each once, none lost
    # Each did a share, and said so.
    counts = [int(out.split(" sent,")[0]) for out in outputs]
    assert sum(counts) == MESSAGES and all(out.strip() for out in outputs)
    with app.app_context():
        session = app.extensions["returns"].session
        statuses = set(session.scalars(sa.select(OutboxMessage.status)))
    assert statuses == {"sent"}


def test_a_sender_killed_mid_run_loses_nothing(make_mail_host, smtp, _schema_ready, tmp_path):
    app = make_mail_host(RETURNS_MAIL_SEND_AFTER_COMMIT=False)
    queue_plain(app, MESSAGES)
    config = _host_config(_schema_ready, smtp, tmp_path)
    victim = _start(config, "returns", "outbox", "send")
    smtp.wait_for(50, timeout=60)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    # The others carry on at once; what the dead one held waits for its lease.
    _finish(_start(config, "returns", "outbox", "send"))
    time.sleep(LEASE + 1)
    out = _finish(_start(config, "returns", "outbox", "send"))
    assert "0 waiting" in out
    sent = _ids(smtp)
    assert len(sent) == MESSAGES  # nothing lost
    # A message the dead runner had handed over but not marked sent goes again, with
    # the same Message-ID, so mail systems drop the copy: at most that one.
    assert sum(sent.values()) - MESSAGES <= 1


def test_four_reconcilers_ask_stripe_about_each_refund_once(
    make_shop_app, stripe_server, _schema_ready, tmp_path
):
    from .harness.stripe_proxy import StripeProxy
    from .test_webhooks import _pending_refund_made_at_stripe

    proxy = StripeProxy(stripe_server.api_base)
    try:
        app = make_shop_app(STRIPE_API_BASE=proxy.api_base, RETURNS_STRIPE_API_BASE=proxy.api_base)
        refund_ids = [_pending_refund_made_at_stripe(app)[0]]
        config = {
            "kind": "shop",
            "SQLALCHEMY_DATABASE_URI": _schema_ready,
            "SECRET_KEY": "test-secret",
            "STRIPE_API_KEY": stripe_server.api_key,
            "STRIPE_API_BASE": proxy.api_base,
            "RETURNS_STORAGE_PATH": str(tmp_path / "files"),
        }
        proxy.reads.clear()
        runners = [_start(config, "returns", "refunds", "reconcile") for _ in range(4)]
        outputs = [_finish(p) for p in runners]
        asked = [path for path in proxy.reads if path.startswith("/v1/refunds")]
        assert len(asked) == len(refund_ids)  # one runner asked; the others saw its claim
        assert sum("1 settled" in out for out in outputs) == 1
        with app.app_context():
            session = app.extensions["returns"].session
            assert session.get(Refund, refund_ids[0]).status == "succeeded"
    finally:
        proxy.close()


def test_a_reconciler_killed_mid_row_leaves_the_refund_to_the_next_after_its_lease(
    make_shop_app, stripe_server, _schema_ready, tmp_path
):
    from .harness.stripe_proxy import StripeProxy
    from .test_webhooks import _pending_refund_made_at_stripe

    proxy = StripeProxy(stripe_server.api_base)
    try:
        app = make_shop_app(STRIPE_API_BASE=proxy.api_base, RETURNS_STRIPE_API_BASE=proxy.api_base)
        refund_id = _pending_refund_made_at_stripe(app)[0]
        config = {
            "kind": "shop",
            "SQLALCHEMY_DATABASE_URI": _schema_ready,
            "SECRET_KEY": "test-secret",
            "STRIPE_API_KEY": stripe_server.api_key,
            "STRIPE_API_BASE": proxy.api_base,
            "RETURNS_STORAGE_PATH": str(tmp_path / "files"),
            "RETURNS_WORKER_LEASE": LEASE,
        }
        proxy.reads.clear()
        proxy.read_delay = 30  # Stripe is slow: the runner is caught asking
        victim = _start(config, "returns", "refunds", "reconcile")
        deadline = time.monotonic() + 60
        while not any(p.startswith("/v1/refunds") for p in proxy.reads):
            assert time.monotonic() < deadline, "the runner never asked Stripe"
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        proxy.read_delay = 0
        # Its claim holds: the next runner leaves the refund alone until the lease ends.
        assert "1 taken by another run" in _finish(
            _start(config, "returns", "refunds", "reconcile")
        )
        time.sleep(LEASE + 1)
        out = _finish(_start(config, "returns", "refunds", "reconcile"))
        assert "1 settled" in out
        with app.app_context():
            session = app.extensions["returns"].session
            assert session.get(Refund, refund_id).status == "succeeded"
    finally:
        proxy.close()


def test_the_worker_runs_every_job_and_stops_on_sigterm(
    make_mail_host, smtp, _schema_ready, tmp_path
):
    app = make_mail_host(RETURNS_MAIL_SEND_AFTER_COMMIT=False)
    queue_plain(app, 3)
    config = _host_config(_schema_ready, smtp, tmp_path)
    worker = _start(config, "returns", "worker", "--interval", "1")
    smtp.wait_for(3, timeout=60)
    queue_plain(app, 2)  # the next round finds these
    smtp.wait_for(5, timeout=60)
    worker.send_signal(signal.SIGTERM)
    out = _finish(worker, timeout=60)
    for job in ("outbox send", "refunds reconcile", "fulfilments settle", "photos prune"):
        assert f"{job}:" in out
    assert out.count("photos prune:") == 1  # daily, not every round
    assert out.rstrip().endswith("worker: stopped")
