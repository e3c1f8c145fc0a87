"""Refunds with the real stripe SDK against the local Stripe server: once, to the cent."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from example_shop.orders import ShopOrders
from example_shop.payments import stripe_client
from flask_returns.models import Refund, ReturnRequest
from flask_returns.refunds import RefundRefused, issue_refund, propose_refund
from flask_returns.refunds.settlement import settle_from_stripe
from flask_returns.workflow import Actor, LineReceipt, mark_received

from .demo import BUYERS
from .factories import shop_return

ADMIN = Actor.admin("1")


def _refunds_at_stripe(app, number):
    with app.app_context():
        order = ShopOrders().find_order(number, BUYERS[number])
        client = stripe_client(app)
        return list(
            client.v1.refunds.list(params={"payment_intent": order.payment_reference}).data
        ), order


def _load(app, return_id) -> ReturnRequest:
    return app.extensions["returns"].session.get(ReturnRequest, return_id)


def test_full_refund_of_everything_returnable(shop_app):
    return_id = shop_return(
        shop_app,
        "1001",
        {"TSHIRT-BLU-M": (2, "size_fit"), "MUG-STONE": (1, "damaged")},
    )
    with shop_app.app_context():
        ret = _load(shop_app, return_id)
        proposal = propose_refund(ret)
        # The earrings stay with the customer, so shipping is not refunded.
        assert (proposal.items, proposal.restocking_fee, proposal.shipping) == (6448, 0, 0)
        assert proposal.payment_remaining == 2 * 2499 + 1450 + 3900 + 499
        assert proposal.maximum == 6448
        refund = issue_refund(ret, proposal.maximum, ADMIN)
        assert (refund.status, refund.amount, refund.currency) == ("succeeded", 6448, "EUR")
        assert refund.stripe_refund_id.startswith("re_")
        assert ret.status == "refunded"
        actions = [event.action for event in ret.events]
        assert actions[-3:] == ["refund_requested", "refund_succeeded", "refunded"]
    refunds, _ = _refunds_at_stripe(shop_app, "1001")
    assert [(r.amount, r.metadata["rma"]) for r in refunds] == [(6448, ret.rma)]


def _with_restocking_fee(make_shop_app) -> tuple:
    """A shop keeping 10 % on changed minds, and a received return of two shirts
    (changed mind) and a mug (damaged): 64.48 EUR back, 59.48 after the fee."""
    app = make_shop_app(RETURNS_RESTOCKING_FEES={"changed_mind": 10})
    return_id = shop_return(
        app,
        "1001",
        {"TSHIRT-BLU-M": (2, "changed_mind"), "MUG-STONE": (1, "damaged")},
    )
    return app, return_id


def test_partial_refund_with_restocking_fee(make_shop_app):
    app, return_id = _with_restocking_fee(make_shop_app)
    with app.app_context():
        ret = _load(app, return_id)
        proposal = propose_refund(ret)
        fees = {line.name: line.fee for line in proposal.lines}
        # 10 % of 49.98 is 4.998: 5.00, rounded half up in cents; the damaged mug pays none.
        assert fees == {"Organic T-shirt, blue, M": 500, "Stoneware mug": 0}
        assert proposal.total == 6448 - 500
        refund = issue_refund(ret, 3000, ADMIN, note="Goodwill: half")
        assert (refund.status, refund.amount, refund.note) == ("succeeded", 3000, "Goodwill: half")
    refunds, _ = _refunds_at_stripe(app, "1001")
    assert [r.amount for r in refunds] == [3000]


def test_going_beyond_the_policy_needs_a_reason_and_is_kept_in_the_history(make_shop_app):
    app, return_id = _with_restocking_fee(make_shop_app)
    with app.app_context():
        ret = _load(app, return_id)
        proposal = propose_refund(ret)
        assert (proposal.maximum, proposal.override_maximum) == (5948, 6448)
        with pytest.raises(RefundRefused, match=r"The policy allows at most €59\.48"):
            issue_refund(ret, 6448, ADMIN)
        with pytest.raises(RefundRefused, match=r"At most €64\.48 can be refunded now"):
            issue_refund(ret, 6449, ADMIN, override_reason="Waive the fee")
        assert ret.refunds == []
        refund = issue_refund(ret, 6448, ADMIN, override_reason="  Waive the fee: our delay ")
        assert (refund.status, refund.amount) == ("succeeded", 6448)
        assert refund.note == "Waive the fee: our delay"
        (override,) = [e for e in _load(app, return_id).events if e.action == "policy_overridden"]
        assert (override.actor_kind, override.actor_id) == ("admin", "1")
        assert override.details == {
            "refund": 1,
            "amount": 6448,
            "policy_amount": 5948,
            "currency": "EUR",
            "reason": "Waive the fee: our delay",
            "before_receipt": False,
        }
    refunds, _ = _refunds_at_stripe(app, "1001")
    assert [r.amount for r in refunds] == [6448]


def test_an_override_within_the_policy_records_no_override(make_shop_app):
    app = make_shop_app(RETURNS_RESTOCKING_FEES={"changed_mind": 10})
    return_id = shop_return(app, "1001", {"TSHIRT-BLU-M": (2, "changed_mind")})
    with app.app_context():
        ret = _load(app, return_id)
        issue_refund(ret, 4498, ADMIN, override_reason="not needed")
        assert [e.action for e in _load(app, return_id).events if "polic" in e.action] == []


def test_an_override_refunds_before_the_goods_are_back_and_they_are_received_after(
    make_shop_app,
):
    from flask_returns import signals

    # Every item travels here (the demo lets a damaged mug stay with its customer).
    shop_app = make_shop_app(RETURNS_KEEP_ITEM_UP_TO={})

    return_id = shop_return(
        shop_app,
        "1001",
        {"TSHIRT-BLU-M": (2, "size_fit"), "MUG-STONE": (1, "damaged")},
        status="authorized",
    )
    received = []

    def on_received(sender, **extra):
        received.append((sender.rma, [r.quantity for r in extra["lines"]]))

    with shop_app.app_context(), signals.return_received.connected_to(on_received):
        ret = _load(shop_app, return_id)
        proposal = propose_refund(ret)  # refunds follow receipt: nothing proposed yet
        assert (proposal.maximum, proposal.override_maximum) == (0, 6448)
        assert proposal.before_receipt
        with pytest.raises(RefundRefused, match="while it is “Authorized”"):
            issue_refund(ret, 6448, ADMIN)
        refund = issue_refund(ret, 6448, ADMIN, override_reason="Parcel scanned by the carrier")
        assert (refund.status, refund.amount) == ("succeeded", 6448)
        ret = _load(shop_app, return_id)
        assert ret.status == "refunded" and ret.received_at is None
        (override,) = [e for e in ret.events if e.action == "policy_overridden"]
        assert override.details["before_receipt"] is True
        assert override.details["policy_amount"] == 0
        # The parcel arrives later: recorded, the host hears of it, still refunded.
        mark_received(ret, ADMIN, [LineReceipt(line.id, 1) for line in ret.lines])
        shop_app.extensions["returns"].session.commit()
        ret = _load(shop_app, return_id)
        assert ret.status == "refunded" and ret.received_at is not None
        assert received == [(ret.rma, [1, 1])]
    refunds, _ = _refunds_at_stripe(shop_app, "1001")
    assert [r.amount for r in refunds] == [6448]


def test_jpy_has_no_minor_unit_and_a_whole_order_gets_its_shipping(shop_app):
    return_id = shop_return(
        shop_app,
        "1004",
        {"KETTLE-JP": (1, "defective"), "MUG-STONE": (2, "size_fit")},
    )
    with shop_app.app_context():
        ret = _load(shop_app, return_id)
        proposal = propose_refund(ret)
        assert (proposal.items, proposal.shipping, proposal.total) == (16100, 800, 16900)
        refund = issue_refund(ret, proposal.maximum, ADMIN)
        assert (refund.amount, refund.currency, refund.status) == (16900, "JPY", "succeeded")
    refunds, _ = _refunds_at_stripe(shop_app, "1004")
    assert [(r.amount, r.currency) for r in refunds] == [(16900, "jpy")]


def test_refunds_made_directly_in_stripe_cap_ours(shop_app):
    return_id = shop_return(
        shop_app,
        "1001",
        {"TSHIRT-BLU-M": (2, "size_fit"), "MUG-STONE": (1, "damaged")},
    )
    _, order = _refunds_at_stripe(shop_app, "1001")
    with shop_app.app_context():
        stripe_client(shop_app).v1.refunds.create(
            params={"payment_intent": order.payment_reference, "amount": 6000}
        )
        ret = _load(shop_app, return_id)
        proposal = propose_refund(ret)
        assert proposal.payment_remaining == 10847 - 6000
        assert proposal.maximum == 4847
        with pytest.raises(RefundRefused, match="At most"):
            issue_refund(ret, 6448, ADMIN)
        assert ret.refunds == []
        assert issue_refund(ret, 4847, ADMIN).status == "succeeded"
    refunds, _ = _refunds_at_stripe(shop_app, "1001")
    assert sorted(r.amount for r in refunds) == [4847, 6000]


def test_only_received_units_are_refunded(shop_app):
    return_id = shop_return(
        shop_app,
        "1001",
        {"TSHIRT-BLU-M": (2, "size_fit")},
        received={"TSHIRT-BLU-M": 1},
    )
    with shop_app.app_context():
        ret = _load(shop_app, return_id)
        assert propose_refund(ret).maximum == 2499
        with pytest.raises(RefundRefused):
            issue_refund(ret, 2500, ADMIN)
        assert issue_refund(ret, 2499, ADMIN).amount == 2499


@pytest.mark.parametrize("amount", [0, -5, 12.5, True])
def test_nonsense_amounts_are_refused(unpaid_shop_app, amount):
    return_id = shop_return(unpaid_shop_app, "1001", {"MUG-STONE": (1, "damaged")})
    with unpaid_shop_app.app_context():
        ret = _load(unpaid_shop_app, return_id)
        with pytest.raises(RefundRefused):
            issue_refund(ret, amount, ADMIN)
        assert ret.refunds == []


def test_a_refunded_return_is_not_refunded_again(shop_app):
    return_id = shop_return(shop_app, "1001", {"MUG-STONE": (1, "damaged")})
    with shop_app.app_context():
        ret = _load(shop_app, return_id)
        issue_refund(ret, 1450, ADMIN)
        with pytest.raises(RefundRefused, match="cannot be refunded"):
            issue_refund(ret, 1, ADMIN)
    refunds, _ = _refunds_at_stripe(shop_app, "1001")
    assert len(refunds) == 1


@pytest.fixture
def proxy(stripe_server):
    from .harness.stripe_proxy import StripeProxy

    proxy = StripeProxy(stripe_server.api_base)
    yield proxy
    proxy.close()


@pytest.mark.parametrize("mode", ["error", "lost", "hang"])
def test_outages_end_with_every_refund_made_once(make_shop_app, proxy, mode):
    """Stripe answers 500, or the answer is lost, or it comes too late; then it is back."""
    app = make_shop_app(RETURNS_STRIPE_API_BASE=proxy.api_base, RETURNS_STRIPE_TIMEOUT=1)
    proxy.hang_seconds = 3
    return_ids = [
        shop_return(app, "1001", {"MUG-STONE": (1, "damaged")}),
        shop_return(app, "1004", {"KETTLE-JP": (1, "defective")}),
    ]
    with app.app_context():
        proxy.mode = mode
        for return_id in return_ids:
            ret = _load(app, return_id)
            with pytest.raises(RefundRefused, match="did not answer"):
                issue_refund(ret, propose_refund(ret).maximum, ADMIN)
            assert [r.status for r in ret.refunds] == ["pending"]  # recorded before the call
        proxy.mode = "pass"
        for return_id in return_ids:
            ret = _load(app, return_id)
            (refund,) = ret.refunds
            if mode == "error":
                # Nothing reached Stripe; only once the call is surely over does it count
                # as failed, and then a new attempt goes through.
                with pytest.raises(RefundRefused, match="still being processed"):
                    issue_refund(ret, refund.amount, ADMIN)
                refund.created_at -= timedelta(minutes=10)  # time passes
                app.extensions["returns"].session.commit()
                assert settle_from_stripe(refund) and refund.status == "failed"
                again = issue_refund(ret, propose_refund(ret).maximum, ADMIN)
                assert (again.attempt, again.status) == (2, "succeeded")
            else:
                # Stripe did refund: the lookup by our id in the metadata finds it.
                assert settle_from_stripe(refund) and refund.status == "succeeded"
            assert ret.status == "refunded"
    for number, amount in (
        ("1001", 1450),
        ("1004", 12800),
    ):
        refunds, _ = _refunds_at_stripe(app, number)
        assert [r.amount for r in refunds] == [amount]


def test_an_answer_lost_after_stripe_refunded_is_found_by_metadata(shop_app):
    """Stripe made the refund but we never heard: reconcile finds it, nothing is repeated."""
    return_id = shop_return(shop_app, "1001", {"MUG-STONE": (1, "damaged")})
    with shop_app.app_context():
        ret = _load(shop_app, return_id)
        refund = issue_refund(ret, 1450, ADMIN)
        # Make our record look as if the answer was lost (test scaffolding).
        session = shop_app.extensions["returns"].session
        session.execute(
            sa.update(Refund)
            .where(Refund.id == refund.id)
            .values(status="pending", stripe_refund_id=None)
        )
        session.execute(
            sa.update(ReturnRequest)
            .where(ReturnRequest.id == ret.id)
            .values(status="received", refunded_at=None)
        )
        session.commit()
        session.expire_all()
        assert settle_from_stripe(refund) is True
        assert refund.status == "succeeded" and refund.stripe_refund_id.startswith("re_")
        assert ret.status == "refunded"
    refunds, _ = _refunds_at_stripe(shop_app, "1001")
    assert len(refunds) == 1


def test_twenty_simultaneous_refunds_make_one(make_shop_app):
    # Twenty requests at once need twenty connections (the default pool holds 15).
    app = make_shop_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25})
    return_id = shop_return(
        app,
        "1001",
        {"TSHIRT-BLU-M": (2, "size_fit"), "MUG-STONE": (1, "damaged")},
    )
    start = threading.Barrier(20, timeout=30)
    outcomes: list[str] = []

    def click() -> None:
        with app.app_context():
            ret = _load(app, return_id)
            start.wait()
            try:
                outcomes.append(issue_refund(ret, 6448, ADMIN).status)
            except RefundRefused as refused:
                outcomes.append(f"refused: {refused}")
            except Exception as error:  # e.g. SQLite's "database is locked"
                outcomes.append(f"error: {type(error).__name__}")
            finally:
                app.extensions["returns"].session.remove()

    threads = [threading.Thread(target=click) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert outcomes.count("succeeded") == 1, outcomes
    # Everyone else is told plainly why not; nobody sees a database error.
    assert all(o.startswith("refused: ") for o in outcomes if o != "succeeded"), outcomes
    assert len(outcomes) == 20
    refunds, _ = _refunds_at_stripe(app, "1001")
    assert [r.amount for r in refunds] == [6448]
    with app.app_context():
        assert [r.status for r in _load(app, return_id).refunds] == ["succeeded"]


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("declined", "The card or bank refused the refund: The card has expired."),
        ("already_refunded", "Stripe says this payment is already fully refunded."),
    ],
)
def test_stripe_refusals_are_told_plainly_and_the_next_attempt_is_free(
    make_shop_app, proxy, mode, message
):
    app = make_shop_app(RETURNS_STRIPE_API_BASE=proxy.api_base)
    return_id = shop_return(app, "1001", {"MUG-STONE": (1, "damaged")})
    with app.app_context():
        ret = _load(app, return_id)
        proxy.mode = mode
        with pytest.raises(RefundRefused) as refused:
            issue_refund(ret, 1450, ADMIN)
        assert str(refused.value) == message
        (failed,) = ret.refunds
        assert failed.status == "failed" and failed.failure_reason
        assert ret.status == "received"
        proxy.mode = "pass"
        again = issue_refund(ret, 1450, ADMIN)
        assert (again.attempt, again.status) == (2, "succeeded")
    refunds, _ = _refunds_at_stripe(app, "1001")
    assert [r.amount for r in refunds] == [1450]


def test_a_charge_id_as_payment_reference(shop_app):
    """Hosts that keep the charge id (``ch_...``) rather than the PaymentIntent refund too."""
    from example_shop.models import ShopOrder, db

    return_id = shop_return(shop_app, "1001", {"MUG-STONE": (1, "damaged")})
    with shop_app.app_context():
        order = db.session.scalar(sa.select(ShopOrder).filter_by(number="1001"))
        intent = stripe_client(shop_app).v1.payment_intents.retrieve(order.payment_intent_id)
        charge = intent["latest_charge"]
        order.payment_intent_id = charge if isinstance(charge, str) else charge["id"]
        db.session.commit()
        ret = _load(shop_app, return_id)
        assert propose_refund(ret).payment_remaining == 10847
        refund = issue_refund(ret, 1450, ADMIN)
        assert refund.status == "succeeded"
        listed = (
            stripe_client(shop_app).v1.refunds.list(params={"charge": order.payment_intent_id}).data
        )
        assert [r.amount for r in listed] == [1450]


def test_a_webhook_that_arrives_before_our_answer_is_recorded_once(shop_app, monkeypatch):
    """Stripe's webhook can beat the refund call's own answer: one history entry, one mail."""
    from flask_returns.models import Event, OutboxMessage
    from flask_returns.refunds import handle_stripe_event
    from flask_returns.refunds import issue as refunds_module

    app = shop_app
    return_id = shop_return(app, "1001", {"MUG-STONE": (1, "damaged")})
    real = refunds_module.stripe_payments.create_refund

    def create_then_webhook(payment, amount, **kw):
        answer = real(payment, amount, **kw)
        event = {
            "id": "evt_race_1",
            "type": "refund.updated",
            "data": {
                "object": {
                    "id": answer.id,
                    "object": "refund",
                    "status": answer.status,
                    "metadata": {"flask_returns_refund_id": str(kw["our_refund_id"])},
                }
            },
        }
        handled = []

        def deliver() -> None:
            with app.app_context():
                handled.append(handle_stripe_event(event))
                app.extensions["returns"].session.remove()

        thread = threading.Thread(target=deliver)
        thread.start()
        thread.join()
        assert handled == ["handled"]
        return answer

    monkeypatch.setattr(refunds_module.stripe_payments, "create_refund", create_then_webhook)
    with app.app_context():
        ret = _load(app, return_id)
        refund = issue_refund(ret, 1450, ADMIN)
        assert refund.status == "succeeded" and ret.status == "refunded"
        session = app.extensions["returns"].session
        actions = session.scalars(
            sa.select(Event.action).where(Event.return_id == return_id).order_by(Event.id)
        ).all()
        mails = session.scalars(
            sa.select(OutboxMessage.kind).where(OutboxMessage.return_id == return_id)
        ).all()
    assert actions.count("refund_succeeded") == 1, actions
    assert actions.count("refunded") == 1, actions
    assert mails.count("refund_issued") == 1, mails
