"""Refunding from the admin pages through the local Stripe server, one by one and in bulk."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from example_shop.orders import ShopOrders
from flask_returns.models import Refund
from flask_returns.refunds import RefundRefused, Refusal

from .admin_helpers import (
    admin_client,
    authorize_all,
    detail,
    load,
    open_return,
    post_action,
    receive_all,
    token_of,
)
from .demo import BUYERS, KETTLE, MUG, SHIRT, SNEAKERS

AMOUNT = re.compile(r'name="refund_amount" type="text" value="([^"]*)"')


def _received(app, admin, number="1001", lines=None) -> str:
    rma, _ = open_return(
        app, number, lines or {SHIRT: (2, "size_fit"), MUG: (1, "not_as_described")}
    )
    authorize_all(admin, rma)
    receive_all(admin, app, rma)
    return rma


def _refund_rows(app) -> list[Refund]:
    with app.app_context():
        session = app.extensions["returns"].session
        rows = list(session.scalars(sa.select(Refund).order_by(Refund.id)))
        session.expunge_all()
        return rows


def _stripe_refunds(app, stripe_client, number: str) -> list:
    with app.app_context():
        order = ShopOrders().find_order(number, BUYERS[number])
    return list(
        stripe_client.v1.refunds.list(params={"payment_intent": order.payment_reference}).data
    )


def test_refund_the_proposed_amount(shop_app, stripe_client):
    admin = admin_client(shop_app)
    rma = _received(shop_app, admin)
    page = detail(admin, rma)
    # 2 x 24.99 + 14.50; the earrings stay, so the shipping is not refunded.
    for text in ("2 × €24.99", "€49.98", "1 × €14.50", "Total", "€64.48", "€108.47"):
        assert text in page, text
    assert AMOUNT.search(page).group(1) == "64.48"
    done = admin.post(
        f"/returns/admin/returns/{rma}/refund",
        data={"csrf_token": token_of(page), "refund_amount": "64.48"},
    )
    assert done.status_code == 302 and done.location.endswith("?done=refund")
    (refund,) = _refund_rows(shop_app)
    assert (refund.amount, refund.currency, refund.status) == (6448, "EUR", "succeeded")
    assert refund.stripe_refund_id.startswith("re_")
    assert load(shop_app, rma).status == "refunded"
    at_stripe = _stripe_refunds(shop_app, stripe_client, "1001")
    assert [r.amount for r in at_stripe] == [6448]
    page = admin.get(done.location).get_data(as_text=True)
    assert "The refund is recorded" in page
    assert refund.stripe_refund_id in page and "Succeeded" in page
    assert "Refund succeeded" in page and "Return refunded" in page
    assert f"/returns/admin/returns/{rma}/refund" not in page


def test_a_refund_above_the_maximum_is_refused_beside_the_field(shop_app, stripe_client):
    admin = admin_client(shop_app)
    rma = _received(shop_app, admin)
    for typed, message in (
        ("64.49", "At most €64.48 can be refunded now."),
        ("1000", "At most €64.48 can be refunded now."),
        ("64.485", "EUR amounts have at most 2 decimal places."),
        ("-1", "The amount cannot be negative."),
        ("6.4e1", "Enter the amount as a number"),
        ("", "Enter the amount to refund."),
    ):
        response = post_action(admin, rma, "refund", {"refund_amount": typed, "refund_note": "x"})
        assert response.status_code == 400, typed
        page = response.get_data(as_text=True)
        error = re.search(r'<p class="returns-error" id="refund_amount-error">([^<]*)</p>', page)
        assert error and error.group(1).startswith(message), (typed, page)
        assert f'value="{typed}"' in page  # what was typed comes back
    assert _refund_rows(shop_app) == []
    assert _stripe_refunds(shop_app, stripe_client, "1001") == []
    assert load(shop_app, rma).status == "received"


def test_less_than_proposed_needs_a_note(shop_app):
    admin = admin_client(shop_app)
    rma = _received(shop_app, admin)
    bare = post_action(admin, rma, "refund", {"refund_amount": "50.00"})
    assert bare.status_code == 400
    assert "Say why you refund less than proposed" in bare.get_data(as_text=True)
    assert _refund_rows(shop_app) == []
    done = post_action(
        admin, rma, "refund", {"refund_amount": "50.00", "refund_note": "Mug chipped by us"}
    )
    assert done.status_code == 302
    (refund,) = _refund_rows(shop_app)
    assert (refund.amount, refund.status, refund.note) == (5000, "succeeded", "Mug chipped by us")
    assert load(shop_app, rma).status == "refunded"


def test_yen_and_restocking_fees_are_shown_and_taken(make_shop_app):
    app = make_shop_app(RETURNS_RESTOCKING_FEES={"changed_mind": 10})
    admin = admin_client(app)
    rma = _received(app, admin, "1004", {KETTLE: (1, "changed_mind"), MUG: (2, "size_fit")})
    page = detail(admin, rma)
    # Everything comes back: 12,800 - 1,280 fee + 3,300 + 800 shipping.
    assert "10 %: -¥1,280" in page
    assert "¥800" in page and "¥15,620" in page
    assert AMOUNT.search(page).group(1) == "15,620"
    refused = post_action(admin, rma, "refund", {"refund_amount": "15620.0"})
    assert "JPY amounts have no decimal places." in refused.get_data(as_text=True)
    assert post_action(admin, rma, "refund", {"refund_amount": "15620"}).status_code == 302
    (refund,) = _refund_rows(app)
    assert (refund.amount, refund.currency, refund.status) == (15620, "JPY", "succeeded")


def test_an_admin_overrides_the_restocking_fee_with_a_reason_on_record(
    make_shop_app, stripe_client
):
    app = make_shop_app(RETURNS_RESTOCKING_FEES={"size_fit": 10})
    admin = admin_client(app)
    rma = _received(app, admin)
    page = detail(admin, rma)
    # 49.98 - 5.00 fee + 14.50 by the policy; 64.48 with the fee waived.
    assert AMOUNT.search(page).group(1) == "59.48"
    assert "Most with the policy overridden" in page and "€64.48" in page
    assert 'name="override_reason"' in page

    bare = post_action(admin, rma, "refund", {"refund_amount": "64.48"})
    assert bare.status_code == 400
    text = bare.get_data(as_text=True)
    error = re.search(r'<p class="returns-error" id="override_reason-error">([^<]*)</p>', text)
    assert error and error.group(1).startswith("The policy allows at most €59.48.")
    assert 'value="64.48"' in text
    too_much = post_action(
        admin, rma, "refund", {"refund_amount": "64.49", "override_reason": "Goodwill"}
    )
    assert "At most €64.48 can be refunded now." in too_much.get_data(as_text=True)
    assert _refund_rows(app) == []

    reason = "Fee waived: <b>we</b> shipped late"
    done = post_action(admin, rma, "refund", {"refund_amount": "64.48", "override_reason": reason})
    assert done.status_code == 302
    (refund,) = _refund_rows(app)
    assert (refund.amount, refund.status, refund.note) == (6448, "succeeded", reason)
    assert [r.amount for r in _stripe_refunds(app, stripe_client, "1001")] == [6448]
    history = admin.get(done.location).get_data(as_text=True)
    assert "Policy overridden" in history and "The policy allowed €59.48." in history
    assert "Fee waived: &lt;b&gt;we&lt;/b&gt; shipped late" in history


def test_an_admin_refunds_before_the_goods_are_back_then_receives_them(shop_app):
    admin = admin_client(shop_app)
    rma, _ = open_return(shop_app, "1001", {SHIRT: (2, "size_fit"), MUG: (1, "not_as_described")})
    authorize_all(admin, rma)
    page = detail(admin, rma)
    assert "The policy refunds once the goods are back." in page
    assert AMOUNT.search(page).group(1) == "0.00"
    bare = post_action(admin, rma, "refund", {"refund_amount": "64.48"})
    assert bare.status_code == 400 and "The policy allows at most €0.00." in bare.get_data(
        as_text=True
    )
    done = post_action(
        admin, rma, "refund", {"refund_amount": "64.48", "override_reason": "Parcel scanned"}
    )
    assert done.status_code == 302
    assert load(shop_app, rma).status == "refunded"
    # The receipt is still taken once the parcel arrives, and the return stays refunded.
    receive_all(admin, shop_app, rma)
    ret = load(shop_app, rma)
    assert ret.status == "refunded" and ret.received_at is not None
    page = detail(admin, rma)
    assert "Goods received" in page and "Policy overridden" in page
    assert f"/returns/admin/returns/{rma}/receive" not in page  # once is enough


def test_without_fees_there_is_nothing_to_override(shop_app):
    admin = admin_client(shop_app)
    page = detail(admin, _received(shop_app, admin))
    assert "Most with the policy overridden" not in page
    assert 'name="override_reason"' not in page


def test_a_refusal_from_the_refund_module_is_shown_on_the_page(shop_app, monkeypatch):
    admin = admin_client(shop_app)
    rma = _received(shop_app, admin)

    def decline(*args, **kwargs):
        raise RefundRefused(Refusal.DECLINED, detail="expired_card")

    monkeypatch.setattr("flask_returns.views.admin.actions.issue_refund", decline)
    response = post_action(admin, rma, "refund", {"refund_amount": "64.48"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The card or bank refused the refund: expired_card" in page
    assert 'value="64.48"' in page
    assert load(shop_app, rma).status == "received"


# --------------------------------------------------------------------------- bulk


def _bulk(admin, action: str, rmas: list[str]):
    page = admin.get("/returns/admin/?status=requested&status=received&status=rejected")
    token = token_of(page.get_data(as_text=True))
    return admin.post(
        "/returns/admin/bulk", data={"csrf_token": token, "action": action, "rma": rmas}
    )


def _results(response) -> dict[str, str]:
    page = response.get_data(as_text=True)
    rows = re.findall(
        r'<a href="/returns/admin/returns/(R-[0-9A-Z-]+)">.*?data-label="Result">(.*?)</td>',
        page,
        re.S,
    )
    return {rma: re.sub(r"<[^>]+>", "", result).strip() for rma, result in rows}


def test_bulk_authorize_goes_on_past_a_return_it_cannot_authorize(unpaid_shop_app):
    admin = admin_client(unpaid_shop_app)
    first, _ = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "size_fit")})
    rejected, _ = open_return(unpaid_shop_app, "1003", {SNEAKERS: (1, "size_fit")})
    last, _ = open_return(unpaid_shop_app, "1004", {KETTLE: (1, "size_fit")})
    assert post_action(admin, rejected, "reject", {"rejection_reason": "Worn"}).status_code == 302
    response = _bulk(admin, "authorize", [first, rejected, last])
    assert response.status_code == 200
    assert "2 of 3 done" in response.get_data(as_text=True)
    results = _results(response)
    assert results[first] == results[last] == "Done"
    assert results[rejected] == "Not done: It is “Rejected”, so it cannot be authorized."
    assert [load(unpaid_shop_app, r).status for r in (first, rejected, last)] == [
        "authorized",
        "rejected",
        "authorized",
    ]


def test_bulk_survives_an_unexpected_error_in_one_return(unpaid_shop_app, monkeypatch):
    import flask_returns.views.admin.actions as actions

    admin = admin_client(unpaid_shop_app)
    first, _ = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "size_fit")})
    broken, _ = open_return(unpaid_shop_app, "1003", {SNEAKERS: (1, "size_fit")})
    real = actions.authorize_return

    def flaky(ret, actor, **kwargs):
        real(ret, actor, **kwargs)  # the change is made, then something breaks
        if ret.rma == broken:
            raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "authorize_return", flaky)
    response = _bulk(admin, "authorize", [first, broken])
    assert "1 of 2 done" in response.get_data(as_text=True)
    assert "details are in the server log" in _results(response)[broken]
    # The broken return's half-made change was rolled back; the other one stands.
    assert load(unpaid_shop_app, first).status == "authorized"
    assert load(unpaid_shop_app, broken).status == "requested"


def test_bulk_refund_pays_each_proposal_and_reports_the_rest(shop_app):
    admin = admin_client(shop_app)
    one = _received(shop_app, admin, "1001", {SHIRT: (1, "size_fit")})
    two = _received(shop_app, admin, "1004", {KETTLE: (1, "size_fit")})
    waiting, _ = open_return(shop_app, "1003", {SNEAKERS: (1, "size_fit")})
    response = _bulk(admin, "refund", [one, waiting, two])
    assert "2 of 3 done" in response.get_data(as_text=True)
    results = _results(response)
    assert results[one] == results[two] == "Done"
    assert results[waiting] == "Not done: It is “Requested”, so it cannot be refunded now."
    refunds = {(r.amount, r.currency, r.status) for r in _refund_rows(shop_app)}
    assert refunds == {(2499, "EUR", "succeeded"), (12800, "JPY", "succeeded")}
    # Again: nothing is refunded twice.
    again = _bulk(admin, "refund", [one, two])
    assert "0 of 2 done" in again.get_data(as_text=True)
    assert len(_refund_rows(shop_app)) == 2


def test_bulk_refunds_run_side_by_side_each_once_in_the_admins_language(
    make_shop_app, stripe_client, monkeypatch
):
    import threading

    import flask_returns.refunds.bulk as batch
    from example_shop.models import Customer, db

    app = make_shop_app()
    admin = admin_client(app)
    chosen = [
        _received(app, admin, "1001", {SHIRT: (1, "size_fit")}),
        _received(app, admin, "1004", {KETTLE: (1, "size_fit")}),
        # A second return of order 1001: two workers may refund one payment at once.
        _received(app, admin, "1001", {MUG: (1, "size_fit")}),
    ]
    waiting, _ = open_return(app, "1003", {SNEAKERS: (1, "size_fit")})
    with app.app_context():
        db.session.execute(sa.update(Customer).where(Customer.is_admin).values(locale="pl"))
        db.session.commit()
    threads: set[str] = set()
    real = batch.issue_refund

    def watched(ret, amount, actor, **kwargs):
        threads.add(threading.current_thread().name)
        return real(ret, amount, actor, **kwargs)

    monkeypatch.setattr(batch, "issue_refund", watched)
    response = _bulk(admin, "refund", [*chosen, waiting, chosen[0]])
    page = response.get_data(as_text=True)
    assert "Wykonano 3 z 4" in page  # "3 of 4 done", in Polish
    # The refused one says why in Polish too: its message was made in a worker.
    row = re.search(rf"{waiting}</a>.*?</tr>", page, re.S).group(0)
    assert "Ma status „Zgłoszony”, więc nie można teraz zwrócić" in row, row
    on_postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if on_postgres:  # RETURNS_BULK_REFUND_WORKERS = 4: the three returns side by side
        assert len(threads) > 1 and all(t.startswith("returns-refund") for t in threads)
    else:  # SQLite has one writer: one by one, in the request's own thread
        assert threads == {threading.current_thread().name}
    rows = _refund_rows(app)
    assert len(rows) == 3 and {r.status for r in rows} == {"succeeded"}
    paid_back = {
        n: sorted(r.amount for r in _stripe_refunds(app, stripe_client, n))
        for n in ("1001", "1004")
    }
    assert paid_back == {"1001": [1450, 2499], "1004": [12800]}
    assert all(load(app, rma).status == "refunded" for rma in chosen)


def test_bulk_refund_survives_an_unexpected_error_in_one_return(shop_app, monkeypatch):
    import flask_returns.refunds.bulk as batch

    admin = admin_client(shop_app)
    fine = _received(shop_app, admin, "1001", {SHIRT: (1, "size_fit")})
    broken = _received(shop_app, admin, "1004", {KETTLE: (1, "size_fit")})
    real = batch.issue_refund

    def flaky(ret, amount, actor, **kwargs):
        if ret.rma == broken:
            raise RuntimeError("database went away")
        return real(ret, amount, actor, **kwargs)

    monkeypatch.setattr(batch, "issue_refund", flaky)
    response = _bulk(admin, "refund", [broken, fine])
    assert "1 of 2 done" in response.get_data(as_text=True)
    results = _results(response)
    assert results[fine] == "Done"
    assert "details are in the server log" in results[broken]
    assert [r.amount for r in _refund_rows(shop_app)] == [2499]
    assert load(shop_app, broken).status == "received"


@pytest.mark.parametrize("chosen", [[], ["R-0000-0000"]])
def test_bulk_with_nothing_or_nonsense_chosen(unpaid_shop_app, chosen):
    response = _bulk(admin_client(unpaid_shop_app), "authorize", chosen)
    if not chosen:
        assert response.status_code == 400
        assert "Choose at least one return first." in response.get_data(as_text=True)
    else:
        assert _results(response) == {"R-0000-0000": "Not done: There is no such return."}


def test_when_stripe_cannot_be_asked_nothing_is_offered_or_taken(make_shop_app):
    from example_shop.local_stripe import free_port

    app = make_shop_app(RETURNS_STRIPE_API_BASE=f"http://127.0.0.1:{free_port()}")
    admin = admin_client(app)
    rma = _received(app, admin, "1003", {SNEAKERS: (1, "size_fit")})
    page = detail(admin, rma)
    assert "unknown: Stripe could not be asked" in page
    assert "Stripe could not be asked what is left of the payment." in page
    assert 'name="refund_amount"' not in page
    # The page offers no form; a forced post is refused all the same.
    token = token_of(admin.get("/returns/admin/").get_data(as_text=True))
    response = admin.post(
        f"/returns/admin/returns/{rma}/refund",
        data={"csrf_token": token, "refund_amount": "79.95"},
    )
    assert response.status_code == 400
    assert "Stripe could not be asked what is left of the payment." in response.get_data(
        as_text=True
    )
    assert _refund_rows(app) == []
    in_bulk = _results(_bulk(admin, "refund", [rma]))[rma]
    assert "Stripe could not be reached to check the payment, so no refund was made" in in_bulk
    assert _refund_rows(app) == []


def test_twenty_admins_clicking_refund_at_once_make_one_refund(make_shop_app):
    """Twenty refund POSTs through the real app at the same moment: one refund at Stripe."""
    import threading

    from example_shop.payments import stripe_client

    # Twenty requests at once need twenty connections (the default pool holds 15).
    app = make_shop_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25})
    rma = _received(app, admin_client(app))
    clients = [admin_client(app) for _ in range(20)]
    forms = [{"csrf_token": token_of(detail(c, rma)), "refund_amount": "64.48"} for c in clients]
    start = threading.Barrier(20, timeout=30)
    codes: list[int] = []

    def click(client, form) -> None:
        start.wait()
        codes.append(client.post(f"/returns/admin/returns/{rma}/refund", data=form).status_code)

    threads = [
        threading.Thread(target=click, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert len(codes) == 20 and 500 not in codes, codes
    assert [(r.amount, r.status) for r in load(app, rma).refunds] == [(6448, "succeeded")]
    with app.app_context():
        order = ShopOrders().find_order("1001", BUYERS["1001"])
        listed = (
            stripe_client(app)
            .v1.refunds.list(params={"payment_intent": order.payment_reference})
            .data
        )
    assert [r.amount for r in listed] == [6448]
