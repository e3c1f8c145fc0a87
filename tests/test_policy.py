"""The return policy as data: windows, final sale, fees, auto-authorization, the page."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flask_returns.models import Event, ReturnLine, ReturnRequest
from flask_returns.orders import Address, OrderLine
from flask_returns.photos import StoredPhoto
from flask_returns.policy import assess_order
from flask_returns.policy.return_policy import (
    SHOP_FAULT_REASONS,
    AutoAuthorization,
    ReasonRule,
    ReturnPolicy,
)
from flask_returns.refunds.proposal import capped, policy_amount
from flask_returns.workflow import Actor, LineRequest, request_return

from .hosts import MemoryOrders, make_host, make_order

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
# A photo as the pipeline leaves it (the file itself is not read here).
PHOTO = StoredPhoto("photos/ab/cd.jpg", "photos/ab/cd-thumb.jpg", 800, 600, 40_000)
REASONS = ("damaged", "defective", "wrong_item", "size_fit", "changed_mind", "other")


def _order(delivered_days_ago: int = 3, country: str = "PL", lines=None):
    order = make_order(delivered_days_ago=delivered_days_ago, lines=lines)
    return replace(
        order,
        delivered_at=NOW - timedelta(days=delivered_days_ago),
        placed_at=NOW - timedelta(days=delivered_days_ago + 2),
        shipping_address=Address("Anna Nowak", "ul. Długa 5", "Łódź", "90-001", country),
    )


def test_category_window_wins_over_country_which_wins_over_the_default():
    policy = ReturnPolicy(
        window_days=30,
        category_window_days={"electronics": 14},
        country_window_days={"US": 60},
        reasons=REASONS,
    )
    phone = OrderLine("P", "SKU-P", "Phone", 1, 50000, "EUR", category="electronics")
    shirt = OrderLine("S", "SKU-S", "Shirt", 1, 2000, "EUR", category="clothing")
    us_order = _order(country="US", lines=(phone, shirt))
    assert policy.window(phone, us_order).days == 14
    assert policy.window(shirt, us_order).days == 60
    assert policy.window(shirt, _order(lines=(shirt,))).days == 30


def test_each_line_is_held_to_its_own_window_and_says_why():
    policy = ReturnPolicy(window_days=30, category_window_days={"electronics": 14}, reasons=REASONS)
    phone = OrderLine("P", "SKU-P", "Phone", 1, 50000, "EUR", category="electronics")
    shirt = OrderLine("S", "SKU-S", "Shirt", 1, 2000, "EUR")
    verdict = assess_order(_order(20, lines=(phone, shirt)), {}, policy=policy, now=NOW)
    by_id = {v.line.id: v for v in verdict.lines}
    assert by_id["P"].blocked == "window_closed" and by_id["P"].window_days == 14
    assert by_id["S"].choosable
    assert verdict.eligible and verdict.window_days == 30
    closed = assess_order(_order(31, lines=(phone, shirt)), {}, policy=policy, now=NOW)
    assert not closed.eligible and closed.blocked == "window_closed"


def test_final_sale_by_sku_category_or_the_adapter():
    policy = ReturnPolicy(
        final_sale_skus=frozenset({"SKU-GIFT"}),
        final_sale_categories=frozenset({"underwear"}),
        reasons=REASONS,
    )
    assert policy.final_sale(OrderLine("a", "SKU-GIFT", "Gift card", 1, 100, "EUR")) == "sku"
    assert (
        policy.final_sale(OrderLine("b", "X", "Socks", 1, 100, "EUR", category="underwear"))
        == "category"
    )
    assert policy.final_sale(OrderLine("c", "Y", "Ring", 1, 100, "EUR", returnable=False)) == (
        "adapter"
    )
    assert policy.final_sale(OrderLine("d", "Z", "Shirt", 1, 100, "EUR")) is None


def _app(tmp_path, **config):
    orders = MemoryOrders()
    app = make_host(f"sqlite:///{tmp_path}/db.sqlite", orders=orders, **config)
    db = app.extensions["test_db"]
    with app.app_context():
        from flask_returns.models import Base

        Base.metadata.create_all(db.engine)
    return app, orders, db


def test_settings_become_the_policy(tmp_path):
    app, _, _ = _app(
        tmp_path,
        RETURNS_WINDOW_DAYS=21,
        RETURNS_RESTOCKING_FEES={"changed_mind": 10},
        RETURNS_CUSTOMER_PAYS_SHIPPING_REASONS=["changed_mind"],
        RETURNS_RETURN_SHIPPING_COST={"EUR": 495},
        RETURNS_FINAL_SALE_SKUS=["SKU-GIFT"],
        RETURNS_AUTO_AUTHORIZE={"max_total": {"EUR": 5000}},
    )
    policy = app.extensions["returns"].policy
    assert policy.window_days == 21
    assert policy.rule("changed_mind") == ReasonRule(
        photos_required=False,
        restocking_fee_percent=10,
        customer_pays_return_shipping=True,
        refund_original_shipping=True,
    )
    assert policy.rule("damaged").photos_required and policy.fee_percent("damaged") == 0
    assert policy.auto_authorization == AutoAuthorization({"EUR": 5000}, frozenset({"damaged"}))


def test_a_small_return_is_authorized_by_the_rule_and_the_history_says_so(tmp_path):
    app, orders, db = _app(
        tmp_path, RETURNS_AUTO_AUTHORIZE={"max_total": {"EUR": 5000}, "except_reasons": ["damaged"]}
    )
    order = orders.add(make_order())
    with app.test_request_context():
        small = request_return(
            order, [LineRequest("L2", 1, "size_fit")], Actor.customer(order.email), locale="en"
        )
        damaged = request_return(
            order,
            [LineRequest("L1", 1, "damaged", photos=(PHOTO,))],
            Actor.customer(order.email),
            locale="en",
        )
        db.session.commit()
        assert small.status == "authorized"
        events = db.session.query(Event).filter_by(return_id=small.id).order_by(Event.id).all()
        assert [(e.action, e.actor_kind, e.actor_id) for e in events] == [
            ("requested", "customer", order.email),
            ("authorized", "system", "auto_authorization"),
        ]
        assert damaged.status == "requested"


def test_a_return_above_the_limit_or_in_another_currency_waits_for_a_person():
    policy = ReturnPolicy(reasons=REASONS, auto_authorization=AutoAuthorization({"EUR": 5000}))
    assert policy.auto_authorizes(5000, "EUR", ["size_fit"])
    assert not policy.auto_authorizes(5001, "EUR", ["size_fit"])
    assert not policy.auto_authorizes(100, "PLN", ["size_fit"])
    assert not policy.auto_authorizes(100, "EUR", ["size_fit", "damaged"])


def test_the_form_explains_each_closed_or_final_sale_line(tmp_path):
    app, orders, _ = _app(
        tmp_path,
        RETURNS_CATEGORY_WINDOW_DAYS={"electronics": 14},
        RETURNS_FINAL_SALE_SKUS=["SKU-GIFT"],
        RETURNS_RESTOCKING_FEES={"changed_mind": 10},
    )
    lines = (
        OrderLine("P", "SKU-P", "Phone", 1, 50000, "EUR", category="electronics"),
        OrderLine("G", "SKU-GIFT", "Gift card", 1, 2500, "EUR"),
        OrderLine("S", "SKU-S", "Shirt", 1, 2000, "EUR"),
    )
    orders.add(make_order(delivered_days_ago=20, lines=lines))
    client = app.test_client()
    page = client.get("/returns/?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/returns/",
        data={"csrf_token": token, "order_number": "N9001", "email": "buyer@example.com"},
    )
    text = client.get("/returns/new").get_data(as_text=True)
    assert "This item was delivered 20 days ago; returns are accepted for 14 days." in text
    assert "This item was sold as final sale and cannot be returned." in text
    assert "Changed my mind: a restocking fee of 10% is deducted." in text
    assert 'href="/returns/policy"' in text


def test_the_refund_keeps_back_return_shipping_when_the_customer_pays_it(tmp_path):
    app, _, _ = _app(
        tmp_path,
        RETURNS_CUSTOMER_PAYS_SHIPPING_REASONS=["changed_mind"],
        RETURNS_RETURN_SHIPPING_COST={"EUR": 495},
        RETURNS_RESTOCKING_FEES={"changed_mind": 10},
    )
    ret = _return_with([("changed_mind", 2499, 2, 2)])
    with app.app_context():
        proposal = policy_amount(ret, None)
    assert (proposal.items, proposal.restocking_fee, proposal.return_shipping) == (4998, 500, 495)
    assert proposal.total == 4998 - 500 - 495


def test_the_policy_page_says_what_the_code_does_and_feeds_search_engines(tmp_path):
    app, _, _ = _app(
        tmp_path,
        RETURNS_WINDOW_DAYS=30,
        RETURNS_COUNTRY_WINDOW_DAYS={"US": 60},
        RETURNS_RESTOCKING_FEES={"changed_mind": 10},
        RETURNS_CUSTOMER_PAYS_SHIPPING_REASONS=["changed_mind"],
        RETURNS_RETURN_SHIPPING_COST={"EUR": 495},
        RETURNS_SHOP_NAME="Shop </script><script>alert(1)</script>",
    )
    page = app.test_client().get("/returns/policy?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "You can return items for 30 days after delivery." in text
    assert "Orders delivered to United States: 60 days" in text
    assert "Paid by you: €4.95" in text
    assert "<script>alert(1)</script>" not in text
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    data = json.loads(found.group(1))
    assert data["@type"] == "MerchantReturnPolicy"
    assert data["merchantReturnDays"] == 30
    assert data["returnFees"] == "https://schema.org/ReturnShippingFees"
    assert data["returnShippingFeesAmount"] == [
        {"@type": "MonetaryAmount", "value": "4.95", "currency": "EUR"}
    ]
    assert data["restockingFee"] == 10
    assert data["name"].startswith("Shop </script>")


@pytest.mark.parametrize("path", ["/returns/", "/returns/track"])
def test_every_customer_page_links_the_policy(tmp_path, path):
    app, _, _ = _app(tmp_path)
    assert 'href="/returns/policy"' in app.test_client().get(path).get_data(as_text=True)


# --------------------------------------------------------------------- properties

_ids = iter(range(1, 10**9))


def _return_with(lines) -> ReturnRequest:
    """An unsaved return: (reason, unit amount, requested, received) per line."""
    ret = ReturnRequest(rma="R-PROP", currency="EUR", refunds=[])
    for reason, unit, requested, received in lines:
        line = ReturnLine(
            id=next(_ids),
            order_line_reference=f"OL{len(ret.lines)}",
            sku="S",
            name="Item",
            unit_amount=unit,
            quantity_requested=requested,
            quantity_authorized=requested,
            quantity_received=received,
            reason=reason,
        )
        ret.lines.append(line)
    return ret


line_strategy = st.tuples(
    st.sampled_from(REASONS),
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=1, max_value=50),
).flatmap(lambda t: st.tuples(st.just(t[0]), st.just(t[1]), st.just(t[2]), st.integers(0, t[2])))
policy_strategy = st.builds(
    lambda fees, pays, cost, shipping_back: ReturnPolicy(
        reasons=REASONS,
        reason_rules={
            r: ReasonRule(
                restocking_fee_percent=fees.get(r, 0),
                customer_pays_return_shipping=r in pays,
                refund_original_shipping=shipping_back,
            )
            for r in REASONS
        },
        return_shipping_cost={"EUR": cost},
    ),
    st.dictionaries(st.sampled_from(REASONS), st.integers(0, 100)),
    st.sets(st.sampled_from(REASONS)),
    st.integers(0, 10**6),
    st.booleans(),
)


@pytest.fixture(scope="module")
def property_app(tmp_path_factory):
    app, _, _ = _app(tmp_path_factory.mktemp("prop"))
    return app


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(line_strategy, min_size=1, max_size=6), policy=policy_strategy)
def test_a_proposal_is_never_negative_adds_up_and_never_exceeds_what_came_back(
    property_app, lines, policy
):
    ret = _return_with(lines)
    state = property_app.extensions["returns"]
    with property_app.app_context():
        saved, state.policy = state.policy, policy
        try:
            proposal = policy_amount(ret, None)
        finally:
            state.policy = saved
    paid_back = sum(unit * received for _, unit, _, received in lines)
    assert proposal.items == paid_back == sum(p.amount for p in proposal.lines)
    assert proposal.restocking_fee == sum(p.fee for p in proposal.lines)
    assert all(0 <= p.fee <= p.amount for p in proposal.lines)
    assert proposal.total == (
        proposal.items - proposal.restocking_fee + proposal.shipping - proposal.return_shipping
    )
    assert 0 <= proposal.total <= paid_back  # no order: no shipping to add
    assert proposal.without_deductions == paid_back  # an override waives the fees only
    for remaining in (0, proposal.total // 2, paid_back, paid_back * 2):
        proposed = capped(proposal, remaining)
        assert 0 <= proposed.maximum <= proposed.override_maximum <= remaining
        assert proposed.maximum <= proposal.total
        assert proposed.override_maximum <= paid_back
    for line, proposed in zip(ret.lines, proposal.lines, strict=True):
        if line.reason in SHOP_FAULT_REASONS and not policy.fee_percent(line.reason):
            assert proposed.fee == 0


@settings(max_examples=200, deadline=None)
@given(
    units=st.lists(st.integers(1, 5), min_size=1, max_size=4),
    shipping=st.integers(0, 10**6),
    whole=st.booleans(),
)
def test_original_shipping_comes_back_only_with_the_whole_order(
    property_app, units, shipping, whole
):
    lines = tuple(OrderLine(f"OL{i}", f"S{i}", "Item", n, 1000, "EUR") for i, n in enumerate(units))
    order = replace(make_order(lines=lines), shipping_amount=shipping)
    returned = [("size_fit", 1000, n, n if whole or i else n - 1) for i, n in enumerate(units)]
    ret = _return_with(returned)
    with property_app.app_context():
        proposal = policy_amount(ret, order)
    everything_back = all(r[3] == n for r, n in zip(returned, units, strict=True))
    assert proposal.shipping == (shipping if everything_back else 0)
    assert proposal.total == proposal.items + proposal.shipping


def test_a_return_authorized_by_the_rule_gets_its_label_at_once(tmp_path):
    from flask_returns.models import LabelDocument

    from .label_helpers import LABEL_SETTINGS

    app, orders, db = _app(
        tmp_path,
        **LABEL_SETTINGS,
        RETURNS_STORAGE_PATH=str(tmp_path / "files"),
        RETURNS_AUTO_AUTHORIZE={"max_total": {"EUR": 5000}},
    )
    orders.add(make_order())
    client = app.test_client()
    page = client.get("/returns/?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/returns/",
        data={"csrf_token": token, "order_number": "N9001", "email": "buyer@example.com"},
    )
    done = client.post(
        "/returns/new",
        data={"csrf_token": token, "line-1-quantity": "1", "line-1-reason": "size_fit"},
    )
    assert done.status_code == 302
    with app.app_context():
        (ret,) = db.session.query(ReturnRequest).all()
        assert ret.status == "authorized"
        assert db.session.query(LabelDocument).filter_by(return_id=ret.id).count() == 1
