"""The example shop: demo data paid at the Stripe server, its adapter, the demo command."""

from __future__ import annotations

import os
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
def test_the_demo_command_serves_the_shop_and_stops_its_stripe_server(tmp_path):
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
    try:
        page = _wait_for(f"http://127.0.0.1:{port}/returns/?lang=pl", process)
        assert "Znajdź moje zamówienie" in page
        assert "Example Shop" in page
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "demo orders: 1001, 1002, 1003, 1004, 1005" in output
    stripe_line = next(line for line in output.splitlines() if "local Stripe" in line)
    stripe_port = int(stripe_line.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", stripe_port)) != 0, "local Stripe still running"
