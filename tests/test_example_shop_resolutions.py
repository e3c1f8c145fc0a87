"""The example shop's side of replacements, exchanges and store credit.

What a shop relies on when it offers more than refunds: its adapter lists the other
sizes with the stock it really has, makes each replacement order and each store
credit once however often (or however concurrently) it is asked, its warehouse's
"shipped" reaches the customer, and returned goods go back on the shelf. All on the
shop's own tables, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from example_shop.models import GiftCardEntry, Product, ShopOrder, db
from example_shop.orders import ShopOrders
from flask_returns.fulfilment import carry_out
from flask_returns.links import status_url
from flask_returns.models import Fulfilment, OutboxMessage, ReturnRequest
from flask_returns.resolutions import (
    ExchangeSource,
    OutboundItem,
    OutboundOrders,
    ResolutionRefused,
    StoreCreditIssuer,
    exchange_options,
    missing_capabilities,
)
from flask_returns.state import get_state
from flask_returns.testing import open_return
from flask_returns.workflow import (
    Actor,
    LineReceipt,
    LineRequest,
    authorize_return,
    mark_received,
)

from .admin_helpers import admin_client, sign_in, token_of
from .demo import BUYERS, SHOE_42, SHOE_43, SHOE_ORDER, SHOE_OUT, SHOE_SIZES

ADMIN = Actor.admin("1")
SHOE_PRICE = SHOE_SIZES[SHOE_42].price
TAGS = re.compile(r"<[^>]+>")
SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _text(page: str) -> str:
    return SPACES.sub(" ", TAGS.sub(" ", page))


def _order(number: str = SHOE_ORDER):
    order = ShopOrders().find_order(number, BUYERS[number])
    assert order is not None
    return order


def _line(order, sku: str = SHOE_42):
    return next(line for line in order.lines if line.sku == sku)


def _stock(sku: str) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(Product.stock).where(Product.sku == sku))


def _set_stock(sku: str, units: int) -> None:
    db.session.execute(sa.update(Product).where(Product.sku == sku).values(stock=units))
    db.session.commit()


def _replacements(key: str | None = None) -> list[ShopOrder]:
    db.session.expire_all()
    query = sa.select(ShopOrder).where(ShopOrder.kind == "replacement")
    if key is not None:
        query = query.where(ShopOrder.returns_key == key)
    return list(db.session.scalars(query.order_by(ShopOrder.id)))


def _received_return(resolution: str, reason: str, exchange_sku: str = "") -> ReturnRequest:
    """A return of the shoe order, opened like the form does, authorized and received
    (the shoe back in new condition), then carried out: what the shop is asked for."""
    order = _order()
    ask = LineRequest(_line(order).id, 1, reason, resolution=resolution, exchange_sku=exchange_sku)
    ret = open_return(order, [ask])
    authorize_return(ret, ADMIN)
    db.session.commit()
    mark_received(ret, ADMIN, [LineReceipt(ret.lines[0].id, 1, "new", resellable=True)])
    db.session.commit()
    outcomes = carry_out(ret, ADMIN)
    assert [outcome.result for outcome in outcomes] == ["made"], outcomes
    return ret


# --------------------------------------------------------------------------- the policy


def test_the_shop_offers_more_than_refunds_and_its_adapter_can_make_them(unpaid_shop_app):
    with unpaid_shop_app.app_context():
        policy = get_state().policy
        assert [r.value for r in policy.resolutions_for("size_fit")] == [
            "exchange",
            "store_credit",
            "refund",
        ]
        assert [r.value for r in policy.resolutions_for("damaged")] == ["replacement", "refund"]
        assert policy.rule("changed_mind").store_credit_bonus_percent == 10
        assert policy.keeps_item("damaged", 1450, "EUR")  # a mug is not worth the parcel
        assert not policy.keeps_item("damaged", 2499, "EUR")
        adapter = get_state().orders
        for protocol in (ExchangeSource, OutboundOrders, StoreCreditIssuer):
            assert isinstance(adapter, protocol)
        assert missing_capabilities(adapter, set(policy.offered_resolutions)) == []


# --------------------------------------------------------------------------- exchanges


def test_exchange_options_are_the_other_sizes_with_the_stock_the_shop_has(unpaid_shop_app):
    with unpaid_shop_app.app_context():
        order = _order()
        line = _line(order)
        assert line.unit_amount == SHOE_PRICE
        listed = ShopOrders().exchange_options(order, line)
        # Its own size is listed, for the admin's view of a replacement's stock...
        assert [o.sku for o in listed] == ["TRAIL-41", SHOE_42, SHOE_43, SHOE_OUT]
        # ...but what the returns module offers the customer never includes it.
        options = exchange_options(get_state().orders, order, line)
        assert [o.sku for o in options] == ["TRAIL-41", SHOE_43, SHOE_OUT]
        by_sku = {o.sku: o for o in options}
        assert by_sku[SHOE_43].in_stock and by_sku[SHOE_43].label == "Size 43"
        assert not by_sku[SHOE_OUT].in_stock
        assert {o.unit_amount for o in options} == {SHOE_PRICE}

        # Stock as it is now, not as seeded: the last pair of 43 sold meanwhile.
        _set_stock(SHOE_43, 0)
        _set_stock(SHOE_OUT, 2)
        now = {o.sku: o.in_stock for o in exchange_options(get_state().orders, order, line)}
        assert now == {"TRAIL-41": True, SHOE_43: False, SHOE_OUT: True}

        # A product with no other sizes has no options.
        first = _order("1001")
        assert ShopOrders().exchange_options(first, _line(first, "MUG-STONE")) == []


def test_a_customer_cannot_exchange_for_a_sold_out_size(unpaid_shop_app):
    with unpaid_shop_app.app_context():
        order = _order()
        ask = LineRequest(
            _line(order).id, 1, "size_fit", resolution="exchange", exchange_sku=SHOE_OUT
        )
        with pytest.raises(ResolutionRefused):
            open_return(order, [ask])
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReturnRequest)) == 0


# --------------------------------------------------------------------------- replacement orders


def test_a_replacement_order_is_made_once_per_key_and_takes_stock_once(unpaid_shop_app):
    with unpaid_shop_app.app_context():
        adapter, order = ShopOrders(), _order()
        line = _line(order)
        items = [OutboundItem(SHOE_43, "Trail Runner, size 43", 1, line.id)]
        before = _stock(SHOE_43)
        first = adapter.create_outbound_order("key-1", order, items, rma="R-TEST-0001")
        again = adapter.create_outbound_order("key-1", order, items, rma="R-TEST-0001")
        assert again == first
        assert adapter.find_outbound_order("key-1") == first
        assert adapter.find_outbound_order("key-unknown") is None
        assert _stock(SHOE_43) == before - 1

        [row] = _replacements("key-1")
        assert (row.number, first.number, first.reference) == (
            f"{SHOE_ORDER}-R1",
            f"{SHOE_ORDER}-R1",
            str(row.id),
        )
        assert row.source_order.number == SHOE_ORDER
        assert row.customer.email == BUYERS[SHOE_ORDER]
        assert row.payment_intent_id is None and row.total == 0
        assert [(li.product.sku, li.quantity, li.unit_amount) for li in row.lines] == [
            (SHOE_43, 1, 0)
        ]
        assert first.tracking_number == "" and first.shipped_at is None

        # Another return of the same sale gets its own order, with the next number.
        other = adapter.create_outbound_order("key-2", order, items, rma="R-TEST-0002")
        assert other.number == f"{SHOE_ORDER}-R2"
        assert _stock(SHOE_43) == before - 2

        # A replacement is not a sale: not counted as sold, not returnable by number.
        now, day = datetime.now(UTC), timedelta(days=1)
        sold = adapter.units_sold(now - day, now + day)
        assert SHOE_43 not in sold
        assert adapter.find_order(f"{SHOE_ORDER}-R1", BUYERS[SHOE_ORDER]) is None

    customer = unpaid_shop_app.test_client()
    sign_in(customer, BUYERS[SHOE_ORDER])
    page = _text(customer.get("/orders").get_data(as_text=True))
    assert f"{SHOE_ORDER}-R1" in page
    assert f"Replacement for order {SHOE_ORDER}, no charge. Not shipped yet." in page


def _race(app, monkeypatch, finder: str, make) -> list:
    """``make(adapter)`` from two threads at once, each with its own session, both
    held back until both have looked the key up and found nothing; the answers."""
    both_looked = threading.Barrier(2, timeout=20)
    local = threading.local()
    looked_up: list = []
    find = getattr(ShopOrders, finder)

    def find_then_wait(self, key):
        found = find(self, key)
        looked_up.append(found)
        if not getattr(local, "waited", False):
            local.waited = True
            both_looked.wait()  # neither has made anything yet when both go on
        return found

    monkeypatch.setattr(ShopOrders, finder, find_then_wait)
    answers, errors = [], []

    def call():
        try:
            with app.app_context():
                answers.append(make(ShopOrders()))
        except BaseException as problem:  # reported below
            errors.append(problem)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.undo()
    assert errors == []
    assert len(answers) == 2 and answers[0] == answers[1]
    # Both found nothing at first; the one that lost looked again and found the winner's.
    assert looked_up[:2] == [None, None] and looked_up[2:] == [answers[0]]
    return answers


def test_two_calls_with_one_key_at_once_make_one_order(unpaid_shop_app, monkeypatch):
    """Both calls try to make the order: the key's unique column lets one in, and the
    other gets that order back, without taking stock a second time."""
    with unpaid_shop_app.app_context():
        order = _order()
        items = [OutboundItem(SHOE_43, "Trail Runner, size 43", 1, _line(order).id)]
        before = _stock(SHOE_43)
    _race(
        unpaid_shop_app,
        monkeypatch,
        "find_outbound_order",
        lambda adapter: adapter.create_outbound_order("race-key", order, items),
    )
    with unpaid_shop_app.app_context():
        assert len(_replacements("race-key")) == 1
        assert _stock(SHOE_43) == before - 1


def test_two_credits_with_one_key_at_once_add_to_the_balance_once(unpaid_shop_app, monkeypatch):
    with unpaid_shop_app.app_context():
        order = _order()
    _race(
        unpaid_shop_app,
        monkeypatch,
        "find_store_credit",
        lambda adapter: adapter.issue_store_credit("race-key", order, 2500, "EUR"),
    )
    with unpaid_shop_app.app_context():
        amounts = db.session.scalars(sa.select(GiftCardEntry.amount)).all()
        assert amounts == [2500]


# --------------------------------------------------------------------------- store credit


def test_store_credit_is_added_once_per_key_and_shows_on_the_customers_page(unpaid_shop_app):
    with unpaid_shop_app.app_context():
        adapter, order = ShopOrders(), _order()
        first = adapter.issue_store_credit("credit-1", order, 13189, "EUR", rma="R-TEST-0001")
        assert adapter.issue_store_credit("credit-1", order, 13189, "EUR") == first
        assert adapter.find_store_credit("credit-1") == first
        assert adapter.find_store_credit("credit-unknown") is None
        entries = db.session.scalars(sa.select(GiftCardEntry)).all()
        assert [(e.amount, e.currency, e.customer.email) for e in entries] == [
            (13189, "EUR", BUYERS[SHOE_ORDER])
        ]
        # Another credit (another key) adds to the same balance.
        adapter.issue_store_credit("credit-2", order, 1000, "EUR")

    customer = unpaid_shop_app.test_client()
    sign_in(customer, BUYERS[SHOE_ORDER])
    page = _text(customer.get("/orders").get_data(as_text=True))
    assert "Gift-card balance €141.89" in page
    assert "Store credit for return R-TEST-0001" in page
    # Nobody else's balance.
    other = unpaid_shop_app.test_client()
    sign_in(other, BUYERS["1003"])
    assert "You have no gift-card balance." in other.get("/orders").get_data(as_text=True)


def test_a_return_settled_with_store_credit_tops_up_the_balance_once(unpaid_shop_app):
    with unpaid_shop_app.app_context():
        ret = _received_return("store_credit", "size_fit")
        credit = SHOE_PRICE + SHOE_PRICE // 10  # the size_fit bonus: 10 % more
        [fulfilment] = ret.fulfilments
        assert (fulfilment.kind, fulfilment.amount) == ("store_credit", credit)
        entry = db.session.scalar(sa.select(GiftCardEntry))
        assert (entry.amount, entry.returns_key) == (credit, fulfilment.idempotency_key)
        assert carry_out(ret, ADMIN) == []  # asked again: nothing more is owed
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GiftCardEntry)) == 1

    customer = unpaid_shop_app.test_client()
    sign_in(customer, BUYERS[SHOE_ORDER])
    assert "Gift-card balance €131.89" in _text(customer.get("/orders").get_data(as_text=True))


# --------------------------------------------------------------------------- shipping


def test_marking_a_replacement_shipped_shows_the_tracking_to_the_customer(unpaid_shop_app):
    with unpaid_shop_app.app_context():
        stock_43 = _stock(SHOE_43)
        ret = _received_return("exchange", "size_fit", SHOE_43)
        rma = ret.rma
        [fulfilment] = ret.fulfilments
        key = fulfilment.idempotency_key
        [row] = _replacements(key)
        assert [li.product.sku for li in row.lines] == [SHOE_43]
        assert _stock(SHOE_43) == stock_43 - 1
        number, order_id = row.number, row.id
        with unpaid_shop_app.test_request_context():
            status_path = status_url(ret, external=False)

    ship_url = f"/shop-admin/replacements/{order_id}/ship"
    form = {"carrier": "DHL", "tracking_number": "JJD0099887766"}

    # Strangers are sent to sign in, customers refused, a form without its token too.
    assert "/login" in unpaid_shop_app.test_client().get("/shop-admin/replacements").location
    customer = unpaid_shop_app.test_client()
    sign_in(customer, BUYERS[SHOE_ORDER])
    assert customer.get("/shop-admin/replacements").status_code == 403
    assert customer.post(ship_url, data=form).status_code == 403
    admin = admin_client(unpaid_shop_app)
    assert admin.post(ship_url, data=form).status_code == 400  # no CSRF token
    with unpaid_shop_app.app_context():
        assert ShopOrders().find_outbound_order(key).tracking_number == ""

    # In the shop's navigation for admins only.
    assert 'href="/shop-admin/replacements"' in admin.get("/").get_data(as_text=True)
    assert 'href="/shop-admin/replacements"' not in customer.get("/").get_data(as_text=True)
    page = admin.get("/shop-admin/replacements").get_data(as_text=True)
    assert number in page and rma in page and f'action="{ship_url}"' in page
    token = token_of(page)
    response = admin.post(ship_url, data={**form, "csrf_token": token})
    assert response.status_code == 302
    page = _text(admin.get(response.location).get_data(as_text=True))
    assert f"Order {number} marked shipped." in page
    assert "Shipped" in page and "JJD0099887766" in page
    assert f'action="{ship_url}"' not in admin.get("/shop-admin/replacements").get_data(
        as_text=True
    )

    with unpaid_shop_app.app_context():
        found = ShopOrders().find_outbound_order(key)
        assert (found.carrier, found.tracking_number) == ("DHL", "JJD0099887766")
        assert found.tracking_url.endswith("tracking-id=JJD0099887766")
        assert found.shipped_at is not None and found.shipped_at.tzinfo is not None
        recorded = db.session.get(Fulfilment, fulfilment.id)
        assert (recorded.carrier, recorded.tracking_number) == ("DHL", "JJD0099887766")
        mails = db.session.scalars(
            sa.select(OutboxMessage).filter_by(kind="replacement_shipped")
        ).all()
        assert len(mails) == 1 and "JJD0099887766" in mails[0].text_body

    # Sent again (a double click): nothing changes, no second e-mail.
    again = admin.post(ship_url, data={**form, "csrf_token": token}, follow_redirects=True)
    assert f"Order {number} was already marked shipped." in _text(again.get_data(as_text=True))
    with unpaid_shop_app.app_context():
        count = sa.select(sa.func.count()).select_from(OutboxMessage)
        assert db.session.scalar(count.filter_by(kind="replacement_shipped")) == 1

    # The customer sees it on the return's page and in the shop's order list.
    status = _text(unpaid_shop_app.test_client().get(status_path).get_data(as_text=True))
    assert "JJD0099887766" in status
    page = _text(customer.get("/orders").get_data(as_text=True))
    assert "Shipped with DHL: JJD0099887766" in page


# --------------------------------------------------------------------------- restocking


def test_receiving_a_return_puts_resellable_units_back_in_stock(unpaid_shop_app):
    with unpaid_shop_app.app_context():
        order = _order("1001")
        shirt, mug = _line(order, "TSHIRT-BLU-M"), _line(order, "MUG-STONE")
        ret = open_return(order, {shirt.id: (2, "changed_mind"), mug.id: (1, "changed_mind")})
        authorize_return(ret, ADMIN)
        db.session.commit()
        shirts, mugs = _stock("TSHIRT-BLU-M"), _stock("MUG-STONE")
        line_of = {line.sku: line.id for line in ret.lines}
        receipts = [
            LineReceipt(line_of["TSHIRT-BLU-M"], 2, "new", resellable=True),
            LineReceipt(line_of["MUG-STONE"], 1, "damaged", resellable=False),
        ]

        # In the returns module's transaction: rolled back, nothing moves.
        mark_received(ret, ADMIN, receipts)
        db.session.rollback()
        assert (_stock("TSHIRT-BLU-M"), _stock("MUG-STONE")) == (shirts, mugs)

        ret = db.session.get(ReturnRequest, ret.id)
        mark_received(ret, ADMIN, receipts)
        db.session.commit()
        # Both shirts back on the shelf; the broken mug is not.
        assert (_stock("TSHIRT-BLU-M"), _stock("MUG-STONE")) == (shirts + 2, mugs)


def test_an_exchange_restocks_the_size_returned_and_ships_the_size_chosen(unpaid_shop_app):
    with unpaid_shop_app.app_context():
        before = {sku: _stock(sku) for sku in (SHOE_42, SHOE_43)}
        _received_return("exchange", "size_fit", SHOE_43)
        assert _stock(SHOE_42) == before[SHOE_42] + 1
        assert _stock(SHOE_43) == before[SHOE_43] - 1
