"""EasyPost books a return label once, finds it after a lost answer, voids and tracks it.

The provider talks to a local EasyPost (:class:`example_shop.fake_carriers.easypost.
FakeEasyPost`) through the official SDK's ``api_base``.
"""

from __future__ import annotations

import json
import socket
from datetime import datetime

import pytest

from example_shop.fake_carriers.easypost import FakeEasyPost, sign
from flask_returns.carriers.easypost import EasyPostProvider, from_options
from flask_returns.carriers.provider import (
    BookedShipment,
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

CUSTOMER = Address(
    name="Dana Customer",
    line1="179 N Harbor Dr",
    city="Redondo Beach",
    postal_code="90277",
    country="US",
    region="CA",
    phone="8573875756",
)
SHOP = Address(
    name="Returns Desk",
    company="Kettle & Co",
    line1="417 Montgomery Street",
    line2="5th Floor",
    city="San Francisco",
    postal_code="94104",
    country="US",
    region="CA",
)
REQUEST = ShipmentRequest(
    key="flask-returns:RMA-1001:label:1",
    rma="RMA-1001",
    order_number="1001",
    sender=CUSTOMER,
    recipient=SHOP,
    customer_email="dana@example.com",
    parcel=Parcel(weight_grams=1000, length_cm=30, width_cm=20, height_cm=10),
    lines=(PackLine("Kettle", "KT-1", 1),),
    locale="en",
)


@pytest.fixture
def fake(easypost: FakeEasyPost) -> FakeEasyPost:
    """The session's fake EasyPost (tests/carrier_helpers.py), emptied for this test."""
    return easypost


def provider(fake: FakeEasyPost, timeout: float = 5, **options: object) -> EasyPostProvider:
    return from_options({**fake.options(), **options}, timeout=timeout)


def book(carrier: EasyPostProvider) -> tuple[list[str], BookedShipment]:
    remembered: list[str] = []
    return remembered, carrier.book(REQUEST, remembered.append)


def test_books_a_return_from_the_customer_to_the_shop_and_buys_the_cheapest_rate(fake):
    carrier = provider(fake)
    assert isinstance(carrier, ShipmentProvider) and carrier.name == "easypost"
    bought_before_remember: list[int] = []

    def remember(draft: str) -> None:
        bought_before_remember.append(len(fake.sent("POST", r"/v2/shipments/.*/buy")))
        remembered.append(draft)

    remembered: list[str] = []
    booked = carrier.book(REQUEST, remember)

    (create,) = fake.sent("POST", r"/v2/shipments")
    assert create.headers["authorization"] == f"Bearer {FakeEasyPost.API_KEY}"
    sent = create.json()["shipment"]
    # EasyPost swaps the addresses of a return itself: to_address is the customer.
    assert sent["is_return"] is True
    assert sent["to_address"]["name"] == "Dana Customer"
    assert sent["to_address"]["email"] == "dana@example.com"
    assert sent["from_address"]["company"] == "Kettle & Co"
    assert sent["from_address"]["street2"] == "5th Floor"
    assert sent["reference"] == REQUEST.key
    assert sent["options"]["label_format"] == "PDF"
    assert sent["options"]["print_custom_1"] == "RMA-1001"
    # Ounces and inches, one decimal, rounded up: 1000 g is 35.27 oz, 30 cm 11.81 in.
    assert sent["parcel"] == {"weight": 35.3, "length": 11.9, "width": 7.9, "height": 4.0}

    (buy,) = fake.sent("POST", r"/v2/shipments/shp_\w+/buy")
    assert remembered == [booked.reference] and bought_before_remember == [0]
    assert buy.path == f"/v2/shipments/{booked.reference}/buy"
    cheapest = next(r for r in fake.shipments[booked.reference]["rates"] if r["rate"] == "7.58")
    assert buy.json() == {"rate": {"id": cheapest["id"]}}

    assert fake.purchases == 1
    assert (booked.carrier, booked.service) == ("USPS", "GroundAdvantage")
    assert (booked.cost, booked.currency) == (758, "USD")
    assert booked.tracking_number.startswith("9405") and len(booked.tracking_number) == 22
    assert booked.tracking_url == fake.shipments[booked.reference]["tracker"]["public_url"]
    # The PDF label (not the PNG EasyPost also links) is downloaded as it was served.
    assert booked.label.media_type == PDF
    assert booked.label.data == fake.label_bytes(booked.tracking_number)
    assert booked.qr_code is None and booked.pay_on_use is False


def test_carrier_and_service_options_choose_the_rate(fake):
    _, booked = book(provider(fake, carrier="ups"))
    assert (booked.carrier, booked.service, booked.cost) == ("UPS", "Ground", 1234)
    assert booked.tracking_number.startswith("1Z") and len(booked.tracking_number) == 18

    _, booked = book(provider(fake, service="Priority"))
    assert (booked.carrier, booked.service, booked.cost) == ("USPS", "Priority", 1007)


def test_no_rate_for_the_configured_carrier_is_refused_before_anything_is_bought(fake):
    with pytest.raises(CarrierRefused, match="no rate for FedEx"):
        book(provider(fake, carrier="FedEx"))
    assert fake.purchases == 0 and not fake.sent("POST", r"/v2/shipments/.*/buy")


def test_a_lost_answer_to_the_purchase_is_found_without_buying_again(fake):
    carrier = provider(fake, timeout=0.5)
    fake.hang_next(r"/buy$", 1.5)
    remembered: list[str] = []
    with pytest.raises(CarrierUnavailable):
        carrier.book(REQUEST, remembered.append)
    assert fake.purchases == 1 and len(remembered) == 1

    found = carrier.find(REQUEST, remembered[0])
    assert found is not None and found.reference == remembered[0]
    assert found.tracking_number == fake.shipments[remembered[0]]["tracking_code"]
    assert found.label.data == fake.label_bytes(found.tracking_number)
    assert (found.cost, found.currency) == (758, "USD")
    assert fake.purchases == 1 and len(fake.sent("POST", r"/v2/shipments/.*/buy")) == 1


def test_a_500_buys_nothing_then_the_next_attempt_books(fake):
    carrier = provider(fake)
    fake.fail_next(r"/buy$", status=500)
    remembered: list[str] = []
    with pytest.raises(CarrierUnavailable):
        carrier.book(REQUEST, remembered.append)
    # The draft is known but unbought: nothing to find, so booking again is safe.
    assert carrier.find(REQUEST, remembered[0]) is None
    assert carrier.find(REQUEST, "") is None
    assert carrier.find(REQUEST, "shp_" + "0" * 32) is None
    assert fake.purchases == 0

    _, booked = book(carrier)
    assert fake.purchases == 1 and booked.label.media_type == PDF


def test_find_ignores_a_draft_booked_for_another_return(fake):
    carrier = provider(fake)
    remembered, _ = book(carrier)
    other = ShipmentRequest(**{**REQUEST.__dict__, "key": "flask-returns:RMA-2:label:1"})
    assert carrier.find(other, remembered[0]) is None


def test_an_address_easypost_cannot_verify_is_refused_in_its_words(fake):
    fake.refuse_next_address("Address not found")
    with pytest.raises(CarrierRefused) as refused:
        book(provider(fake))
    assert "Unable to verify address." in refused.value.message
    assert "Address not found" in refused.value.message
    assert fake.purchases == 0


def test_a_refusal_naming_an_address_says_which(fake):
    fake.refuse_next_address("Invalid postal code", field="to_address.zip")
    with pytest.raises(CarrierRefused) as refused:
        book(provider(fake))
    assert refused.value.field == "sender" and "Invalid postal code" in refused.value.message


def test_a_wrong_api_key_is_refused_and_no_server_is_unavailable(fake):
    with pytest.raises(CarrierRefused, match="API key"):
        book(provider(fake, api_key="EZTK_wrong"))
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(CarrierUnavailable):
        book(provider(fake, base_url=f"http://127.0.0.1:{port}/v2", timeout=0.5))


@pytest.mark.parametrize(
    ("answer", "outcome", "voids"),
    [
        ("submitted", VoidOutcome.REQUESTED, 1),
        ("refunded", VoidOutcome.VOIDED, 1),
        ("rejected", VoidOutcome.REFUSED, 0),
        ("not_applicable", VoidOutcome.NOT_NEEDED, 0),
    ],
)
def test_void_asks_for_a_refund(fake, answer, outcome, voids):
    carrier = provider(fake)
    _, booked = book(carrier)
    fake.refund_answer = answer
    assert carrier.void(booked) is outcome
    assert fake.sent("POST", rf"/v2/shipments/{booked.reference}/refund")
    assert fake.voids == voids


def test_a_used_or_already_refunded_label_is_not_voided(fake):
    carrier = provider(fake)
    _, used = book(carrier)
    fake.set_tracking(used.tracking_number, "in_transit")
    assert carrier.void(used) is VoidOutcome.REFUSED

    _, twice = book(carrier)
    assert carrier.void(twice) is VoidOutcome.REQUESTED
    assert carrier.void(twice) is VoidOutcome.REFUSED
    assert fake.voids == 1


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("pre_transit", TrackingStatus.PRE_TRANSIT),
        ("in_transit", TrackingStatus.IN_TRANSIT),
        ("out_for_delivery", TrackingStatus.IN_TRANSIT),
        ("available_for_pickup", TrackingStatus.IN_TRANSIT),
        ("delivered", TrackingStatus.DELIVERED),
        ("return_to_sender", TrackingStatus.FAILURE),
        ("failure", TrackingStatus.FAILURE),
        ("cancelled", TrackingStatus.FAILURE),
        ("error", TrackingStatus.UNKNOWN),
        ("unknown", TrackingStatus.UNKNOWN),
    ],
)
def test_tracking_poll_reads_the_shipments_tracker(fake, word, status):
    carrier = provider(fake)
    _, booked = book(carrier)
    fake.set_tracking(booked.tracking_number, word, message="Scanned at facility")
    update = carrier.track(booked)
    assert update is not None
    assert (update.tracking_number, update.status) == (booked.tracking_number, status)
    assert update.reference == booked.reference and update.detail == "Scanned at facility"
    assert isinstance(update.occurred_at, datetime) and update.occurred_at.tzinfo is not None


def test_a_genuine_tracker_webhook_is_read(fake):
    carrier = provider(fake)
    _, booked = book(carrier)
    headers, body, query = fake.webhook(booked.tracking_number, "delivered")
    assert headers["X-Hmac-Signature"].startswith("hmac-sha256-hex=")
    (update,) = carrier.webhook_updates(headers, body, query)
    assert (update.tracking_number, update.status) == (
        booked.tracking_number,
        TrackingStatus.DELIVERED,
    )
    assert update.reference == booked.reference and update.occurred_at is not None
    # Header names may reach us lower-cased (WSGI, proxies).
    lowered = {k.lower(): v for k, v in headers.items()}
    assert carrier.webhook_updates(lowered, body, query) == [update]


def test_forged_tampered_or_unsigned_webhooks_are_refused(fake):
    carrier = provider(fake)
    _, booked = book(carrier)
    headers, body, query = fake.webhook(booked.tracking_number, "delivered", forged=True)
    with pytest.raises(WebhookRefused):
        carrier.webhook_updates(headers, body, query)

    headers, body, query = fake.webhook(booked.tracking_number, "in_transit")
    tampered = body.replace(b'"in_transit"', b'"delivered"')
    with pytest.raises(WebhookRefused):
        carrier.webhook_updates(headers, tampered, query)
    without = {k: v for k, v in headers.items() if k != "X-Hmac-Signature"}
    with pytest.raises(WebhookRefused):
        carrier.webhook_updates(without, body, query)
    # Signed, but not JSON, or not an Event: malformed.
    for junk in (b"not json", b"[]"):
        with pytest.raises(WebhookRefused):
            carrier.webhook_updates({"X-Hmac-Signature": sign(junk, fake.WEBHOOK_SECRET)}, junk, {})


def test_without_a_webhook_secret_every_webhook_is_refused(fake):
    options = {k: v for k, v in fake.options().items() if k != "webhook_secret"}
    carrier = from_options(options, timeout=5)
    _, booked = book(carrier)
    headers, body, query = fake.webhook(booked.tracking_number, "delivered")
    with pytest.raises(WebhookRefused, match="webhook_secret"):
        carrier.webhook_updates(headers, body, query)


def test_events_that_are_not_tracking_updates_are_ignored(fake):
    carrier = provider(fake)
    _, booked = book(carrier)
    headers, body, query = fake.webhook(
        booked.tracking_number, "in_transit", description="batch.updated", result={}
    )
    assert json.loads(body)["description"] == "batch.updated"
    assert carrier.webhook_updates(headers, body, query) == []


def test_qr_code_option_adds_usps_label_broker_code(fake):
    _, booked = book(provider(fake, qr_code=True))
    assert booked.qr_code is not None and booked.qr_code.media_type == PNG
    assert booked.qr_code.data == fake.qr_bytes(booked.tracking_number)
    # Found again later, the code already made is reused, not made twice.
    found = provider(fake, qr_code=True).find(REQUEST, booked.reference)
    assert found is not None and found.qr_code == booked.qr_code
    assert len(fake.sent("POST", r"/v2/shipments/shp_\w+/forms")) == 1
    # UPS has no Label Broker: the printable label is booked without a code.
    _, ups = book(provider(fake, carrier="UPS", qr_code=True))
    assert ups.qr_code is None and ups.label.media_type == PDF


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"api_key": "EZTK_x", "apikey": "EZTK_x"}, "unknown keys apikey"),
        ({"api_key": 123}, r"\['api_key'\] for easypost must be a str"),
        ({"api_key": "EZTK_x", "qr_code": "yes"}, "must be a bool"),
        ({"api_key": "EZTK_x", "base_url": "api.easypost.com"}, "http"),
        ({}, "EASYPOST_API_KEY"),
    ],
)
def test_from_options_refuses_bad_options(monkeypatch, options, words):
    monkeypatch.delenv("EASYPOST_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match=words):
        from_options(options, timeout=5)


def test_the_api_key_defaults_to_the_environment(fake, monkeypatch):
    monkeypatch.setenv("EASYPOST_API_KEY", FakeEasyPost.API_KEY)
    carrier = from_options({"base_url": f"{fake.url}/v2"}, timeout=5)
    _, booked = book(carrier)
    assert fake.purchases == 1 and booked.reference in fake.shipments
