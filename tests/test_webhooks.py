"""Stripe webhooks: signed events built here, including forged, stale, replayed, out of order."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa
import stripe

from example_shop.orders import ShopOrders
from example_shop.payments import stripe_client
from flask_returns import signals
from flask_returns.models import Refund, StripeEvent

from .demo import BUYERS
from .factories import shop_return
from .test_refunds import ADMIN, _load

SECRET = "whsec_test_returns"
URL = "/returns/stripe/webhook"


@pytest.fixture
def app(make_shop_app):
    return make_shop_app(RETURNS_STRIPE_WEBHOOK_SECRET=SECRET)


def _pending_refund_made_at_stripe(app) -> tuple[int, dict]:
    """Our pending Refund row, and the refund Stripe made for it (as its JSON)."""
    return_id = shop_return(app, "1001", {"MUG-STONE": (1, "damaged")})
    with app.app_context():
        session = app.extensions["returns"].session
        ret = _load(app, return_id)
        # Scaffolding: the row as issue_refund leaves it when Stripe's answer is lost.
        refund = Refund(
            return_request=ret,
            attempt=1,
            amount=1450,
            currency="EUR",
            status="pending",
            idempotency_key=f"k-{ret.rma}",
            created_by=ADMIN.id,
        )
        session.add(refund)
        session.commit()
        order = ShopOrders().find_order("1001", BUYERS["1001"])
        made = stripe_client(app).v1.refunds.create(
            params={
                "payment_intent": order.payment_reference,
                "amount": 1450,
                "metadata": {"flask_returns_refund_id": str(refund.id), "rma": ret.rma},
            }
        )
        return refund.id, made.to_dict()


def _event(kind: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{time.monotonic_ns()}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }


def _post(
    client,
    event: dict,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    signature: str | None = None,
):
    payload = json.dumps(event)
    header = (
        signature
        if signature is not None
        else (stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp))
    )
    return client.post(
        URL, data=payload, content_type="application/json", headers={"Stripe-Signature": header}
    )


def _refund_status(app, refund_id):
    with app.app_context():
        refund = app.extensions["returns"].session.get(Refund, refund_id)
        return refund.status, refund.return_request.status


def test_a_signed_update_settles_our_refund_and_the_return(app):
    refund_id, made = _pending_refund_made_at_stripe(app)
    response = _post(app.test_client(), _event("refund.updated", made))
    assert response.status_code == 200 and response.json["outcome"] == "handled"
    assert _refund_status(app, refund_id) == ("succeeded", "refunded")
    with app.app_context():
        refund = app.extensions["returns"].session.get(Refund, refund_id)
        assert refund.stripe_refund_id == made["id"]
        assert refund.return_request.events[-2].actor_kind == "stripe"


def test_a_replayed_event_is_applied_once(app):
    refund_id, made = _pending_refund_made_at_stripe(app)
    event = _event("refund.updated", made, "evt_replayed")
    client = app.test_client()
    assert _post(client, event).json["outcome"] == "handled"
    assert _post(client, event).json["outcome"] == "duplicate"
    with app.app_context():
        session = app.extensions["returns"].session
        assert session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 1
        ret = session.get(Refund, refund_id).return_request
        assert [e.action for e in ret.events].count("refund_succeeded") == 1


def test_events_out_of_order_never_move_a_refund_backwards(app):
    refund_id, made = _pending_refund_made_at_stripe(app)
    client = app.test_client()
    _post(client, _event("refund.updated", made))
    late_created = dict(made, status="pending")
    assert _post(client, _event("refund.created", late_created)).status_code == 200
    assert _refund_status(app, refund_id) == ("succeeded", "refunded")


def test_a_refund_that_fails_later_reopens_the_return_and_says_why(app):
    refund_id, made = _pending_refund_made_at_stripe(app)
    client = app.test_client()
    _post(client, _event("refund.updated", made))
    failed = dict(made, status="failed", failure_reason="expired_or_canceled_card")
    seen = []
    with signals.refund_failed.connected_to(lambda sender, **kw: seen.append(sender.rma)):
        assert _post(client, _event("refund.failed", failed)).status_code == 200
    assert _refund_status(app, refund_id) == ("failed", "received")
    with app.app_context():
        refund = app.extensions["returns"].session.get(Refund, refund_id)
        assert refund.failure_reason == "expired_or_canceled_card"
        last = refund.return_request.events[-1]
        assert (last.action, last.details["reason"]) == ("reopened", "expired_or_canceled_card")
        assert seen == [refund.return_request.rma]


def test_charge_refunded_with_embedded_refunds(app):
    refund_id, made = _pending_refund_made_at_stripe(app)
    charge = {"id": made["charge"], "object": "charge", "refunds": {"data": [made]}}
    assert _post(app.test_client(), _event("charge.refunded", charge)).json["outcome"] == "handled"
    assert _refund_status(app, refund_id) == ("succeeded", "refunded")


def test_charge_refunded_without_refunds_settles_open_ones_by_lookup(app):
    refund_id, made = _pending_refund_made_at_stripe(app)
    charge = {"id": made["charge"], "object": "charge"}
    assert _post(app.test_client(), _event("charge.refunded", charge)).status_code == 200
    assert _refund_status(app, refund_id) == ("succeeded", "refunded")


@pytest.mark.parametrize(
    "how", ["wrong-secret", "stale", "no-header", "garbage-header", "tampered"]
)
def test_forged_and_stale_events_are_refused(app, how):
    refund_id, made = _pending_refund_made_at_stripe(app)
    event = _event("refund.updated", made)
    client = app.test_client()
    if how == "wrong-secret":
        response = _post(client, event, secret="whsec_someone_else")
    elif how == "stale":
        response = _post(client, event, timestamp=int(time.time()) - 3600)
    elif how == "no-header":
        response = _post(client, event, signature="")
    elif how == "garbage-header":
        response = _post(client, event, signature="t=abc,v1=<script>")
    else:
        header = stripe.WebhookSignature.generate_signature_header(json.dumps(event), SECRET)
        event["data"]["object"]["amount"] = 1
        response = _post(client, event, signature=header)
    assert response.status_code == 400
    assert _refund_status(app, refund_id) == ("pending", "received")


def test_unknown_events_are_acknowledged_and_ignored(make_unpaid_shop_app):
    app = make_unpaid_shop_app(RETURNS_STRIPE_WEBHOOK_SECRET=SECRET)
    response = _post(app.test_client(), _event("customer.created", {"id": "cus_1"}))
    assert response.status_code == 200 and response.json["outcome"] == "ignored"


def test_without_a_secret_every_event_is_refused(make_unpaid_shop_app):
    app = make_unpaid_shop_app()
    event = _event("refund.updated", {"id": "re_1"})
    assert _post(app.test_client(), event).status_code == 400


def test_reconcile_command_settles_open_refunds(app):
    refund_id, _ = _pending_refund_made_at_stripe(app)
    result = app.test_cli_runner().invoke(args=["returns", "refunds", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "1 open refund(s) checked: 1 settled, 0 still open" in result.output
    assert _refund_status(app, refund_id) == ("succeeded", "refunded")


def test_the_endpoint_is_exempt_from_the_hosts_csrf_protection(_schema_ready):
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
    from flask_wtf import CSRFProtect

    from flask_returns import Returns

    from .hosts import MemoryOrders

    host = Flask("csrf_host")
    host.config.update(
        SECRET_KEY="s", SQLALCHEMY_DATABASE_URI=_schema_ready, RETURNS_STRIPE_WEBHOOK_SECRET=SECRET
    )
    db = SQLAlchemy(host)
    CSRFProtect(host)
    Returns(host, orders=MemoryOrders())
    client = host.test_client()
    try:
        response = _post(client, _event("customer.created", {"id": "cus_1"}))
        assert response.status_code == 200
        # The host's protection still guards our forms.
        assert client.post("/returns/", data={"order_number": "1"}).status_code == 400
    finally:
        with host.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                conn.execute(StripeEvent.__table__.delete())
            db.engine.dispose()
