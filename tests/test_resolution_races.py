"""Many clicks at once, and a host that hangs: one replacement order, none lost.

Twenty admins' requests go through the real views at the same moment (each its own
client, thread and database connection); the host's order system is counted in
memory by our key, as the example shop counts rows in its own table.
"""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from flask_returns.fulfilment import carry_out
from flask_returns.models import Fulfilment, ReturnRequest
from flask_returns.testing import open_return
from flask_returns.workflow import Actor, LineReceipt, LineRequest, authorize_return, mark_received

from .resolution_hosts import POLICY, flaky_shoe_shop, shoe_shop

ADMIN = Actor.admin("7")
CLICKS = 20
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _race_host(make_host_app, shop, **config):
    # Twenty requests at once need twenty connections (the default pool holds 15).
    return make_host_app(
        shop,
        **POLICY,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25},
        **config,
    )


def _click_together(app, rma: str, action: str, data: dict) -> list[int]:
    """Twenty admins on the return's page press the same button at the same moment."""
    start = threading.Barrier(CLICKS, timeout=30)
    codes: list[int] = []

    def click() -> None:
        client = app.test_client()
        page = client.get(f"/returns/admin/returns/{rma}").get_data(as_text=True)
        token = TOKEN.search(page).group(1)
        start.wait()
        response = client.post(
            f"/returns/admin/returns/{rma}/{action}", data={"csrf_token": token, **data}
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=click) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return codes


def _replacement_return(app, shop) -> str:
    with app.app_context():
        ret = open_return(
            shop.get_order("9001"), [LineRequest("S1", 1, "defective", resolution="replacement")]
        )
        return ret.rma


def test_twenty_simultaneous_authorizations_make_one_advance_replacement(make_host_app):
    shop = shoe_shop()
    app = _race_host(make_host_app, shop, RETURNS_ADVANCE_EXCHANGE_REASONS=("defective",))
    rma = _replacement_return(app, shop)
    codes = _click_together(app, rma, "authorize", {"authorization_note": ""})
    assert len(codes) == CLICKS
    assert codes.count(302) == 1, codes  # one authorizes; the rest are told it is done
    assert set(codes) <= {302, 409}, codes
    assert len(shop.outbound) == 1
    assert shop.stock["SHOE-42"] == 4  # one pair taken for the replacement
    with app.app_context():
        session = app.extensions["returns"].session
        assert session.scalar(sa.select(sa.func.count()).select_from(Fulfilment)) == 1
        assert session.scalar(sa.select(ReturnRequest.status)) == "resolved"


def test_twenty_simultaneous_receipts_make_one_replacement(make_host_app):
    shop = shoe_shop()
    app = _race_host(make_host_app, shop)
    rma = _replacement_return(app, shop)
    with app.app_context():
        ret = app.extensions["returns"].session.scalar(sa.select(ReturnRequest))
        authorize_return(ret, ADMIN)
        app.extensions["returns"].session.commit()
        line_id = ret.lines[0].id
    data = {f"qty-{line_id}": "1", f"condition-{line_id}": "as_new", f"resellable-{line_id}": "1"}
    codes = _click_together(app, rma, "receive", data)
    assert codes.count(302) == 1 and set(codes) <= {302, 409}, codes
    assert len(shop.outbound) == 1
    with app.app_context():
        session = app.extensions["returns"].session
        assert session.scalar(sa.select(sa.func.count()).select_from(Fulfilment)) == 1
        assert session.scalar(sa.select(ReturnRequest.status)) == "resolved"


def test_a_host_that_hangs_is_not_asked_again_while_the_call_may_still_run(make_host_app):
    shop = flaky_shoe_shop()
    app = make_host_app(shop, **POLICY)
    with app.app_context():
        ret = open_return(
            shop.get_order("9001"), [LineRequest("S1", 1, "defective", resolution="replacement")]
        )
        authorize_return(ret, ADMIN)
        mark_received(ret, ADMIN, [LineReceipt(ret.lines[0].id, 1)])
        app.extensions["returns"].session.commit()
        rma = ret.rma
    shop.hold = threading.Event()
    first: list[str] = []

    def hanging_click() -> None:
        with app.app_context():
            found = app.extensions["returns"].session.scalar(sa.select(ReturnRequest))
            first.extend(o.result for o in carry_out(found, ADMIN))
            app.extensions["returns"].session.remove()

    thread = threading.Thread(target=hanging_click)
    thread.start()
    assert shop.entered.wait(timeout=30)  # the host is inside its call, hanging
    with app.app_context():
        found = app.extensions["returns"].session.scalar(
            sa.select(ReturnRequest).filter_by(rma=rma)
        )
        [second] = carry_out(found, ADMIN)
        assert second.result == "in_progress"
    assert shop.calls == 1 and shop.outbound == {}
    shop.hold.set()  # the host recovers and answers
    thread.join(timeout=30)
    assert first == ["made"]
    assert len(shop.outbound) == 1
    with app.app_context():
        session = app.extensions["returns"].session
        statuses = session.scalars(sa.select(Fulfilment.status)).all()
        assert statuses == ["succeeded"]
        assert session.scalar(sa.select(ReturnRequest.status)) == "resolved"


@pytest.mark.parametrize("timeout", [1])
def test_a_call_older_than_the_timeout_is_looked_up_then_asked_again(make_host_app, timeout):
    from datetime import timedelta

    from flask_returns.models import utcnow
    from flask_returns.testing import clock_at

    shop = flaky_shoe_shop()
    app = make_host_app(shop, **POLICY, RETURNS_HOST_TIMEOUT=timeout)
    with app.app_context():
        session = app.extensions["returns"].session
        ret = open_return(
            shop.get_order("9001"), [LineRequest("S1", 1, "defective", resolution="replacement")]
        )
        authorize_return(ret, ADMIN)
        mark_received(ret, ADMIN, [LineReceipt(ret.lines[0].id, 1)])
        session.commit()
        # A worker died between committing the attempt and hearing back: started, no end.
        shop.fail_next = 0
        fulfilment = Fulfilment(
            return_request=ret,
            kind="outbound_order",
            attempt=1,
            idempotency_key=f"flask-returns:{ret.rma}:outbound_order:1",
            items=[
                {
                    "line": ret.lines[0].id,
                    "order_line": "S1",
                    "sku": "SHOE-42",
                    "name": "Trail Runner 42",
                    "quantity": 1,
                }
            ],
            currency="EUR",
            call_started_at=utcnow(),
        )
        session.add(fulfilment)
        session.commit()
        [waiting] = carry_out(ret, ADMIN)
        assert waiting.result == "in_progress" and shop.calls == 0
        with clock_at(utcnow() + timedelta(seconds=timeout + 1)):
            [made] = carry_out(ret, ADMIN)
        assert made.result == "made" and shop.calls == 1
        assert len(shop.outbound) == 1
