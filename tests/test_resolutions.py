"""Refund, replacement, exchange or store credit: the rules, carried out exactly once.

The host is :class:`flask_returns.testing.MemoryShop` (its adapter in memory, every
outbound order and credit remembered by our key as a real host does), on the real
test databases. The example shop's own adapter is tested over its tables in
``test_example_shop_resolutions.py``.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flask_returns import ConfigurationError
from flask_returns.fulfilment import carry_out, settle_fulfilments
from flask_returns.models import Event, Fulfilment, OutboxMessage, ReturnLine, ReturnRequest
from flask_returns.refunds import propose_refund
from flask_returns.resolutions import Refusal, ResolutionRefused
from flask_returns.testing import open_return
from flask_returns.workflow import (
    Actor,
    LineReceipt,
    LineRequest,
    authorize_return,
    change_resolution,
    mark_received,
)

from .hosts import MemoryOrders, make_order
from .resolution_hosts import POLICY, flaky_shoe_shop, shoe_shop

ADMIN = Actor.admin("7")
MAIL = {
    "RETURNS_MAIL_KINDS": (
        "authorized",
        "replacement_ordered",
        "store_credit_issued",
        "resolution_changed",
        "replacement_shipped",
    )
}


@pytest.fixture
def shop_host(make_host_app):
    shop = shoe_shop()
    app = make_host_app(shop, **POLICY, **MAIL)
    with app.app_context():
        yield app, shop


def _session(app):
    return app.extensions["returns"].session


def _rows(app, model) -> int:
    return _session(app).scalar(sa.select(sa.func.count()).select_from(model))


def _exchange(app, shop, size_sku="SHOE-43", quantity=1) -> ReturnRequest:
    order = shop.get_order("9001")
    return open_return(
        order,
        [LineRequest("S1", quantity, "size_fit", resolution="exchange", exchange_sku=size_sku)],
    )


def _receive(app, ret) -> None:
    mark_received(ret, ADMIN, [LineReceipt(n.id, n.quantity_authorized or 0) for n in ret.lines])
    _session(app).commit()


def test_an_exchange_keeps_the_host_variant_and_ships_once_the_shoes_are_back(shop_host):
    app, shop = shop_host
    ret = _exchange(app, shop)
    line = ret.lines[0]
    assert (line.resolution_requested, line.resolution) == ("exchange", "exchange")
    assert (line.exchange_sku, line.exchange_name, line.exchange_unit_amount) == (
        "SHOE-43",
        "Size 43",
        8990,
    )
    assert ret.resolution == "exchange"
    authorize_return(ret, ADMIN)
    _session(app).commit()
    assert carry_out(ret, ADMIN) == []  # ships on receipt, the default
    assert shop.outbound == {}
    _receive(app, ret)
    [outcome] = carry_out(ret, ADMIN)
    assert outcome.result == "made"
    [(key, made)] = shop.outbound.items()
    assert key == f"flask-returns:{ret.rma}:outbound_order:1"
    assert [(i.sku, i.quantity, i.order_line_id) for i in shop.outbound_items[key]] == [
        ("SHOE-43", 1, "S1")
    ]
    assert shop.stock["SHOE-43"] == 3
    assert ret.status == "resolved" and ret.resolved_at is not None
    [fulfilment] = ret.fulfilments
    assert (fulfilment.status, fulfilment.host_number) == ("succeeded", made.number)
    # Same price: no money moves, so no refund is proposed.
    assert propose_refund(ret).total == 0
    assert carry_out(ret, ADMIN) == []  # asking again makes nothing
    assert len(shop.outbound) == 1
    kinds = [m.kind for m in _session(app).scalars(sa.select(OutboxMessage))]
    assert kinds == ["authorized", "replacement_ordered"]


def test_a_cheaper_variant_refunds_the_difference_and_nothing_else(shop_host):
    app, shop = shop_host
    ret = _exchange(app, shop, "SHOE-40", quantity=2)
    authorize_return(ret, ADMIN)
    _session(app).commit()
    _receive(app, ret)
    carry_out(ret, ADMIN)
    proposal = propose_refund(ret)
    assert proposal.total == 2 * (8990 - 7990)
    assert proposal.shipping == 0  # the customer keeps goods of the order
    # The exchange is made, but the difference is still owed: not resolved yet.
    assert ret.status == "received"


@pytest.mark.parametrize(
    ("line", "reason", "resolution", "sku", "code"),
    [
        ("S1", "size_fit", "exchange", "", Refusal.CHOOSE_VARIANT),
        ("S1", "size_fit", "exchange", "MUG-1", Refusal.VARIANT_NOT_OFFERED),  # another product
        ("S1", "size_fit", "exchange", "SHOE-45", Refusal.VARIANT_NOT_OFFERED),  # dearer
        ("S1", "size_fit", "exchange", "SHOE-42", Refusal.VARIANT_NOT_OFFERED),  # itself
        ("S1", "size_fit", "exchange", "SHOE-44", Refusal.OUT_OF_STOCK),
        ("S1", "size_fit", "replacement", "", Refusal.NOT_OFFERED),  # not for this reason
        ("S1", "changed_mind", "exchange", "SHOE-43", Refusal.NOT_OFFERED),
        ("S1", "damaged", "store_credit", "", Refusal.NOT_OFFERED),
        ("S1", "size_fit", "free_money", "", Refusal.NOT_OFFERED),
    ],
)
def test_a_choice_the_policy_does_not_offer_is_refused_and_nothing_is_stored(
    shop_host, line, reason, resolution, sku, code
):
    app, shop = shop_host
    with pytest.raises(ResolutionRefused) as refused:
        open_return(
            shop.get_order("9001"),
            [LineRequest(line, 1, reason, resolution=resolution, exchange_sku=sku)],
        )
    assert refused.value.code == code
    assert str(refused.value)  # worded, in the reader's language
    _session(app).rollback()
    assert _rows(app, ReturnRequest) == _rows(app, ReturnLine) == 0


def test_store_credit_is_the_refund_plus_the_bonus_and_is_issued_once(shop_host):
    app, shop = shop_host
    ret = open_return(
        shop.get_order("9001"), [LineRequest("S1", 2, "changed_mind", resolution="store_credit")]
    )
    authorize_return(ret, ADMIN)
    _session(app).commit()
    assert carry_out(ret, ADMIN) == []  # refunds (and credit) follow receipt by default
    _receive(app, ret)
    [outcome] = carry_out(ret, ADMIN)
    assert outcome.result == "made"
    [(_credit, amount, currency)] = shop.credits.values()
    assert (amount, currency) == (2 * 8990 + 1798, "EUR")  # 10 % of 179.80 is 17.98
    [fulfilment] = ret.fulfilments
    assert (fulfilment.amount, fulfilment.bonus) == (19778, 1798)
    assert ret.status == "resolved"
    assert propose_refund(ret).total == 0  # nothing goes back to the card
    settle_fulfilments()
    assert len(shop.credits) == 1


def test_a_mixed_return_refunds_only_its_refund_line_and_makes_one_replacement(shop_host):
    app, shop = shop_host
    ret = open_return(
        shop.get_order("9001"),
        [
            LineRequest("S1", 1, "defective", resolution="replacement"),
            LineRequest("L2", 1, "changed_mind", resolution="refund"),
        ],
    )
    assert ret.resolution == "mixed"
    authorize_return(ret, ADMIN)
    _session(app).commit()
    _receive(app, ret)
    carry_out(ret, ADMIN)
    assert [i.sku for i in next(iter(shop.outbound_items.values()))] == ["SHOE-42"]
    proposal = propose_refund(ret)
    assert proposal.total == 1450  # the mug only; the shoes are replaced
    # Replaced, but the mug's refund is still owed.
    assert ret.status == "received"


def test_a_cheap_damaged_item_is_kept_and_settled_without_a_parcel(shop_host):
    app, shop = shop_host
    ret = open_return(shop.get_order("9001"), [LineRequest("L3", 1, "damaged")])
    assert ret.lines[0].keep_item is True  # 9.00 EUR, up to 15.00 EUR is kept
    authorize_return(ret, ADMIN)
    _session(app).commit()
    from flask_returns.documents import label_available

    assert label_available(ret) is False
    proposal = propose_refund(ret)
    assert proposal.total == 900  # owed at authorization: nothing will come back
    mail = _session(app).scalar(sa.select(OutboxMessage).filter_by(kind="authorized"))
    assert "keep the items, or give them away" in mail.text_body
    assert "Print the return label" not in mail.text_body


def test_keeping_is_never_offered_above_the_value(shop_host):
    _app, shop = shop_host
    ret = open_return(
        shop.get_order("9001"), [LineRequest("S1", 1, "damaged", resolution="refund")]
    )
    assert ret.lines[0].keep_item is False  # 89.90 EUR is above 15.00 EUR


def test_an_advance_exchange_ships_at_authorization(make_host_app):
    shop = shoe_shop()
    app = make_host_app(shop, **POLICY, RETURNS_ADVANCE_EXCHANGE_REASONS=("size_fit",))
    with app.app_context():
        ret = _exchange(app, shop)
        authorize_return(ret, ADMIN)
        _session(app).commit()
        [outcome] = carry_out(ret, ADMIN)
        assert outcome.result == "made" and len(shop.outbound) == 1
        assert ret.status == "resolved" and ret.received_at is None
        _receive(app, ret)  # the old pair still arrives later, once
        assert ret.status == "resolved" and ret.received_at is not None


def test_the_admin_changes_an_out_of_stock_replacement_to_a_refund_with_a_reason(shop_host):
    app, shop = shop_host
    ret = open_return(
        shop.get_order("9001"), [LineRequest("S1", 1, "defective", resolution="replacement")]
    )
    line = ret.lines[0]
    with pytest.raises(ResolutionRefused) as refused:
        change_resolution(
            ret,
            line,
            ADMIN,
            resolution="refund",
            note=" ",
            offered=tuple(app.extensions["returns"].policy.resolutions_for("defective")),
        )
    assert refused.value.code == Refusal.NOTE_NEEDED
    change_resolution(
        ret,
        line,
        ADMIN,
        resolution="refund",
        note="This model is sold out; we refund you instead.",
        offered=app.extensions["returns"].policy.resolutions_for("defective"),
    )
    _session(app).commit()
    assert (line.resolution_requested, line.resolution) == ("replacement", "refund")
    event = _session(app).scalar(sa.select(Event).filter_by(action="resolution_changed"))
    assert event.details["from"] == "replacement" and event.details["to"] == "refund"
    mail = _session(app).scalar(sa.select(OutboxMessage).filter_by(kind="resolution_changed"))
    assert "You asked for: Replacement. We decided: Refund." in mail.text_body
    assert "This model is sold out; we refund you instead." in mail.text_body
    authorize_return(ret, ADMIN)
    _session(app).commit()
    _receive(app, ret)
    assert carry_out(ret, ADMIN) == [] and shop.outbound == {}
    assert propose_refund(ret).total == 8990


def test_a_line_already_carried_out_cannot_change(shop_host):
    app, shop = shop_host
    ret = _exchange(app, shop)
    authorize_return(ret, ADMIN)
    _session(app).commit()
    _receive(app, ret)
    carry_out(ret, ADMIN)
    with pytest.raises(ResolutionRefused) as refused:
        change_resolution(
            ret, ret.lines[0], ADMIN, resolution="refund", note="changed", offered=("refund",)
        )
    assert refused.value.code == Refusal.ALREADY_CARRIED_OUT


def test_a_policy_the_adapter_cannot_carry_out_stops_start_up(make_host_app):
    with pytest.raises(ConfigurationError, match="exchange needs ExchangeSource"):
        make_host_app(MemoryOrders(make_order()), **POLICY)


# ------------------------------------------------------------ the host fails, then recovers


@pytest.fixture
def flaky_host(make_host_app):
    shop = flaky_shoe_shop()
    app = make_host_app(shop, **POLICY, **MAIL)
    with app.app_context():
        yield app, shop


def _received_replacement(app, shop) -> ReturnRequest:
    ret = open_return(
        shop.get_order("9001"), [LineRequest("S1", 1, "defective", resolution="replacement")]
    )
    authorize_return(ret, ADMIN)
    _session(app).commit()
    mark_received(ret, ADMIN, [LineReceipt(ret.lines[0].id, 1)])
    _session(app).commit()
    return ret


def test_a_host_that_fails_leaves_the_attempt_pending_and_the_retry_makes_one(flaky_host):
    app, shop = flaky_host
    shop.fail_next = 1
    ret = _received_replacement(app, shop)
    [outcome] = carry_out(ret, ADMIN)
    assert outcome.result == "delayed" and "warehouse system unreachable" in outcome.error
    [fulfilment] = ret.fulfilments
    assert fulfilment.status == "pending" and "unreachable" in fulfilment.last_error
    assert ret.status == "received"  # the receipt stands
    delayed = _session(app).scalar(sa.select(Event).filter_by(action="fulfilment_delayed"))
    assert delayed is not None
    summary = settle_fulfilments()
    assert (summary.made, summary.delayed) == (1, 0)
    assert len(shop.outbound) == 1 and shop.calls == 2
    assert [f.status for f in ret.fulfilments] == ["succeeded"]
    assert ret.status == "resolved"


def test_an_answer_lost_after_the_host_made_it_is_found_by_its_key(flaky_host):
    app, shop = flaky_host
    shop.lose_next = 1
    ret = _received_replacement(app, shop)
    [outcome] = carry_out(ret, ADMIN)
    assert outcome.result == "delayed"
    assert len(shop.outbound) == 1  # made, but we never heard
    calls = shop.calls
    [outcome] = carry_out(ret, ADMIN)
    assert outcome.result == "made"
    assert shop.calls == calls  # looked up by key: not asked to make it again
    assert len(shop.outbound) == 1
    assert _rows(app, Fulfilment) == 1
