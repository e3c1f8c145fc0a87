"""Shippo: one return label per parcel, bought through Shippo's API with its ``shippo`` SDK.

Shippo sells labels of many carriers (USPS, UPS, FedEx, DHL, ...). A label is two
calls: a *Shipment* (addresses and parcel; free, it answers the carriers' rates),
then a *Transaction* that buys one rate and answers the label's URL and tracking
number (https://docs.goshippo.com/api-reference/transactions/create-a-shipping-label).

``RETURNS_CARRIER_OPTIONS`` (``RETURNS_CARRIER = "shippo"``; the cheapest rate left is bought):

================  =================  ==========================================================
key               default            meaning
================  =================  ==========================================================
api_key           $SHIPPO_API_KEY    ``shippo_live_...`` or ``shippo_test_...``, sent as
                                     ``Authorization: ShippoToken <key>``
base_url          Shippo's API       another server for the SDK (``server_url``): the fake, a proxy
carrier           "" (any)           only rates of this provider, as Shippo names it ("USPS", "UPS")
servicelevel      "" (any)           only this service level token ("usps_ground_advantage")
pay_on_scan       False              Shippo's scan-based return label (``extra.is_return``):
                                     free unless used; USPS, FedEx and UPS only
qr_code           False              ask for a drop-off QR code (``extra.qr_code_requested``;
                                     USPS and Evri)
label_file_type   "PDF_4x6"          "PDF_4x6", "PDF", "PDF_A4", "PDF_A6" or "PNG"
webhook_secret    "" (refuse all)    the token the shop puts in its webhook URL as ``?token=``
================  =================  ==========================================================

**Addresses.** An ordinary label goes ``address_from`` = the customer (sender),
``address_to`` = the shop. With ``pay_on_scan`` Shippo wants the addresses of the
outbound parcel, ``address_from`` = the shop, ``address_to`` = the customer, and swaps
them on the label itself (https://docs.goshippo.com/docs/shipments/returns/): in
Shippo ``is_return`` *is* the scan-based flag, so an ordinary label does not send it.

**Booking once.** The shipment carries ``metadata`` = our key; its id is handed to
``remember`` before the transaction (``metadata`` = our key) buys the rate. Shippo
takes no idempotency key, so :meth:`ShippoProvider.find` asks again: it reads the
remembered shipment and lists the transactions of each of its rates
(``GET /transactions?rate=``, the filter the list endpoint has, besides
``object_status`` and ``tracking_status``:
https://docs.goshippo.com/api-reference/transactions/list-all-shipping-labels); a
``SUCCESS`` one is the label bought. A purchase whose shipment id was never
remembered bought nothing. The SDK 3.9.0 never uses its ``retry_config``, and
``requests`` does not resend a POST: a purchase is sent once. The SDK sends with no
timeout; here each call gets ``RETURNS_CARRIER_TIMEOUT``, and the calls of ``book`` up
to the purchase share one, so a purchase is over one timeout after ``book`` began.

**Void** is a refund (``POST /refunds``,
https://docs.goshippo.com/api-reference/refunds/create-a-refund): ``QUEUED`` and
``PENDING`` are requested, ``SUCCESS`` voided, ``ERROR`` refused; a refused request
reads the transaction's own refund status. A scan-based label costs nothing unused:
NOT_NEEDED, no call.

**Tracking.** Shippo posts ``track_updated`` events of the labels it sold to the
account's webhook (https://docs.goshippo.com/docs/tracking/webhooks). It does not sign
them unless its staff set up HMAC for the account; the self-service check is a
token of the shop's own in the webhook URL, which Shippo posts back
(https://docs.goshippo.com/docs/tracking/webhooksecurity): set it as
``webhook_secret``; without one every webhook is refused. The poll is
``GET /tracks/<carrier>/<number>``
(https://docs.goshippo.com/api-reference/tracking-status/get-a-tracking-status); the
carrier token (``usps``) comes from the rate's carrier account and is what
:attr:`BookedShipment.carrier` holds.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import requests
import shippo
from shippo.models import components, errors, operations

from ..documents.providers import JPEG, PDF, PNG, CarrierLabel
from ..errors import ConfigurationError
from ..money import from_major
from .provider import (
    BookedShipment,
    CarrierRefused,
    CarrierUnavailable,
    ShipmentRequest,
    TrackingStatus,
    TrackingUpdate,
    VoidOutcome,
    WebhookRefused,
)
from .shippo_wire import (
    TimedSession,
    address_request,
    amount_of,
    error_words,
    said,
    word_of,
)

API_KEY_VARIABLE = "SHIPPO_API_KEY"
LABEL_FILE_TYPES = ("PDF_4x6", "PDF", "PDF_A4", "PDF_A6", "PNG")  # what CarrierLabel can hold
# Every option and its default; an option has the type of its default.
DEFAULTS: dict[str, Any] = {
    "api_key": "",
    "base_url": "",
    "carrier": "",
    "servicelevel": "",
    "pay_on_scan": False,
    "qr_code": False,
    "label_file_type": "PDF_4x6",
    "webhook_secret": "",
}
# Shippo's tracking words (components.TrackingStatusEnum); a return coming back to the
# customer (RETURNED) never reaches the shop.
STATUSES = {
    "PRE_TRANSIT": TrackingStatus.PRE_TRANSIT,
    "TRANSIT": TrackingStatus.IN_TRANSIT,
    "DELIVERED": TrackingStatus.DELIVERED,
    "RETURNED": TrackingStatus.FAILURE,
    "FAILURE": TrackingStatus.FAILURE,
    "UNKNOWN": TrackingStatus.UNKNOWN,
}
# A refund's status, or (after a refused refund) the transaction's.
_VOIDS = {
    "QUEUED": VoidOutcome.REQUESTED,
    "PENDING": VoidOutcome.REQUESTED,
    "SUCCESS": VoidOutcome.VOIDED,
    "ERROR": VoidOutcome.REFUSED,
    "REFUNDPENDING": VoidOutcome.REQUESTED,
    "REFUNDED": VoidOutcome.VOIDED,
    "REFUNDREJECTED": VoidOutcome.REFUSED,
}
_SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))


class ShippoProvider:
    """Books, finds, voids and tracks Shippo return labels (see the module)."""

    name = "shippo"

    def __init__(self, options: Mapping[str, Any], *, api_key: str, timeout: float) -> None:
        """``options`` as :func:`from_options` checked them, every key present."""
        self._options = options
        self._http = TimedSession(timeout)
        self._sdk = shippo.Shippo(
            api_key_header=f"ShippoToken {api_key}",
            server_url=options["base_url"] or None,
            client=self._http,
            retry_config=None,  # never resend a purchase; see the module
        )
        self._pay_on_scan = options["pay_on_scan"]
        # Which request address is whose, to name the one Shippo refuses.
        sides = ("recipient", "sender") if self._pay_on_scan else ("sender", "recipient")
        self._fields = {"address_from": sides[0], "address_to": sides[1], "parcels": "parcel"}
        self._carriers: dict[str, str] = {}  # carrier account id -> carrier token

    # ------------------------------------------------------------------ booking
    def book(self, request: ShipmentRequest, remember: Callable[[str], None]) -> BookedShipment:
        with self._http.budget():  # draft, carrier and purchase: one timeout in all
            shipment = self._call(self._sdk.shipments.create, self._shipment(request))
            remember(shipment.object_id)
            rate = self._choose(shipment)
            carrier = self._carrier_token(rate.carrier_account)
            transaction = self._call(
                self._sdk.transactions.create,
                components.TransactionCreateRequest(
                    rate=rate.object_id,
                    async_=False,
                    label_file_type=components.LabelFileTypeEnum(self._options["label_file_type"]),
                    metadata=request.key,
                ),
            )
        if transaction.status == components.TransactionStatusEnum.ERROR:
            raise CarrierRefused(said(transaction.messages) or "Shippo could not buy the label")
        if transaction.status != components.TransactionStatusEnum.SUCCESS:
            raise CarrierUnavailable(f"Shippo is still buying the label ({transaction.status})")
        return self._booked(transaction, rate, carrier)

    def find(self, request: ShipmentRequest, draft: str) -> BookedShipment | None:
        if not draft:
            return None  # no shipment, so no purchase either
        shipment = self._call(self._sdk.shipments.get, draft, missing_ok=True)
        if shipment is None:
            return None
        pending = False
        # The rate book() would buy first, then the others (options may have changed).
        for rate in sorted(shipment.rates, key=lambda r: r not in self._matching(shipment.rates)):
            found = self._call(
                self._sdk.transactions.list,
                operations.ListTransactionsRequest(rate=rate.object_id, results=100),
            )
            for transaction in found.results or []:
                if transaction.status == components.TransactionStatusEnum.SUCCESS:
                    return self._booked(
                        transaction, rate, self._carrier_token(rate.carrier_account)
                    )
                pending = pending or transaction.status in ("QUEUED", "WAITING")
        if pending:
            raise CarrierUnavailable("Shippo is still buying the label of shipment " + draft)
        return None

    def _shipment(self, request: ShipmentRequest) -> components.ShipmentCreateRequest:
        customer = address_request(request.sender, request.customer_email)
        shop = address_request(request.recipient, "")
        parcel = request.parcel
        return components.ShipmentCreateRequest(
            address_from=shop if self._pay_on_scan else customer,
            address_to=customer if self._pay_on_scan else shop,
            parcels=[
                components.ParcelCreateRequest(
                    mass_unit=components.WeightUnitEnum.G,
                    weight=str(parcel.weight_grams),
                    distance_unit=components.DistanceUnitEnum.CM,
                    length=f"{parcel.length_cm:g}",
                    width=f"{parcel.width_cm:g}",
                    height=f"{parcel.height_cm:g}",
                )
            ],
            extra=components.ShipmentExtra(
                is_return=True if self._pay_on_scan else None,
                qr_code_requested=True if self._options["qr_code"] else None,
                reference_1=request.rma[:50],  # printed on the label where the carrier can
            ),
            metadata=request.key,
            async_=False,  # the rates in the answer
        )

    def _matching(self, rates: list[components.Rate]) -> list[components.Rate]:
        carrier, level = self._options["carrier"].casefold(), self._options["servicelevel"]
        return [
            r
            for r in rates
            if (not carrier or r.provider.casefold() == carrier)
            and (not level or r.servicelevel.token == level)
        ]

    def _choose(self, shipment: components.Shipment) -> components.Rate:
        rates = self._matching(shipment.rates)
        if not rates:
            wanted = self._options["carrier"] + " " + self._options["servicelevel"]
            wanted = wanted.strip() or "any carrier"
            words = said(shipment.messages)
            raise CarrierRefused(
                f"Shippo has no rate for {wanted}" + (f": {words}" if words else "")
            )
        return min(rates, key=lambda r: (amount_of(r.amount), r.object_id))

    def _carrier_token(self, account: str) -> str:
        if account not in self._carriers:
            self._carriers[account] = self._call(self._sdk.carrier_accounts.get, account).carrier
        return self._carriers[account]

    def _booked(
        self, transaction: components.Transaction, rate: components.Rate, carrier: str
    ) -> BookedShipment:
        cost, currency = None, ""
        if not self._pay_on_scan:  # a scan-based label is billed when used, if ever
            try:
                cost, currency = from_major(amount_of(rate.amount), rate.currency), rate.currency
            except ValueError:
                pass  # a price we cannot store is no reason to lose a bought label
        qr_code = None
        if self._options["qr_code"] and transaction.qr_code_url:
            try:
                qr_code = self._download(transaction.qr_code_url, "QR code")
            except CarrierUnavailable:
                pass  # the printed label still works; the code is a convenience
        return BookedShipment(
            reference=transaction.object_id or "",
            tracking_number=transaction.tracking_number or "",
            tracking_url=transaction.tracking_url_provider or "",
            carrier=carrier,
            service=rate.servicelevel.name or rate.servicelevel.token or "",
            label=self._download(transaction.label_url or "", "label"),
            cost=cost,
            currency=currency,
            qr_code=qr_code,
            pay_on_use=self._pay_on_scan,
        )

    def _download(self, url: str, what: str) -> CarrierLabel:
        try:
            answer = self._http.get(url)  # a signed file URL: no token sent
        except requests.RequestException as error:
            raise CarrierUnavailable(f"Shippo's {what} did not download: {error}") from error
        kind = next((t for sig, t in _SIGNATURES if answer.content.startswith(sig)), None)
        if answer.status_code != 200 or kind is None:
            raise CarrierUnavailable(
                f"Shippo's {what} did not download (HTTP {answer.status_code})"
            )
        return CarrierLabel(answer.content, kind)

    # ------------------------------------------------------------------ after
    def void(self, shipment: BookedShipment) -> VoidOutcome:
        if shipment.pay_on_use:
            return VoidOutcome.NOT_NEEDED
        try:
            refund = self._call(self._sdk.refunds.create, shipment.reference, False)
        except CarrierRefused:
            # Refunded before (a lost answer), or not refundable: the label says which.
            transaction = self._call(self._sdk.transactions.get, shipment.reference)
            return _VOIDS.get(word_of(transaction.status), VoidOutcome.REFUSED)
        return _VOIDS.get(word_of(refund.status), VoidOutcome.REQUESTED)

    def track(self, shipment: BookedShipment) -> TrackingUpdate | None:
        if not (shipment.tracking_number and shipment.carrier):
            return None
        found = self._call(
            self._sdk.tracking_status.get, shipment.tracking_number, shipment.carrier
        )
        status = found.tracking_status
        if status is None:
            return None
        return TrackingUpdate(
            tracking_number=found.tracking_number,
            status=STATUSES.get(word_of(status.status), TrackingStatus.UNKNOWN),
            occurred_at=status.status_date,
            detail=status.status_details or "",
            reference=found.transaction or "",
        )

    def webhook_updates(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> list[TrackingUpdate]:
        secret = self._options["webhook_secret"]
        if not secret:
            raise WebhookRefused("No Shippo webhook_secret is set: every webhook is refused")
        if not hmac.compare_digest(query.get("token", "").encode(), secret.encode()):
            raise WebhookRefused("The Shippo webhook's ?token= is missing or wrong")
        try:
            payload = json.loads(body)
            if payload.get("event") != "track_updated":
                return []
            data = payload["data"]
            status = data.get("tracking_status")
            if not status:
                return []
            when = status.get("status_date")
            return [
                TrackingUpdate(
                    tracking_number=str(data["tracking_number"]),
                    status=STATUSES.get(status.get("status"), TrackingStatus.UNKNOWN),
                    occurred_at=datetime.fromisoformat(when) if when else None,
                    detail=str(status.get("status_details") or ""),
                    reference=str(data.get("transaction") or ""),
                )
            ]
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise WebhookRefused(f"The Shippo webhook is malformed: {error!r}") from error

    # ------------------------------------------------------------------ calls
    def _call(self, operation: Callable[..., Any], *args: Any, missing_ok: bool = False) -> Any:
        """One SDK call, its failures as the provider's errors."""
        try:
            return operation(*args)
        except errors.SDKError as error:
            if missing_ok and error.status_code == 404:
                return None
            words, field = error_words(error.body, self._fields)
            said = f"Shippo answered {error.status_code}: {words}"
            if (
                error.status_code < 400
                or error.status_code >= 500
                or error.status_code in (408, 409, 429)
            ):
                raise CarrierUnavailable(said) from error  # busy or broken: try again later
            raise CarrierRefused(words, field) from error
        except requests.RequestException as error:
            raise CarrierUnavailable(f"Shippo did not answer: {error}") from error
        except (KeyError, AttributeError, TypeError, ValueError) as error:
            raise CarrierUnavailable(f"Shippo's answer could not be read: {error}") from error


def from_options(options: Mapping[str, Any], *, timeout: float) -> ShippoProvider:
    """A provider from ``RETURNS_CARRIER_OPTIONS``, every key checked."""

    def wrong(why: str) -> ConfigurationError:
        return ConfigurationError(f"RETURNS_CARRIER_OPTIONS for shippo: {why}")

    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        raise wrong(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(DEFAULTS)}")
    checked = {**DEFAULTS, **options}
    for key, default in DEFAULTS.items():
        if type(checked[key]) is not type(default):
            kind = type(default).__name__
            raise wrong(f"{key} must be a {kind}, not {type(checked[key]).__name__}")
    api_key = (checked["api_key"] or os.environ.get(API_KEY_VARIABLE, "")).strip()
    if not api_key:
        raise wrong(f"Shippo needs an API key: set api_key or {API_KEY_VARIABLE}")
    if checked["label_file_type"] not in LABEL_FILE_TYPES:
        raise wrong(
            f"label_file_type {checked['label_file_type']!r} is not one of "
            f"{', '.join(LABEL_FILE_TYPES)} (labels are printed from PDF or PNG)"
        )
    if checked["base_url"] and not checked["base_url"].startswith(("https://", "http://")):
        raise wrong(f"base_url {checked['base_url']!r} is not an http(s) URL")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigurationError(f"RETURNS_CARRIER_TIMEOUT must be a positive number: {timeout!r}")
    api_key = api_key.removeprefix("ShippoToken ").strip()  # the provider adds the scheme
    return ShippoProvider(checked, api_key=api_key, timeout=float(timeout))
