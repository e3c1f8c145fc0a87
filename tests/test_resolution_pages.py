"""Resolutions as customers and admins meet them: the form, the status page, the admin's
page and the history, on a bare host with :class:`~flask_returns.testing.MemoryShop`."""

from __future__ import annotations

import html
import json
import re

import pytest
import sqlalchemy as sa

from flask_returns.models import Event, OutboxMessage, ReturnLine, ReturnRequest
from flask_returns.workflow import Actor, authorize_return

from .resolution_hosts import POLICY, shoe_shop

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SPACES = re.compile(r"[\s\u00a0\u202f]+")


@pytest.fixture
def host(make_host_app):
    shop = shoe_shop()
    app = make_host_app(shop, **POLICY, RETURNS_MAIL_KINDS=("resolution_changed",))
    return app, shop


def _text(page: str) -> str:
    return SPACES.sub(" ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _open_form(client, lang: str = "en") -> tuple[str, str]:
    page = client.get(f"/returns/?lang={lang}").get_data(as_text=True)
    response = client.post(
        "/returns/",
        data={
            "csrf_token": TOKEN.search(page).group(1),
            "order_number": "N9001",
            "email": "buyer@example.com",
        },
    )
    assert response.status_code == 302
    page = client.get("/returns/new").get_data(as_text=True)
    return page, TOKEN.search(page).group(1)


def _count(app, model) -> int:
    with app.app_context():
        session = app.extensions["returns"].session
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_form_offers_each_resolution_in_words_and_money(host):
    app, _shop = host
    page, _ = _open_form(app.test_client())
    text = _text(page)
    assert "What would you like instead?" in text
    assert "Store credit of €98.89 per item, 10% more than a refund." in text
    assert "€89.90 per item back to your original payment method." in text
    assert "The same item again, sent to you at no cost." in text
    assert "For: Arrived damaged, Defective or does not work." in text  # faults only
    # The variants: in stock to choose, out of stock shown but not choosable, never dearer.
    assert re.search(r'<option value="SHOE-43"\s*>Size 43</option>', page)
    assert re.search(r'<option value="SHOE-44" disabled\s*>Size 44 · out of stock</option>', page)
    assert "Size 40 · €79.90" in _text(page)
    assert "SHOE-45" not in page and 'value="SHOE-42"' not in page


def test_the_form_in_hungarian_words_the_bonus_the_hungarian_way(make_host_app):
    from flask_returns import OrderLine
    from flask_returns.testing import MemoryShop

    from .hosts import make_order

    shop = MemoryShop(
        make_order(
            "9001",
            currency="HUF",
            lines=(OrderLine("H1", "JACKET", "Kabát", 1, 2500000, "HUF"),),
        )
    )
    app = make_host_app(shop, **POLICY)
    page, _ = _open_form(app.test_client(), "hu")
    # 27 500 Ft (25 000 Ft and 10% more): CLDR's Hungarian digits and percent sign.
    assert re.search(r"27\s500\sFt", _text(page)), _text(page)
    assert "10%" in _text(page)
    german, _ = _open_form(make_host_app(shoe_shop(), **POLICY).test_client(), "de")
    assert re.search(r"98,89\s€.*10\s%", _text(german))


def test_an_exchange_through_the_form_and_the_status_page_says_so(host):
    app, _shop = host
    client = app.test_client()
    _page, token = _open_form(client)
    response = client.post(
        "/returns/new",
        data={
            "csrf_token": token,
            "line-0-quantity": "1",
            "line-0-reason": "size_fit",
            "line-0-resolution": "exchange",
            "line-0-exchange": "SHOE-43",
        },
    )
    assert response.status_code == 302, _text(response.get_data(as_text=True))
    status = _text(client.get(response.location).get_data(as_text=True))
    assert "You get: Exchange for Size 43." in status


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"line-0-resolution": "exchange", "line-0-exchange": "MUG-1"},
            "That item is not one we can exchange this one for.",
        ),
        (
            {"line-0-resolution": "exchange", "line-0-exchange": "SHOE-45"},
            "That item is not one we can exchange this one for.",
        ),
        (
            {"line-0-resolution": "exchange", "line-0-exchange": "SHOE-44"},
            "Size 44 is out of stock now.",
        ),
        (
            {"line-0-resolution": "exchange", "line-0-exchange": "<script>x</script>"},
            "That item is not one we can exchange this one for.",
        ),
        (
            {"line-0-resolution": "replacement"},
            "For this reason we offer: Exchange, Store credit, Refund",
        ),
        ({"line-0-resolution": "cash_in_hand"}, "For this reason we offer:"),
    ],
)
def test_a_tampered_or_unallowed_choice_is_refused_beside_the_line(host, fields, message):
    app, _shop = host
    client = app.test_client()
    _, token = _open_form(client)
    data = {"csrf_token": token, "line-0-quantity": "1", "line-0-reason": "size_fit", **fields}
    response = client.post("/returns/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in _text(page)
    assert "<script>x</script>" not in page
    # What was typed is kept for the second try; nothing is stored.
    assert 'value="size_fit" selected' in page
    assert _count(app, ReturnRequest) == _count(app, ReturnLine) == 0


def _admin_page(client, rma: str) -> tuple[str, str]:
    page = client.get(f"/returns/admin/returns/{rma}").get_data(as_text=True)
    return page, TOKEN.search(page).group(1)


def _requested(app, shop, **line) -> str:
    from flask_returns.testing import open_return
    from flask_returns.workflow import LineRequest

    with app.app_context():
        return open_return(shop.get_order("9001"), [LineRequest("S1", 1, **line)]).rma


def test_the_admin_sees_the_wish_and_the_stock_and_changes_it_with_a_reason(host):
    app, shop = host
    shop.stock["SHOE-43"] = 0  # sold out since the customer asked
    rma = _requested(app, shop, reason="size_fit", resolution="exchange", exchange_sku="SHOE-41")
    client = app.test_client()
    page, token = _admin_page(client, rma)
    text = _text(page)
    assert "Customer asked for: Exchange for Size 41" in text
    assert "Size 43 (SHOE-43): out of stock" in text and "Size 41 (SHOE-41): in stock" in text
    line_id = int(re.search(r"/lines/(\d+)/resolution", page).group(1))
    url = f"/returns/admin/returns/{rma}/lines/{line_id}/resolution"
    # No reason for the customer: refused, nothing changes.
    refused = client.post(url, data={"csrf_token": token, "resolution": "refund"})
    assert refused.status_code == 400
    assert "Say why the resolution changes; the customer reads it." in _text(
        refused.get_data(as_text=True)
    )
    # A variant that is not on offer, typed into the form: refused.
    refused = client.post(
        url,
        data={
            "csrf_token": token,
            "resolution": "exchange",
            "exchange_sku": "SHOE-43",
            "resolution_note": "Size 43 instead",
        },
    )
    assert refused.status_code == 400
    assert "Size 43 is out of stock now." in _text(refused.get_data(as_text=True))
    done = client.post(
        url,
        data={
            "csrf_token": token,
            "resolution": "store_credit",
            "resolution_note": "Size 41 sold out too, so here is credit with the bonus.",
        },
    )
    assert done.status_code == 302
    page = _text(client.get(done.location).get_data(as_text=True))
    assert "Decided: Store credit" in page
    with app.app_context():
        session = app.extensions["returns"].session
        event = session.scalar(sa.select(Event).filter_by(action="resolution_changed"))
        assert (event.details["from"], event.details["to"]) == ("exchange", "store_credit")
        mail = session.scalar(sa.select(OutboxMessage).filter_by(kind="resolution_changed"))
        assert "Size 41 sold out too" in mail.text_body
    history = _text(client.get(f"/returns/admin/returns/{rma}").get_data(as_text=True))
    assert "Resolution changed" in history


def test_the_status_page_shows_the_replacement_order_and_its_tracking(host):
    from flask_returns.fulfilment import carry_out, record_shipment
    from flask_returns.links import status_url
    from flask_returns.workflow import LineReceipt, mark_received

    app, shop = host
    rma = _requested(app, shop, reason="defective", resolution="replacement")
    with app.app_context(), app.test_request_context():
        session = app.extensions["returns"].session
        ret = session.scalar(sa.select(ReturnRequest).filter_by(rma=rma))
        authorize_return(ret, Actor.admin("7"))
        mark_received(ret, Actor.admin("7"), [LineReceipt(ret.lines[0].id, 1)])
        session.commit()
        carry_out(ret, Actor.admin("7"))
        link = status_url(ret, external=False)
        key = ret.fulfilments[0].idempotency_key
    client = app.test_client()
    text = _text(client.get(link).get_data(as_text=True))
    number = next(iter(shop.outbound.values())).number
    assert f"We have placed your replacement order {number}" in text
    assert "Completed" in text
    with app.app_context():
        assert record_shipment(key, tracking_number="JD0001", carrier="DHL") is True
        assert record_shipment(key, tracking_number="JD0001", carrier="DHL") is False
        with pytest.raises(LookupError):
            record_shipment("flask-returns:forged", tracking_number="X")
    text = _text(client.get(link).get_data(as_text=True))
    assert f"Your replacement (order {number}) is on its way." in text
    assert "Tracking number: JD0001 (DHL)" in text


def test_the_policy_page_says_what_each_reason_may_get_and_why_no_dearer_exchange(host):
    app, _shop = host
    page = app.test_client().get("/returns/policy").get_data(as_text=True)
    text = _text(page)
    assert "Refund, replacement, exchange or store credit" in text
    assert "Wrong size or fit Exchange, Store credit, Refund. Store credit is 10% more" in text
    assert "Items worth up to €15.00 need not be sent back: you keep them." in text
    assert "An item that costs more is not offered as an exchange" in text
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    )
    assert data["refundType"] == [
        "https://schema.org/ExchangeRefund",
        "https://schema.org/FullRefund",
        "https://schema.org/StoreCreditRefund",
    ]


def test_a_refund_only_shop_shows_no_resolution_choices(make_host_app):
    app = make_host_app()
    client = app.test_client()
    policy = _text(client.get("/returns/policy").get_data(as_text=True))
    assert "Refund, replacement, exchange or store credit" not in policy
    page, _ = _open_form(client)
    assert "What would you like instead?" not in page


def test_nothing_chosen_is_a_refund_where_the_reason_offers_one(make_host_app):
    shop = shoe_shop()
    policy = {**POLICY, "RETURNS_RESOLUTIONS": {"damaged": ["replacement", "store_credit"]}}
    app = make_host_app(shop, **policy)
    client = app.test_client()
    page, token = _open_form(client)
    assert re.search(r'value="refund"\s+aria-describedby="[^"]+"\s+checked', page)
    base = {"csrf_token": token, "line-0-quantity": "1", "line-1-quantity": "0"}
    # Damaged offers no refund: the customer must say which of the two.
    response = client.post("/returns/new", data={**base, "line-0-reason": "damaged"})
    assert response.status_code == 400
    assert "Choose what you would like instead." in _text(response.get_data(as_text=True))
    response = client.post("/returns/new", data={**base, "line-0-reason": "size_fit"})
    assert response.status_code == 302
    with app.app_context():
        line = app.extensions["returns"].session.scalar(sa.select(ReturnLine))
        assert line.resolution == "refund"
