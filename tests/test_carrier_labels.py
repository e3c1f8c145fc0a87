"""Labels booked with a carrier platform: once per return, whatever fails in between.

EasyPost's own SDK (through the module's provider) talks to the fake EasyPost on
127.0.0.1, which answers in EasyPost's documented shapes and counts what it sold.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from flask_returns.carriers import make_label, poll_tracking, retry_labels, void_label
from flask_returns.carriers.booking import REQUESTS_PER_ATTEMPT
from flask_returns.carriers.parcel import parcel_view
from flask_returns.documents import label_available, label_pdf
from flask_returns.models import Event, OutboxMessage, ReturnStatus
from flask_returns.reports.shipping import shipping_spend
from flask_returns.testing import clock_at
from flask_returns.workflow import cancel_return

from .carrier_helpers import ADMIN, authorized, shipments, the_return
from .label_helpers import page_images, pdf_text, scan, squeeze

BUY = r"/v2/shipments/shp_[0-9a-f]+/buy$"


def _book(app, rma: str):
    with app.app_context():
        return make_label(the_return(app, rma), ADMIN)


def _outbox(app, rma: str) -> list[OutboxMessage]:
    with app.app_context():
        ret = the_return(app, rma)
        session = app.extensions["returns"].session
        rows = session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.return_id == ret.id, OutboxMessage.kind != "request_received")
            .order_by(OutboxMessage.id)
        ).all()
        session.expunge_all()
        return rows


def _actions(app, rma: str) -> list[str]:
    with app.app_context():
        ret = the_return(app, rma)
        session = app.extensions["returns"].session
        return list(
            session.scalars(
                sa.select(Event.action).where(Event.return_id == ret.id).order_by(Event.id)
            )
        )


def test_authorizing_books_one_label_that_the_customer_prints(
    make_carrier_host, easypost, tmp_path
):
    app = make_carrier_host("easypost", easypost)
    rma = authorized(app)
    # The authorization e-mail went out before the carrier answered: it says the label follows.
    [authorized_mail] = _outbox(app, rma)
    assert authorized_mail.kind == "authorized" and not authorized_mail.attach_label
    with app.app_context():
        from flask_returns.i18n import gettext, using_locale

        with using_locale("pl"):
            follows = gettext(
                "Your return label comes from the carrier in a separate e-mail, usually "
                "within minutes."
            )
    assert follows in authorized_mail.text_body

    assert _book(app, rma).result == "booked"
    assert easypost.purchases == 1
    [created] = easypost.sent("POST", r"/v2/shipments")
    sent = created.json()["shipment"]
    # EasyPost swaps a return's addresses itself: to_address is the customer, who sends it.
    assert sent["is_return"] is True
    assert sent["to_address"]["name"] == "Zażółć Gęślą Jaźń"
    assert sent["to_address"]["city"] == "Łódź"
    assert sent["from_address"]["city"] == "Berlin"
    assert sent["reference"] == f"flask-returns:{rma}:label:1"
    assert float(sent["parcel"]["weight"]) > 0

    [shipment] = shipments(app, rma)
    assert shipment.status == "booked"
    assert shipment.tracking_number and shipment.carrier and shipment.service
    assert shipment.cost and shipment.cost > 0 and shipment.currency == "USD"
    assert shipment.draft == shipment.reference  # the shipment id, stored before the purchase

    with app.app_context():
        ret = the_return(app, rma)
        assert label_available(ret)
        pdf = label_pdf(ret)
        app.extensions["returns"].session.commit()
    text = squeeze(pdf_text(pdf))
    assert rma in text  # the packing page is ours
    found = [code for image in page_images(pdf, tmp_path, "carrier") for code in scan(image)]
    assert f"CODE-128:{shipment.tracking_number}" in found  # the carrier's barcode, scannable

    mails = _outbox(app, rma)
    assert [m.kind for m in mails] == ["authorized", "label_ready"]
    assert mails[1].attach_label and shipment.tracking_number in mails[1].text_body
    assert "label_booked" in _actions(app, rma)

    # Booking again (a second click, a reprint, the retry command) buys nothing.
    assert _book(app, rma).result == "booked"
    with app.app_context():
        assert retry_labels().booked == 0
    assert easypost.purchases == 1


@pytest.mark.parametrize("parallel", [20])
def test_twenty_simultaneous_bookings_buy_one_label(make_carrier_host, easypost, parallel):
    app = make_carrier_host(
        "easypost", easypost, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": parallel + 5}
    )
    rma = authorized(app)
    easypost.hang_next(BUY, seconds=0.5)  # slow enough that the others arrive meanwhile
    start = threading.Barrier(parallel, timeout=30)
    results: list[str] = []

    def book() -> None:
        start.wait()
        results.append(_book(app, rma).result)

    threads = [threading.Thread(target=book) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == parallel
    assert easypost.purchases == 1
    assert len(easypost.sent("POST", BUY[:-1])) == 1
    assert results.count("booked") >= 1 and set(results) <= {"booked", "in_progress"}
    assert len(shipments(app, rma)) == 1


def test_a_lost_answer_is_found_at_the_carrier_not_bought_again(make_carrier_host, easypost):
    app = make_carrier_host("easypost", easypost, RETURNS_CARRIER_TIMEOUT=1)
    rma = authorized(app)
    easypost.hang_next(BUY, seconds=1.6)  # bought, but the answer comes after our timeout
    booking = _book(app, rma)
    assert booking.result == "delayed"
    assert easypost.purchases == 1
    [pending] = shipments(app, rma)
    assert pending.status == "pending" and pending.draft.startswith("shp_")
    with app.app_context():
        ret = the_return(app, rma)
        assert ret.status == ReturnStatus.AUTHORIZED  # a carrier never undoes a step
        assert not label_available(ret)
        view = parcel_view(ret)
        assert view is not None and view.label_pending

    # Our side of that attempt is over (it timed out), so the retry may ask at once.
    with app.app_context():
        done = retry_labels()
    assert done.booked == 1
    assert easypost.purchases == 1  # found by the shipment id, never bought twice
    assert len(easypost.sent("POST", BUY[:-1])) == 1
    [booked] = shipments(app, rma)
    assert booked.status == "booked" and booked.attempts == 2


def test_a_carrier_error_then_success_books_once_and_mails_the_label(make_carrier_host, easypost):
    app = make_carrier_host("easypost", easypost)
    rma = authorized(app)
    easypost.fail_next(BUY, status=503)
    assert _book(app, rma).result == "delayed"
    assert easypost.purchases == 0
    [pending] = shipments(app, rma)
    assert pending.last_error and not pending.refused
    assert "label_delayed" in _actions(app, rma)
    assert [m.kind for m in _outbox(app, rma)] == ["authorized"]

    with app.app_context():
        assert retry_labels().booked == 1
    assert easypost.purchases == 1
    assert [m.kind for m in _outbox(app, rma)] == ["authorized", "label_ready"]


def test_an_address_the_carrier_refuses_waits_for_the_admin_in_its_words(
    make_carrier_host, easypost
):
    app = make_carrier_host("easypost", easypost)
    rma = authorized(app)
    easypost.refuse_next_address("Address not found: ul. Żółć 12/4")
    assert _book(app, rma).result == "refused"
    [pending] = shipments(app, rma)
    assert pending.refused and "Address not found" in pending.last_error

    page = app.test_client().get(f"/returns/admin/returns/{rma}").get_data(as_text=True)
    assert "Address not found: ul. Żółć 12/4" in page
    assert "Book the label now" in page

    asked = len(easypost.requests)
    with app.app_context():
        assert retry_labels().booked == 0  # cron leaves refused addresses to a person
    assert len(easypost.requests) == asked
    with app.app_context():
        assert retry_labels(refused_too=True).booked == 1
    assert easypost.purchases == 1


def test_a_cancelled_return_voids_its_unused_label_once(make_carrier_host, easypost):
    app = make_carrier_host("easypost", easypost)
    rma = authorized(app)
    _book(app, rma)
    with app.app_context():
        ret = the_return(app, rma)
        cancel_return(ret, ADMIN)
        app.extensions["returns"].session.commit()
        assert void_label(the_return(app, rma), ADMIN) == "requested"
        assert void_label(the_return(app, rma), ADMIN) is None
        assert retry_labels().voided == 0
    assert easypost.voids == 1
    [voided] = shipments(app, rma)
    assert voided.status == "voided" and voided.void_status == "requested"
    assert _actions(app, rma).count("label_voided") == 1


def test_a_void_the_carrier_did_not_answer_is_asked_again_by_the_retry(make_carrier_host, easypost):
    app = make_carrier_host("easypost", easypost)
    rma = authorized(app)
    _book(app, rma)
    easypost.fail_next(r"/refund$", status=502)
    with app.app_context():
        cancel_return(the_return(app, rma), ADMIN)
        app.extensions["returns"].session.commit()
        assert void_label(the_return(app, rma), ADMIN) is None
        assert retry_labels().voided == 1
    assert easypost.voids == 1


def test_tracking_webhooks_are_checked_and_applied_once(make_carrier_host, easypost):
    app = make_carrier_host("easypost", easypost, RETURNS_SUPPORT_EMAIL="support@shop.example")
    rma = authorized(app)
    _book(app, rma)
    [shipment] = shipments(app, rma)
    client = app.test_client()
    url = "/returns/carriers/easypost/webhook"

    headers, body, _query = easypost.webhook(shipment.tracking_number, "in_transit")
    answer = client.post(url, data=body, headers=headers)
    assert answer.status_code == 200 and answer.json["applied"] == 1
    replay = client.post(url, data=body, headers=headers)
    assert replay.status_code == 200 and replay.json["applied"] == 0

    forged_headers, forged_body, _ = easypost.webhook(
        shipment.tracking_number, "delivered", forged=True
    )
    assert client.post(url, data=forged_body, headers=forged_headers).status_code == 400
    tampered = body.replace(b"in_transit", b"delivered")
    assert client.post(url, data=tampered, headers=headers).status_code == 400
    unsigned = {k: v for k, v in headers.items() if k != "X-Hmac-Signature"}
    assert client.post(url, data=body, headers=unsigned).status_code == 400
    assert client.post("/returns/carriers/shippo/webhook", data=body).status_code == 404
    assert shipments(app, rma)[0].tracking_status == "in_transit"

    before = [m.kind for m in _outbox(app, rma)]
    headers, body, _query = easypost.webhook(shipment.tracking_number, "delivered")
    assert client.post(url, data=body, headers=headers).json["applied"] == 1
    arrived = shipments(app, rma)[0]
    assert arrived.tracking_status == "delivered" and arrived.delivered_at is not None
    kinds = [m.kind for m in _outbox(app, rma)]
    # The shop hears the parcel arrived; the customer is not e-mailed for scans.
    assert kinds == [*before, "parcel_arrived"]
    assert _actions(app, rma).count("parcel_in_transit") == 1
    assert _actions(app, rma).count("parcel_delivered") == 1
    # The queue shows it to whoever checks incoming parcels.
    queue = client.get("/returns/admin/").get_data(as_text=True)
    assert "Parcels delivered, not yet checked <strong>1</strong>" in queue
    assert rma in client.get("/returns/admin/?arrived=1").get_data(as_text=True)


def test_the_tracking_poll_moves_parcels_on(make_carrier_host, easypost):
    app = make_carrier_host("easypost", easypost)
    rma = authorized(app)
    _book(app, rma)
    [shipment] = shipments(app, rma)
    easypost.set_tracking(shipment.tracking_number, "in_transit")
    with app.app_context():
        assert poll_tracking() == (1, 1)
        assert poll_tracking() == (1, 0)  # nothing new: nothing changes
    assert shipments(app, rma)[0].tracking_status == "in_transit"


def test_the_status_page_shows_the_carrier_tracking_and_its_state(make_carrier_host, easypost):
    app = make_carrier_host("easypost", easypost)
    rma = authorized(app, locale="en")
    client = app.test_client()
    with app.app_context():
        from flask_returns.links import status_token

        token = status_token(the_return(app, rma))
    page = client.get(f"/returns/status/{token}").get_data(as_text=True)
    assert "being prepared by the carrier" in page
    assert "label.pdf" not in page

    _book(app, rma)
    [shipment] = shipments(app, rma)
    page = client.get(f"/returns/status/{token}").get_data(as_text=True)
    assert "label.pdf" in page
    assert shipment.tracking_number in page and shipment.tracking_url in page
    assert "Label ready, parcel not yet handed in" in page

    headers, body, _ = easypost.webhook(shipment.tracking_number, "in_transit")
    client.post("/returns/carriers/easypost/webhook", data=body, headers=headers)
    assert "In transit" in client.get(f"/returns/status/{token}").get_data(as_text=True)


def test_the_dashboard_adds_up_label_spend_per_carrier_and_currency(make_carrier_host, easypost):
    from example_shop.fake_carriers.easypost import FakeEasyPost  # noqa: F401 - shapes only
    from tests.hosts import MemoryOrders

    from .carrier_helpers import polish_order

    app = make_carrier_host(
        "easypost", easypost, orders=MemoryOrders(polish_order("9001"), polish_order("9002"))
    )
    first, second = authorized(app, "9001"), authorized(app, "9002")
    _book(app, first)
    _book(app, second)
    with app.app_context():
        cancel_return(the_return(app, second), ADMIN)
        app.extensions["returns"].session.commit()
        void_label(the_return(app, second), ADMIN)
    costs = [s.cost for s in shipments(app, first)]
    with app.app_context():
        from datetime import timedelta

        from flask_returns.models import utcnow

        [spend] = shipping_spend(
            app.extensions["returns"].session,
            utcnow() - timedelta(days=1),
            utcnow() + timedelta(days=1),
        )
    assert (spend.currency, spend.labels, spend.voided) == ("USD", 2, 1)
    assert spend.amount == costs[0]
    dashboard = app.test_client().get("/returns/admin/dashboard").get_data(as_text=True)
    assert "Return shipping spend" in dashboard and spend.carrier in dashboard


def test_an_attempt_that_never_ended_blocks_others_until_it_could_have_timed_out(
    make_carrier_host, easypost
):
    """A server that died mid-booking left no end: nobody buys until its requests
    could all have timed out; then the retry looks the purchase up first."""
    app = make_carrier_host("easypost", easypost)
    rma = authorized(app)
    with app.app_context():
        state = app.extensions["returns"]
        ret = the_return(app, rma)
        # What the dead server had done: its row committed, the shipment created and
        # remembered, the label bought, then nothing more.
        from flask_returns.carriers.requests import shipment_request
        from flask_returns.models import Shipment

        shipment = Shipment(
            return_request=ret,
            attempt=1,
            provider="easypost",
            idempotency_key=f"flask-returns:{rma}:label:1",
            attempts=1,
            call_started_at=datetime.now(UTC),
        )
        state.session.add(shipment)
        state.session.commit()
        request = shipment_request(ret, shipment.idempotency_key)
        drafts: list[str] = []
        state.carrier.book(request, drafts.append)
        shipment.draft = drafts[0]
        state.session.commit()
    assert easypost.purchases == 1

    assert _book(app, rma).result == "in_progress"
    later = datetime.now(UTC) + timedelta(seconds=5 * REQUESTS_PER_ATTEMPT + 1)
    with app.app_context(), clock_at(later):
        assert retry_labels().booked == 1
    assert easypost.purchases == 1  # found, not bought again


def test_start_up_refuses_a_carrier_it_cannot_use(make_host_app, easypost):
    from flask_returns import ConfigurationError

    from .label_helpers import RETURN_ADDRESS

    address = {"RETURNS_RETURN_ADDRESS": RETURN_ADDRESS}
    with pytest.raises(ConfigurationError, match="RETURNS_CARRIER must be one of"):
        make_host_app(RETURNS_CARRIER="fedex-by-pigeon", **address)
    with pytest.raises(ConfigurationError, match="RETURNS_RETURN_ADDRESS"):
        make_host_app(RETURNS_CARRIER="easypost", RETURNS_CARRIER_OPTIONS=easypost.options())
    with pytest.raises(ConfigurationError, match="not both"):
        make_host_app(
            RETURNS_CARRIER="easypost",
            RETURNS_CARRIER_OPTIONS=easypost.options(),
            RETURNS_LABEL_PROVIDER=type("P", (), {"name": "p", "label_for": lambda s, r: None})(),
            **address,
        )
    with pytest.raises(ConfigurationError, match="easypost"):
        make_host_app(RETURNS_CARRIER="easypost", RETURNS_CARRIER_OPTIONS={"colour": 1}, **address)
    with pytest.raises(ConfigurationError, match="RETURNS_CARRIER is not"):
        make_host_app(RETURNS_CARRIER_OPTIONS={"api_key": "x"}, **address)
    with pytest.raises(ConfigurationError, match="RETURNS_PARCEL"):
        make_host_app(RETURNS_PARCEL={"weight_g": -1}, **address)


def test_the_label_e_mail_carries_the_label_and_the_drop_off_code(make_carrier_host, easypost):
    from flask_returns.mail.outbox import _mime

    app = make_carrier_host(
        "easypost",
        easypost,
        RETURNS_CARRIER_OPTIONS={**easypost.options(), "qr_code": True},
        RETURNS_MAIL_FROM="Shop <returns@shop.example>",
    )
    rma = authorized(app)
    _book(app, rma)
    [label_mail] = [m for m in _outbox(app, rma) if m.kind == "label_ready"]
    with app.test_request_context():
        row = app.extensions["returns"].session.get(OutboxMessage, label_mail.id)
        message = _mime(row)
    attached = {part.get_filename(): part.get_content_type() for part in message.iter_attachments()}
    assert attached == {f"return-{rma}.pdf": "application/pdf", f"drop-off-{rma}.png": "image/png"}
    assert "drop-off.png" in label_mail.html_body  # shown in the message too


def test_twenty_admins_authorizing_at_once_buy_one_label(make_carrier_host, easypost):
    import re

    app = make_carrier_host("easypost", easypost, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25})
    with app.app_context():
        from flask_returns.testing import open_return

        order = app.extensions["returns"].orders.get_order("9001")
        rma = open_return(order, {"L1": (1, "size_fit")}).rma
    token = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
    start = threading.Barrier(20, timeout=30)
    codes: list[int] = []

    def click() -> None:
        client = app.test_client()
        page = client.get(f"/returns/admin/returns/{rma}").get_data(as_text=True)
        csrf = token.search(page).group(1)
        start.wait()
        answer = client.post(f"/returns/admin/returns/{rma}/authorize", data={"csrf_token": csrf})
        codes.append(answer.status_code)

    threads = [threading.Thread(target=click) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert len(codes) == 20 and codes.count(302) == 1
    assert easypost.purchases == 1
    assert len(shipments(app, rma)) == 1


def test_shippo_tracking_webhooks_need_the_shops_token(make_carrier_host, shippo):
    app = make_carrier_host("shippo", shippo)
    rma = authorized(app)
    _book(app, rma)
    [shipment] = shipments(app, rma)
    client = app.test_client()
    headers, body, query = shippo.webhook(shipment.tracking_number, "TRANSIT")
    url = "/returns/carriers/shippo/webhook"
    assert client.post(url, data=body, headers=headers).status_code == 400  # no token
    wrong = {**query, "token": "guess"}
    assert client.post(url, data=body, headers=headers, query_string=wrong).status_code == 400
    answer = client.post(url, data=body, headers=headers, query_string=query)
    assert answer.status_code == 200 and answer.json["applied"] == 1
    assert shipments(app, rma)[0].tracking_status == "in_transit"
