"""One shop on two app servers: two gunicorn instances, one PostgreSQL, object storage,
Redis, the local Stripe server; a customer and an admin whose requests land on
either server, as a load balancer would send them."""

from __future__ import annotations

import io
import re
import threading

import pytest
import requests
import sqlalchemy as sa

from flask_returns.models import LabelDocument, Refund

from .demo import ADMIN_EMAIL, BUYERS, PASSWORD, SHIRT
from .photo_files import jpeg

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RMA = re.compile(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}")
CLICKS = 30


def _token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:500]
    return TOKEN.search(page.text).group(1)


def _line_index(page: str, name: str) -> int:
    found = re.search(
        rf"<legend>{re.escape(name)}</legend>.*?name=\"line-(\d+)-quantity\"", page, re.S
    )
    return int(found.group(1))


def _look_up(session, base: str, number: str, email: str) -> int:
    data = {
        "csrf_token": _token(session, f"{base}/returns/"),
        "order_number": number,
        "email": email,
    }
    return session.post(
        f"{base}/returns/", data=data, allow_redirects=False, timeout=30
    ).status_code


def _sign_in(base: str) -> requests.Session:
    admin = requests.Session()
    answer = admin.post(
        f"{base}/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}, allow_redirects=False
    )
    assert answer.status_code == 302
    return admin


@pytest.fixture
def shop_on_two_servers(make_shop_app, stripe_server, app_servers, redis_url, s3_bucket):
    from .harness.stripe_proxy import StripeProxy

    proxy = StripeProxy(stripe_server.api_base)
    app = make_shop_app()  # seeds the demo orders, paid at the local Stripe server
    config = {
        "kind": "shop",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],  # one key: links and sessions work on both
        "STRIPE_API_KEY": stripe_server.api_key,
        "STRIPE_API_BASE": proxy.api_base,
        # The load balancer's address: the label's QR code and links are the same
        # whichever server makes them (without it each server prints its own address).
        "RETURNS_PUBLIC_URL": "https://shop.example",
        "RETURNS_RATELIMIT_STORAGE_URI": redis_url,
        "RETURNS_LOOKUP_RATE_LIMIT": "6 per minute",
        **s3_bucket.settings(),  # photos and PDFs in one bucket for both
    }
    servers = [app_servers(config), app_servers(config)]
    try:
        yield app, servers, proxy
    finally:
        proxy.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_return_through_two_servers(shop_on_two_servers, s3_bucket):
    app, (a, b), proxy = shop_on_two_servers

    # The customer's form goes to A, with a photo.
    customer = requests.Session()
    assert _look_up(customer, a, "1001", BUYERS["1001"]) == 302
    page = customer.get(f"{a}/returns/new", timeout=30).text
    index = _line_index(page, SHIRT)
    sent = customer.post(
        f"{a}/returns/new",
        data={
            "csrf_token": TOKEN.search(page).group(1),
            f"line-{index}-quantity": "1",
            f"line-{index}-reason": "size_fit",
        },
        files={f"line-{index}-photos": ("crack.jpg", io.BytesIO(jpeg()), "image/jpeg")},
        allow_redirects=False,
        timeout=60,
    )
    assert sent.status_code == 302, sent.text[:500]
    status_path = sent.headers["Location"].split("?")[0]
    rma = RMA.search(customer.get(f"{b}{status_path}", timeout=30).text).group(0)
    assert any(key.startswith("photos/") for key in s3_bucket.keys())

    # The admin, on B, sees the photo A stored.
    admin = _sign_in(b)
    detail = admin.get(f"{b}/returns/admin/returns/{rma}", timeout=30).text
    photo_path = re.search(rf"/returns/admin/returns/{rma}/photos/\d+/full", detail).group(0)
    photo = admin.get(f"{b}{photo_path}", timeout=30)
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")

    # Authorized on A (the label is made there), downloaded through B from storage.
    token = _token(admin, f"{a}/returns/admin/returns/{rma}")
    step = admin.post(
        f"{a}/returns/admin/returns/{rma}/authorize",
        data={"csrf_token": token},
        allow_redirects=False,
        timeout=60,
    )
    assert step.status_code == 302
    label = admin.get(f"{b}/returns/admin/returns/{rma}/label.pdf", timeout=60)
    assert label.status_code == 200 and label.content.startswith(b"%PDF-")
    assert any(key.startswith("labels/") for key in s3_bucket.keys())
    with app.app_context():
        session = app.extensions["returns"].session
        assert session.scalar(sa.select(sa.func.count()).select_from(LabelDocument)) == 1

    # Received on B; then thirty refund clicks spread over both servers make one refund.
    detail = admin.get(f"{b}/returns/admin/returns/{rma}", timeout=30).text
    received = {"csrf_token": TOKEN.search(detail).group(1)}
    for line_id in re.findall(r'name="qty-(\d+)"', detail):
        received |= {f"qty-{line_id}": "1", f"condition-{line_id}": "as_new"}
    answer = admin.post(
        f"{b}/returns/admin/returns/{rma}/receive", data=received, allow_redirects=False, timeout=60
    )
    assert answer.status_code == 302
    detail = admin.get(f"{b}/returns/admin/returns/{rma}", timeout=30).text
    amount = re.search(r'name="refund_amount"[^>]*value="([^"]+)"', detail).group(1)
    start = threading.Barrier(CLICKS, timeout=60)
    codes: list[int] = []

    def click(base: str) -> None:
        clicker = _sign_in(base)
        token = _token(clicker, f"{base}/returns/admin/returns/{rma}")
        start.wait()
        done = clicker.post(
            f"{base}/returns/admin/returns/{rma}/refund",
            data={"csrf_token": token, "refund_amount": amount, "refund_note": "size"},
            allow_redirects=False,
            timeout=120,
        )
        codes.append(done.status_code)

    threads = [threading.Thread(target=click, args=((a, b)[n % 2],)) for n in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert len(codes) == CLICKS
    assert proxy.forwarded_refunds == 1  # one refund reached Stripe
    with app.app_context():
        session = app.extensions["returns"].session
        refunds = session.scalars(sa.select(Refund)).all()
        assert len(refunds) == 1 and refunds[0].status == "succeeded"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_failed_look_ups_on_both_servers_share_one_limit(shop_on_two_servers):
    _app, (a, b), _proxy = shop_on_two_servers
    guesser = requests.Session()
    codes = [_look_up(guesser, (a, b)[n % 2], "1001", f"guess{n}@example.com") for n in range(9)]
    assert codes[:6] == [404] * 6
    assert codes[6:] == [429] * 3
