"""The Shippo provider against the local fake of Shippo's API, through Shippo's own SDK.

What a shop relies on: the label is bought once (also when an answer is lost), the
request says who sends to whom the way Shippo wants it, the label is the carrier's,
money comes back when a label is voided, and only Shippo's webhooks move a parcel.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from example_shop.fake_carriers import labels
from example_shop.fake_carriers.shippo import API_KEY, FakeShippo
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
from flask_returns.carriers.shippo import ShippoProvider, from_options
from flask_returns.documents.providers import PackLine
from flask_returns.errors import ConfigurationError
from flask_returns.orders import Address

CUSTOMER = Address(
    "Ada Lovelace",
    "215 Clayton St",
    "San Francisco",
    "94117",
    "US",
    region="CA",
    phone="4155550100",
)
SHOP = Address(
    "Returns desk", "500 Dock Rd", "Columbus", "43215", "US", region="OH", company="Hippo Goods"
)
REQUEST = ShipmentRequest(
    key="flask-returns:RMA-7F3K:label:1",
    rma="RMA-7F3K",
    order_number="1001",
    sender=CUSTOMER,
    recipient=SHOP,
    customer_email="ada@example.com",
    parcel=Parcel(weight_grams=1200, length_cm=30, width_cm=20, height_cm=12.5),
    lines=(PackLine("Kettle", "KET-1", 1),),
    locale="en",
)


@pytest.fixture
def fake(shippo: FakeShippo) -> FakeShippo:
    """The session's fake Shippo (tests/carrier_helpers.py), emptied for this test."""
    return shippo


def provider(fake: FakeShippo, timeout: float = 2.0, **options: Any) -> ShippoProvider:
    return from_options({**fake.options(), **options}, timeout=timeout)


def book(fake: FakeShippo, **options: Any) -> tuple[BookedShipment, list[str]]:
    drafts: list[str] = []
    return provider(fake, **options).book(REQUEST, drafts.append), drafts


def test_books_an_ordinary_return_label_from_the_customer_to_the_shop(fake: FakeShippo) -> None:
    booked, drafts = book(fake)

    assert isinstance(provider(fake), ShipmentProvider)
    [created] = fake.sent("POST", "/shipments")
    assert created.headers["authorization"] == f"ShippoToken {API_KEY}"
    shipment = created.json()
    # Not scan-based: an ordinary label, the customer sends it to the shop.
    assert shipment["address_from"]["name"] == "Ada Lovelace"
    assert shipment["address_from"]["street1"] == "215 Clayton St"
    assert shipment["address_from"]["email"] == "ada@example.com"
    assert shipment["address_to"]["company"] == "Hippo Goods"
    assert shipment["address_to"]["zip"] == "43215"
    assert "is_return" not in shipment["extra"]
    assert shipment["extra"]["reference_1"] == "RMA-7F3K"
    assert shipment["parcels"] == [
        {
            "mass_unit": "g",
            "weight": "1200",
            "distance_unit": "cm",
            "length": "30",
            "width": "20",
            "height": "12.5",
        }
    ]
    assert shipment["metadata"] == REQUEST.key
    assert shipment["async"] is False
    assert drafts == [next(iter(fake.shipments))]

    [bought] = fake.sent("POST", "/transactions")
    cheapest = fake.shipments[drafts[0]]["rates"][0]
    assert bought.json() == {
        "rate": cheapest["object_id"],
        "async": False,
        "label_file_type": "PDF_4x6",
        "metadata": REQUEST.key,
    }
    assert fake.purchases == 1

    assert booked.tracking_number.startswith("9205590") and len(booked.tracking_number) == 22
    assert booked.reference in fake.transactions
    assert (booked.carrier, booked.service) == ("usps", "Ground Advantage")
    assert (booked.cost, booked.currency, booked.pay_on_use) == (785, "USD", False)
    assert booked.tracking_url.endswith(booked.tracking_number)
    assert booked.label.media_type == "application/pdf"
    assert booked.label.data == labels.pdf_label(booked.tracking_number, "USPS")
    assert booked.qr_code is None
    # The label's signed URL gets no API token.
    [download] = fake.sent("GET", r"/files/\w+\.pdf")
    assert "authorization" not in download.headers


def test_pay_on_scan_is_shippos_return_flag_with_the_outbound_addresses(fake: FakeShippo) -> None:
    booked, _ = book(fake, pay_on_scan=True)

    shipment = fake.sent("POST", "/shipments")[0].json()
    assert shipment["extra"]["is_return"] is True
    # Shippo swaps them itself: from = the shop, to = the customer.
    assert shipment["address_from"]["company"] == "Hippo Goods"
    assert shipment["address_to"]["name"] == "Ada Lovelace"
    assert (booked.pay_on_use, booked.cost, booked.currency) == (True, None, "")
    assert provider(fake, pay_on_scan=True).void(booked) is VoidOutcome.NOT_NEEDED
    assert fake.sent("POST", "/refunds") == [] and fake.voids == 0


def test_carrier_and_service_level_choose_the_rate(fake: FakeShippo) -> None:
    priority, _ = book(fake, servicelevel="usps_priority")
    ups, _ = book(fake, carrier="ups")

    assert (priority.service, priority.cost) == ("Priority Mail", 960)
    assert (ups.carrier, ups.service, ups.cost) == ("ups", "Ground", 1140)
    assert ups.tracking_number.startswith("1Z") and len(ups.tracking_number) == 18
    with pytest.raises(CarrierRefused, match="no rate for FedEx"):
        book(fake, carrier="FedEx")
    assert fake.purchases == 2


def test_qr_code_and_png_label_when_asked(fake: FakeShippo) -> None:
    booked, _ = book(fake, qr_code=True, label_file_type="PNG")

    assert fake.sent("POST", "/shipments")[0].json()["extra"]["qr_code_requested"] is True
    assert fake.sent("POST", "/transactions")[0].json()["label_file_type"] == "PNG"
    assert booked.label.media_type == "image/png"
    assert booked.label.data == labels.png_label(booked.tracking_number, "USPS")
    assert booked.qr_code is not None and booked.qr_code.media_type == "image/png"
    assert booked.qr_code.data == labels.qr_png(booked.tracking_number)


def test_a_lost_purchase_answer_is_found_without_buying_again(fake: FakeShippo) -> None:
    shippo = provider(fake, timeout=0.5)
    drafts: list[str] = []
    fake.hang_next(r"^/transactions$", 1.2)
    with pytest.raises(CarrierUnavailable):
        shippo.book(REQUEST, drafts.append)
    assert fake.purchases == 1  # Shippo bought it; the answer never came

    found = shippo.find(REQUEST, drafts[0])

    assert found is not None and found.reference in fake.transactions
    assert found.tracking_number == next(iter(fake.transactions.values()))["tracking_number"]
    assert found.cost == 785 and found.label.media_type == "application/pdf"
    assert fake.sent("GET", "/transactions")[0].query["rate"]
    assert fake.purchases == 1
    assert len(fake.sent("POST", "/transactions")) == 1


def test_slow_answers_before_the_purchase_spend_one_timeout_in_all(fake: FakeShippo) -> None:
    # Each answer comes within the timeout, but together they take longer than the
    # booking module waits for a call: the purchase is not sent late.
    fake.hang_next(r"^/shipments$", 0.35)
    fake.hang_next(r"^/carrier_accounts/", 0.35)
    with pytest.raises(CarrierUnavailable):
        provider(fake, timeout=0.5).book(REQUEST, lambda draft: None)
    assert fake.sent("POST", "/transactions") == [] and fake.purchases == 0


def test_find_says_nothing_was_bought_when_nothing_was(fake: FakeShippo) -> None:
    shippo = provider(fake)
    assert shippo.find(REQUEST, "") is None
    assert fake.requests == []  # no shipment remembered: no purchase can exist

    drafts: list[str] = []
    fake.fail_next(r"^/transactions$", 1, 500)
    with pytest.raises(CarrierUnavailable, match="500"):
        shippo.book(REQUEST, drafts.append)
    # The SDK did not resend the purchase on its own.
    assert len(fake.sent("POST", "/transactions")) == 1
    assert shippo.find(REQUEST, drafts[0]) is None
    assert shippo.find(REQUEST, "0123456789abcdef0123456789abcdef") is None

    booked = shippo.book(REQUEST, drafts.append)
    assert booked.reference in fake.transactions and fake.purchases == 1


def test_unreachable_shippo_is_unavailable(fake: FakeShippo) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with pytest.raises(CarrierUnavailable, match="did not answer"):
        provider(fake, timeout=0.5, base_url=nobody).book(REQUEST, lambda draft: None)


def test_a_refused_address_names_the_customers_address_in_shippos_words(fake: FakeShippo) -> None:
    fake.refuse_next_address("The ZIP code 94117 does not match the city")
    with pytest.raises(CarrierRefused) as refused:
        book(fake)
    assert "The ZIP code 94117 does not match the city" in refused.value.message
    assert refused.value.field == "sender"

    fake.refuse_next_address("The ZIP code 94117 does not match the city")
    with pytest.raises(CarrierRefused) as refused:
        book(fake, pay_on_scan=True)  # address_to is the customer's here
    assert refused.value.field == "sender"
    assert fake.purchases == 0


def test_a_carrier_error_at_purchase_is_a_refusal_and_costs_nothing(fake: FakeShippo) -> None:
    fake.fail_next_purchase("Address validation failed for the sender")
    with pytest.raises(CarrierRefused, match="Address validation failed for the sender"):
        book(fake)
    assert fake.purchases == 0


def test_a_wrong_api_key_is_refused_with_shippos_words(fake: FakeShippo) -> None:
    with pytest.raises(CarrierRefused, match="Token does not exist"):
        book(fake, api_key="shippo_test_not_a_key")


@pytest.mark.parametrize(
    ("refund", "outcome"),
    [
        ("QUEUED", VoidOutcome.REQUESTED),
        ("PENDING", VoidOutcome.REQUESTED),
        ("SUCCESS", VoidOutcome.VOIDED),
        ("ERROR", VoidOutcome.REFUSED),
    ],
)
def test_void_is_a_refund(fake: FakeShippo, refund: str, outcome: VoidOutcome) -> None:
    booked, _ = book(fake)
    fake.refund_status = refund

    assert provider(fake).void(booked) is outcome
    assert fake.sent("POST", "/refunds")[0].json() == {
        "transaction": booked.reference,
        "async": False,
    }
    assert fake.voids == (0 if refund == "ERROR" else 1)


def test_voiding_again_after_a_lost_answer_reads_the_label(fake: FakeShippo) -> None:
    booked, _ = book(fake)
    fake.refund_status = "SUCCESS"
    assert provider(fake).void(booked) is VoidOutcome.VOIDED

    assert provider(fake).void(booked) is VoidOutcome.VOIDED  # Shippo: already refunded
    assert fake.voids == 1


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("PRE_TRANSIT", TrackingStatus.PRE_TRANSIT),
        ("TRANSIT", TrackingStatus.IN_TRANSIT),
        ("DELIVERED", TrackingStatus.DELIVERED),
        ("RETURNED", TrackingStatus.FAILURE),
        ("FAILURE", TrackingStatus.FAILURE),
        ("UNKNOWN", TrackingStatus.UNKNOWN),
    ],
)
def test_tracking_poll_maps_shippos_statuses(
    fake: FakeShippo, word: str, status: TrackingStatus
) -> None:
    booked, _ = book(fake)
    fake.set_tracking(booked.tracking_number, word, "Seen at the Columbus facility")

    update = provider(fake).track(booked)

    assert update is not None and update.status is status
    assert update.tracking_number == booked.tracking_number
    assert update.detail == "Seen at the Columbus facility"
    assert update.reference == booked.reference and update.occurred_at is not None
    assert fake.sent("GET", rf"/tracks/usps/{booked.tracking_number}")


def test_a_genuine_tracking_webhook_is_read(fake: FakeShippo) -> None:
    booked, _ = book(fake)
    headers, body, query = fake.webhook(
        booked.tracking_number, "DELIVERED", status_details="Delivered to the shop's dock"
    )

    [update] = provider(fake).webhook_updates(headers, body, query)

    assert update.tracking_number == booked.tracking_number
    assert update.status is TrackingStatus.DELIVERED
    assert update.detail == "Delivered to the shop's dock"
    assert update.reference == booked.reference
    assert update.occurred_at is not None and update.occurred_at.tzinfo is not None


def test_webhooks_without_the_shops_token_are_refused(fake: FakeShippo) -> None:
    booked, _ = book(fake)
    shippo = provider(fake)
    headers, body, query = fake.webhook(booked.tracking_number, "DELIVERED", forged=True)
    with pytest.raises(WebhookRefused):
        shippo.webhook_updates(headers, body, query)
    with pytest.raises(WebhookRefused):
        shippo.webhook_updates(headers, body, {})
    genuine = fake.webhook(booked.tracking_number, "DELIVERED")
    with pytest.raises(WebhookRefused, match="No Shippo webhook_secret"):
        provider(fake, webhook_secret="").webhook_updates(*genuine)
    with pytest.raises(WebhookRefused, match="malformed"):
        shippo.webhook_updates(genuine[0], b"{not json", genuine[2])


def test_other_webhook_events_are_ignored(fake: FakeShippo) -> None:
    booked, _ = book(fake)
    headers, body, query = fake.webhook(
        booked.tracking_number, "TRANSIT", event="transaction_created"
    )

    assert provider(fake).webhook_updates(headers, body, query) == []


def test_from_options_refuses_what_it_cannot_use(
    fake: FakeShippo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHIPPO_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match=r"unknown option.*apikey"):
        from_options({"apikey": "shippo_test_x"}, timeout=5)
    with pytest.raises(ConfigurationError, match="SHIPPO_API_KEY"):
        from_options({}, timeout=5)
    with pytest.raises(ConfigurationError, match="pay_on_scan must be a bool"):
        from_options({"api_key": "shippo_test_x", "pay_on_scan": "yes"}, timeout=5)
    with pytest.raises(ConfigurationError, match="label_file_type 'ZPLII'"):
        from_options({"api_key": "shippo_test_x", "label_file_type": "ZPLII"}, timeout=5)
    with pytest.raises(ConfigurationError, match="base_url"):
        from_options({"api_key": "shippo_test_x", "base_url": "localhost:8000"}, timeout=5)
    with pytest.raises(ConfigurationError, match="TIMEOUT"):
        from_options({"api_key": "shippo_test_x"}, timeout=0)

    # The key defaults from Shippo's usual variable.
    monkeypatch.setenv("SHIPPO_API_KEY", API_KEY)
    from_options({"base_url": fake.url}, timeout=5).book(REQUEST, lambda draft: None)
    assert fake.sent("POST", "/shipments")[0].headers["authorization"] == f"ShippoToken {API_KEY}"
