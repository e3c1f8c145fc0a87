"""The example shop: demo data paid at the Stripe server, its adapter, the demo command."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from example_shop.local_stripe import free_port
from example_shop.models import ShopOrder, db
from example_shop.orders import ShopOrders
from example_shop.payments import stripe_client

ROOT = Path(__file__).resolve().parent.parent


def test_demo_orders_are_paid_at_the_stripe_server(shop_app):
    with shop_app.app_context():
        orders = {o.number: o for o in db.session.scalars(db.select(ShopOrder))}
        assert set(orders) >= {"1001", "1002", "1003", "1004", "1005"}
        client = stripe_client(shop_app)
        for order in orders.values():
            intent = client.v1.payment_intents.retrieve(order.payment_intent_id)
            assert intent.status == "succeeded"
            assert intent.amount == order.total
            assert intent.currency == order.currency.lower()
        assert orders["1004"].currency == "JPY"
        assert client.v1.payment_intents.retrieve(orders["1004"].payment_intent_id).amount == (
            12800 + 2 * 1650 + 800
        )


def test_the_adapter_finds_order_1001_by_number_and_email(shop_app):
    with shop_app.app_context():
        source = ShopOrders()
        order = source.find_order("1001", "Customer@Example.com ")
        assert order is not None
        assert order.currency == "EUR" and order.locale == "pl"
        assert len(order.lines) == 3
        assert [line.returnable for line in order.lines].count(False) == 1
        earrings = next(line for line in order.lines if not line.returnable)
        assert "hygiene" in earrings.non_returnable_reason
        assert order.delivered_at is not None and order.delivered_at.tzinfo is not None
        assert order.payment_reference.startswith("pi_")
        assert source.get_order(order.reference) == order
        assert source.find_order("1001", "kunde@example.com") is None
        assert source.find_order("9999", "customer@example.com") is None
        assert source.get_order("not-a-number") is None
        german = source.find_order("1003", "kunde@example.com")
        assert german is not None and german.locale == "de"


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"demo exited early:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # loopback only
                return response.read().decode()
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"demo did not answer at {url}")


@pytest.mark.slow
@pytest.mark.browser
def test_the_demo_command_serves_a_lived_in_shop_and_stops_its_stripe_server(
    tmp_path, browser, artifacts_dir
):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "STRIPE_API_KEY"}
    process = subprocess.Popen(
        [sys.executable, "-m", "example_shop", "--port", str(port), "--instance", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        page = _wait_for(f"{base}/returns/?lang=pl", process)
        assert "Znajdź moje zamówienie" in page
        assert "Example Shop" in page
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            _admin_sees_work_and_charts(context.new_page(), base, artifacts_dir)
        finally:
            context.close()
        _order_1001_is_fresh(tmp_path / "demo" / "shop.db")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "demo orders: 1001, 1002, 1003, 1004, 1005, 1006" in output
    assert "returns history: 64 returns over 90 days" in output
    stripe_line = next(line for line in output.splitlines() if "local Stripe" in line)
    stripe_port = int(stripe_line.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", stripe_port)) != 0, "local Stripe still running"


def _admin_sees_work_and_charts(page, base: str, artifacts_dir: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/login?next=/returns/admin/")
    page.get_by_label("E-mail").fill("admin@example.com")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Returns queue")).to_be_visible()
    # Work waiting: requests to decide on, in several languages and currencies.
    assert page.get_by_role("link", name=re.compile(r"^R-")).count() >= 5
    page.screenshot(path=str(artifacts_dir / "demo-queue.png"), full_page=True)
    page.goto(f"{base}/returns/admin/dashboard?days=90")
    expect(page.get_by_role("heading", name="Returns dashboard")).to_be_visible()
    charts = page.locator("svg")
    assert charts.count() >= 3
    refunded = page.locator("section[aria-labelledby=refunds-heading]")
    for currency in ("EUR", "GBP", "JPY", "PLN", "SEK"):
        expect(refunded.get_by_role("rowheader", name=currency, exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "demo-dashboard.png"), full_page=True)


def _order_1001_is_fresh(database: Path) -> None:
    import sqlite3

    with sqlite3.connect(database) as conn:
        statuses = dict(
            conn.execute("SELECT status, COUNT(*) FROM returns_request GROUP BY status")
        )
        numbers = {n for (n,) in conn.execute("SELECT DISTINCT order_number FROM returns_request")}
    assert {"requested", "authorized", "received", "refunded", "rejected", "cancelled"} <= set(
        statuses
    ), statuses
    assert not numbers & {"1001", "1002", "1003", "1004", "1005", "1006"}


def test_the_history_is_made_through_the_workflow(shop_app, stripe_server):
    """Past returns carry their own times, e-mails in the customer's language, and
    refunds that the Stripe server holds, one for one."""
    import sqlalchemy as sa

    from example_shop.history import seed_history
    from flask_returns.models import Event, OutboxMessage, Refund, ReturnRequest

    with shop_app.app_context():
        assert seed_history(count=15, seed=7) == 15
        assert seed_history(count=15, seed=7) == 0  # made once
        session = db.session
        returns = session.scalars(
            sa.select(ReturnRequest).where(ReturnRequest.order_number >= "2001")
        ).all()
        assert len(returns) == 15
        ages = sorted(r.created_at for r in returns)
        assert (ages[-1] - ages[0]).days >= 20  # spread over weeks, not made "now"
        client = stripe_client(shop_app)
        for ret in returns:
            times = [e.created_at for e in ret.events]
            assert times == sorted(times) and times[0] == ret.created_at
            assert ret.events[0].action == "requested"
            for refund in session.scalars(sa.select(Refund).filter_by(return_id=ret.id)):
                held = client.v1.refunds.retrieve(refund.stripe_refund_id)
                assert (held.amount, held.status) == (refund.amount, "succeeded")
        mails = session.scalars(sa.select(OutboxMessage)).all()
        assert {m.locale for m in mails} >= {"pl", "en"}
        # No mail server in this app: every message waits in the outbox, none lost.
        assert {m.kind for m in mails} >= {"request_received", "authorized", "refund_issued"}
        assert {m.return_id for m in mails if m.kind == "request_received"} == {
            r.id for r in returns
        }
        assert session.scalar(sa.select(sa.func.count()).select_from(Event)) > 30
