"""Forints, krónur and dinars end to end: paid, returned and refunded at the Stripe server.

The real stripe SDK talks to the local Stripe server through a proxy that refuses
what Stripe refuses and the local server takes (see ``StripeProxy(amount_rules=True)``):
an ISK amount not divisible by 100, a KWD amount not ending in 0. So a refund our
code rounds wrongly fails here as it would at Stripe.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from example_shop.local_stripe import create_paid_payment_intent
from example_shop.models import Customer, Product, ShopOrder, ShopOrderLine, db
from example_shop.payments import stripe_client as shop_stripe_client
from flask_returns.models import OutboxMessage, Refund, ReturnRequest
from flask_returns.refunds import issue_refund, propose_refund
from flask_returns.workflow import Actor

from .admin_helpers import (
    admin_client,
    authorize_all,
    load,
    open_return,
    post_action,
    receive_all,
)
from .harness.stripe_proxy import StripeProxy

HUF_MACHINE = "Espresso machine"
SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _text(page: str) -> str:
    """What a reader sees, with every kind of space as one plain space."""
    page = re.sub(r"<[^>]+>", " ", page)
    return SPACES.sub(" ", page)


@pytest.fixture
def ruled_shop(make_shop_app, stripe_server):
    proxy = StripeProxy(stripe_server.api_base, amount_rules=True)
    app = make_shop_app(
        STRIPE_API_BASE=proxy.api_base,
        RETURNS_RESTOCKING_FEES={"changed_mind": 10},
        RETURNS_MAIL_KINDS=("request_received", "refund_issued"),
    )
    yield app, proxy
    proxy.close()


def _charged_and_refunded(app, number: str) -> tuple[int, int]:
    with app.app_context():
        order = db.session.scalar(sa.select(ShopOrder).filter_by(number=number))
        intent = shop_stripe_client(app).v1.payment_intents.retrieve(
            order.payment_intent_id, params={"expand": ["latest_charge"]}
        )
        charge = intent["latest_charge"]
        return int(charge["amount"]), int(charge["amount_refunded"])


def test_the_proxy_refuses_what_stripe_refuses(ruled_shop):
    app, proxy = ruled_shop
    with app.app_context():
        client = shop_stripe_client(app)
        with pytest.raises(Exception, match="evenly divisible by 100"):
            create_paid_payment_intent(client, 129950, "ISK")
        assert create_paid_payment_intent(client, 129900, "ISK").startswith("pi_")
    assert proxy.refused_amounts == [("ISK", 129950)]


def test_a_forint_return_shows_forints_and_refunds_filler_exactly(ruled_shop):
    app, proxy = ruled_shop
    customer = app.test_client()
    customer.get("/returns/?lang=hu")
    rma, status_path = open_return(app, "1006", {HUF_MACHINE: (1, "size_fit")}, client=customer)
    # The return form showed the price as Hungarians write it, not 2 499 000 Ft.
    status = _text(customer.get(status_path + "?lang=hu").get_data(as_text=True))
    assert "2 499 000" not in status

    admin = admin_client(app)
    admin.get("/returns/admin/?lang=hu")
    authorize_all(admin, rma)
    receive_all(admin, app, rma)
    raw = SPACES.sub(" ", admin.get(f"/returns/admin/returns/{rma}").get_data(as_text=True))
    assert 'value="24 990"' in raw  # the refund field, in the admin's language
    page = _text(raw)
    assert "24 990 Ft" in page and "2 499 000" not in page
    done = post_action(admin, rma, "refund", {"refund_amount": "24 990"})
    assert done.status_code == 302, _text(done.get_data(as_text=True))[:600]

    assert _charged_and_refunded(app, "1006")[1] == 2499000  # fillér, as Stripe counts
    ret = load(app, rma)
    assert [(r.amount, r.currency, r.status) for r in ret.refunds] == [
        (2499000, "HUF", "succeeded")
    ]
    status = _text(customer.get(status_path + "?lang=hu").get_data(as_text=True))
    assert "24 990 Ft" in status
    with app.app_context():
        mail = db.session.scalar(
            sa.select(OutboxMessage).filter_by(return_id=ret.id, kind="refund_issued")
        )
        assert "24 990 Ft" in SPACES.sub(" ", mail.text_body)
        assert "2 499 000" not in SPACES.sub(" ", mail.text_body)

    # Finance's export: the amount in forints, the stored integer beside it.
    export = admin.get("/returns/admin/exports/download?kind=refunds&format=csv&range=today")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    huf = [row for row in rows if row["currency"] == "HUF"]
    assert [(row["amount"], row["amount_minor"]) for row in huf] == [("24990.00", "2499000")]
    assert proxy.refused_amounts == []


def _foreign_order(app, number: str, currency: str, unit_amount: int) -> None:
    """An order in ``currency`` paid at the Stripe server (through the proxy)."""
    with app.app_context():
        customer = db.session.scalar(sa.select(Customer).filter_by(email="kunde@example.com"))
        product = db.session.scalar(sa.select(Product).filter_by(sku="KETTLE-JP"))
        now = datetime.now(UTC).replace(tzinfo=None)
        order = ShopOrder(
            number=number,
            customer=customer,
            currency=currency,
            placed_at=now - timedelta(days=5),
            delivered_at=now - timedelta(days=2),
            shipping_amount=0,
        )
        order.lines.append(ShopOrderLine(product=product, quantity=1, unit_amount=unit_amount))
        order.payment_intent_id = create_paid_payment_intent(
            shop_stripe_client(app), unit_amount, currency
        )
        db.session.add(order)
        db.session.commit()


@pytest.mark.parametrize(
    ("currency", "unit_amount", "exact", "refunded"),
    [
        # 12 999 kr less 10 %: 11 699,10 kr, but Stripe takes whole krónur.
        ("ISK", 1299900, 1169910, 1169900),
        # 12.350 KWD less 10 %: 11.115 KWD, but Stripe's last digit is 0.
        ("KWD", 12350, 11115, 11110),
    ],
)
def test_a_proposal_is_rounded_down_to_what_stripe_takes(
    ruled_shop, currency, unit_amount, exact, refunded
):
    app, proxy = ruled_shop
    _foreign_order(app, "7100", currency, unit_amount)
    rma, _path = open_return_by_hand(app, "7100", "changed_mind")
    admin = admin_client(app)
    authorize_all(admin, rma)
    receive_all(admin, app, rma)
    with app.app_context():
        ret = db.session.scalar(sa.select(ReturnRequest).filter_by(rma=rma))
        proposal = propose_refund(ret)
        assert (proposal.total, proposal.rounding) == (refunded, exact - refunded)
        assert proposal.maximum == refunded
        issue_refund(ret, None, Actor.admin("1"))
        db.session.commit()
        refund = db.session.scalar(sa.select(Refund).filter_by(return_id=ret.id))
        assert (refund.amount, refund.status) == (refunded, "succeeded")
    assert _charged_and_refunded(app, "7100") == (unit_amount, refunded)
    assert proxy.refused_amounts == []


def open_return_by_hand(app, number: str, reason: str):
    """The customer form for an order made in the test (not in admin_helpers' list)."""
    from .admin_helpers import token_of
    from .test_customer_flow import line_index, look_up

    client = app.test_client()
    assert look_up(client, number, "kunde@example.com").status_code == 302
    page = client.get("/returns/new").get_data(as_text=True)
    index = line_index(page, "Cast-iron kettle")
    response = client.post(
        "/returns/new",
        data={
            "csrf_token": token_of(page),
            f"line-{index}-quantity": "1",
            f"line-{index}-reason": reason,
        },
    )
    assert response.status_code == 302, _text(response.get_data(as_text=True))[:600]
    path = response.location.split("?")[0]
    rma = re.search(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", client.get(path).get_data(as_text=True))
    return rma.group(0), path


def test_an_order_stripe_could_not_have_charged_is_refused_and_named(make_shop_app):
    app = make_shop_app()
    _foreign_order(app, "7200", "ISK", 1299950)  # 12 999,50 kr: not a charge Stripe makes
    client = app.test_client()
    from .test_customer_flow import look_up

    assert look_up(client, "7200", "kunde@example.com").status_code == 302
    page = client.get("/returns/new")
    assert page.status_code == 409
    assert "cannot be returned online" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReturnRequest)) == 0
