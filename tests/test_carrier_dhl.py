"""The DHL Retoure provider against the fake DHL: what it sends, what a shop gets back."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from example_shop.fake_carriers.dhl import API_KEY, PASSWORD, USERNAME, FakeDHL
from example_shop.fake_carriers.labels import pdf_label, qr_png
from flask_returns.carriers.dhl import DHLReturnsProvider, from_options
from flask_returns.carriers.provider import (
    CarrierRefused,
    CarrierUnavailable,
    Parcel,
    ShipmentProvider,
    ShipmentRequest,
    TrackingStatus,
    VoidOutcome,
    WebhookRefused,
)
from flask_returns.documents.providers import PDF, PNG, PackLine
from flask_returns.errors import ConfigurationError
from flask_returns.orders import Address

ORDERS = "/parcel/de/shipping/returns/v1/orders"
TRACK = "/track/shipments"
CUSTOMER = Address(
    name="Erika Mustermann",
    line1="Heidestraße 17a",
    line2="3. OG links",
    city="Köln",
    postal_code="51147",
    country="DE",
    company="Mustermann GmbH",
    phone="+49 221 1234567",
)
SHOP = Address(
    name="Beispiel Shop",
    line1="Lagerweg 9",
    city="Bonn",
    postal_code="53113",
    country="DE",
)
REQUEST = ShipmentRequest(
    key="flask-returns:RMA-2024-0042:label:1",
    rma="RMA-2024-0042",
    order_number="1001",
    sender=CUSTOMER,
    recipient=SHOP,
    customer_email="erika@example.com",
    parcel=Parcel(weight_grams=1200, length_cm=30, width_cm=20, height_cm=10),
    lines=(PackLine(name="Wanderschuh", sku="WS-42", quantity=1),),
    locale="de",
)


def provider(dhl: FakeDHL, timeout: float = 5, **options: object) -> DHLReturnsProvider:
    return from_options({**dhl.options(), **options}, timeout=timeout)


def book(dhl: FakeDHL, request: ShipmentRequest = REQUEST, **options: object):
    return provider(dhl, **options).book(request, lambda draft: pytest.fail("no draft step"))


def test_booking_sends_the_customer_as_shipper_and_the_shop_as_receiver_id(dhl: FakeDHL) -> None:
    booked = book(dhl)

    [sent] = dhl.sent("POST", ORDERS)
    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert sent.headers["dhl-api-key"] == API_KEY
    assert sent.headers["authorization"] == f"Basic {basic}"
    # Printable label and QR code, PDF, on DHL's 103 x 150 mm format (nearest 4 x 6 in).
    assert sent.query == {"labelType": "BOTH", "docFormat": "PDF", "printFormat": "910-300-400"}
    order = sent.json()
    assert order["receiverId"] == "deu"
    assert order["shipper"] == {
        "name1": "Erika Mustermann",
        "name2": "Mustermann GmbH",
        "name3": "3. OG links",
        "addressStreet": "Heidestraße",
        "addressHouse": "17a",
        "postalCode": "51147",
        "city": "Köln",
        "email": "erika@example.com",
        "phone": "+49 221 1234567",
    }
    assert order["customerReference"] == "RMA-2024-0042"  # printed on the label
    assert order["shipmentReference"] == REQUEST.key
    assert order["itemWeight"] == {"uom": "g", "value": 1200}
    # The shop's address lives in the portal under receiverId: it is not sent.
    assert "Lagerweg" not in sent.body.decode() and "Bonn" not in sent.body.decode()

    number = booked.tracking_number
    assert number == booked.reference and len(number) == 12 and number.isdigit()
    assert number in dhl.orders and dhl.purchases == 1
    assert (booked.carrier, booked.service) == ("DHL", "Retoure Online")
    assert (booked.cost, booked.currency, booked.pay_on_use) == (None, "", True)
    assert booked.label.media_type == PDF and booked.label.data == pdf_label(number, "DHL")
    assert booked.qr_code is not None
    assert booked.qr_code.media_type == PNG and booked.qr_code.data == qr_png(number)
    assert booked.tracking_url == (
        f"https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={number}"
    )
    assert isinstance(provider(dhl), ShipmentProvider)


def test_other_eu_senders_use_their_country_receiver_and_the_a4_page(dhl: FakeDHL) -> None:
    vienna = replace(CUSTOMER, line1="12 Ringstraße", line2="", city="Wien", postal_code="1010")
    request = replace(REQUEST, sender=replace(vienna, country="AT"), locale="en")

    booked = book(dhl, request)
    sent = dhl.sent("POST", ORDERS)[-1]
    assert sent.json()["receiverId"] == "aut"
    assert sent.json()["shipper"]["addressStreet"] == "Ringstraße"
    assert sent.json()["shipper"]["addressHouse"] == "12"
    assert "printFormat" not in sent.query  # 910-300-400 is for German and French returns
    assert "/en/privatkunden/" in booked.tracking_url

    book(dhl, request, receiver_id={"AT": "bel"})  # renamed in the portal
    assert dhl.sent("POST", ORDERS)[-1].json()["receiverId"] == "bel"


def test_a_sender_outside_dhl_retoure_online_is_refused_without_calling(dhl: FakeDHL) -> None:
    swiss = replace(REQUEST, sender=replace(CUSTOMER, country="CH"))
    with pytest.raises(CarrierRefused) as refused:
        book(dhl, swiss)
    assert refused.value.field == "sender" and "'CH'" in refused.value.message
    no_number = replace(REQUEST, sender=replace(CUSTOMER, line1="Am Markt", line2=""))
    with pytest.raises(CarrierRefused, match="house number") as refused:
        book(dhl, no_number)
    assert refused.value.field == "sender"
    assert dhl.requests == [] and dhl.purchases == 0


def test_dhl_refusing_the_address_gives_its_words(dhl: FakeDHL) -> None:
    dhl.refuse_next_address("shipper.postalCode: postal code does not match the city")
    with pytest.raises(CarrierRefused) as refused:
        book(dhl)
    assert refused.value.message == "shipper.postalCode: postal code does not match the city"
    assert refused.value.field == "sender"

    long_house = replace(REQUEST, sender=replace(CUSTOMER, line1="Heidestraße 12345678901"))
    with pytest.raises(CarrierRefused, match="addressHouse: size must be between 1 and 10"):
        book(dhl, long_house)
    with pytest.raises(CarrierRefused, match="receiverId") as refused:
        book(dhl, receiver_id="lager-nord")
    assert refused.value.field == "recipient"
    heavy = replace(REQUEST, parcel=replace(REQUEST.parcel, weight_grams=40000))
    with pytest.raises(CarrierRefused, match="itemWeight") as refused:
        book(dhl, heavy)
    assert refused.value.field == "parcel"
    assert dhl.purchases == 0


def test_wrong_credentials_are_a_refusal_with_dhl_words(dhl: FakeDHL) -> None:
    with pytest.raises(CarrierRefused, match="could not be authenticated") as refused:
        book(dhl, password="wrong")
    assert refused.value.field == ""


def test_a_500_books_nothing_and_the_next_try_books_once(dhl: FakeDHL) -> None:
    dhl.fail_next(ORDERS, status=503)
    with pytest.raises(CarrierUnavailable, match="503"):
        book(dhl)
    assert dhl.purchases == 0
    book(dhl)
    assert dhl.purchases == 1


def test_a_lost_answer_cannot_be_found_and_booking_again_costs_nothing(dhl: FakeDHL) -> None:
    dhl.hang_next(ORDERS, seconds=1.0)
    slow = provider(dhl, timeout=0.3)
    with pytest.raises(CarrierUnavailable, match="did not answer"):
        slow.book(REQUEST, lambda draft: None)
    assert dhl.purchases == 1  # DHL made the label; its answer was lost

    before = len(dhl.requests)
    assert slow.find(REQUEST, "") is None  # the API has no look-up by reference
    assert len(dhl.requests) == before

    again = book(dhl)
    assert dhl.purchases == 2 and again.pay_on_use  # the unused first label is never billed
    # Both carry our key, so the admin can tell them apart in DHL's returns overview.
    assert {order["shipmentReference"] for order in dhl.orders.values()} == {REQUEST.key}


def test_void_needs_no_call_because_dhl_bills_on_use(dhl: FakeDHL) -> None:
    booked = book(dhl)
    before = len(dhl.requests)
    assert provider(dhl).void(booked) is VoidOutcome.NOT_NEEDED
    assert provider(dhl).void(replace(booked, pay_on_use=False)) is VoidOutcome.REFUSED
    assert len(dhl.requests) == before and dhl.voids == 0


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("pre-transit", TrackingStatus.PRE_TRANSIT),
        ("transit", TrackingStatus.IN_TRANSIT),
        ("delivered", TrackingStatus.DELIVERED),
        ("failure", TrackingStatus.FAILURE),
        ("unknown", TrackingStatus.UNKNOWN),
    ],
)
def test_tracking_poll_maps_dhl_status_codes(
    dhl: FakeDHL, word: str, status: TrackingStatus
) -> None:
    booked = book(dhl)
    dhl.set_tracking(booked.tracking_number, word, timestamp="2026-03-02T09:15:00+01:00")

    update = provider(dhl, tracking_api_key=API_KEY).track(booked)

    assert update is not None and update.status is status
    assert update.tracking_number == booked.tracking_number == update.reference
    assert update.occurred_at == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
    [poll] = dhl.sent("GET", TRACK)
    assert poll.query == {"trackingNumber": booked.tracking_number}
    assert poll.headers["dhl-api-key"] == API_KEY
    assert "authorization" not in poll.headers  # the portal password stays with Returns


def test_tracking_a_number_dhl_does_not_know_yet_says_nothing(dhl: FakeDHL) -> None:
    booked = book(dhl)
    fresh = provider(dhl).track(booked)
    assert fresh is not None and fresh.status is TrackingStatus.PRE_TRANSIT
    assert "electronically" in fresh.detail
    unknown = replace(booked, tracking_number="999990000000", reference="999990000000")
    assert provider(dhl).track(unknown) is None
    dhl.fail_next(TRACK)
    with pytest.raises(CarrierUnavailable):
        provider(dhl).track(booked)
    with pytest.raises(CarrierRefused, match="Unauthorized"):
        provider(dhl, tracking_api_key="other-app").track(booked)


def test_qr_only_and_label_only_bookings(dhl: FakeDHL) -> None:
    qr_only = book(dhl, label_type="QR_LABEL")
    assert qr_only.label.media_type == PNG and qr_only.qr_code == qr_only.label
    printed = book(dhl, label_type="shipment_label")
    assert printed.label.media_type == PDF and printed.qr_code is None
    assert dhl.sent("POST", ORDERS)[-1].query["labelType"] == "SHIPMENT_LABEL"


def test_every_webhook_is_refused_pointing_to_polling(dhl: FakeDHL) -> None:
    booked = book(dhl)
    headers, body, query = dhl.webhook(booked.tracking_number, "delivered")
    assert json.loads(body)["shipments"][0]["status"]["statusCode"] == "delivered"
    for sent_body in (body, body.replace(b"delivered", b"transit"), b"{}"):
        with pytest.raises(WebhookRefused, match="flask returns labels track"):
            provider(dhl).webhook_updates(headers, sent_body, query)


def test_from_options_refuses_what_it_cannot_use(
    dhl: FakeDHL, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DHL_API_KEY", "DHL_USERNAME", "DHL_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    good = dhl.options()
    bad = [
        ({**good, "apikey": "x"}, "unknown keys \\['apikey'\\]"),
        ({k: v for k, v in good.items() if k != "password"}, "missing password"),
        ({**good, "api_key": 42}, "api_key must be a non-empty string"),
        ({**good, "label_type": "PNG"}, "label_type must be one of"),
        ({**good, "receiver_id": {"US": "usa"}}, "receiver_id must be"),
        ({**good, "receiver_id": ["deu"]}, "receiver_id must be"),
        ({**good, "base_url": "api-eu.dhl.com"}, "base_url must be an http"),
    ]
    for options, message in bad:
        with pytest.raises(ConfigurationError, match=message):
            from_options(options, timeout=5)
    with pytest.raises(ConfigurationError, match="timeout"):
        from_options(good, timeout=0)

    monkeypatch.setenv("DHL_PASSWORD", PASSWORD)
    from_env = from_options({k: v for k, v in good.items() if k != "password"}, timeout=5)
    assert from_env.book(REQUEST, lambda draft: None).tracking_number in dhl.orders
    assert from_env.timeout == 5.0
