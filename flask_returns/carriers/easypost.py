"""EasyPost: a return label bought from any carrier on the shop's EasyPost account.

A return is an EasyPost ``Shipment`` created with ``is_return: true``. Creating it is
free and answers with the carriers' rates; buying one rate is what costs. EasyPost
wants the *outbound* addresses and swaps them on the label itself, so ``to_address``
is the customer (who sends the parcel back) and ``from_address`` is the shop (who
receives it), as the returns and insurance pages below say. ``reference`` is our
booking key; ``options`` ask for a 4x6 PDF label and print the RMA where the carrier
prints custom text (``print_custom_1``).

==================  ===========================  ===========================================
option              default                      meaning
==================  ===========================  ===========================================
``api_key``         ``$EASYPOST_API_KEY``        test (``EZTK…``) or production key
``base_url``        ``https://api.easypost.com/  another server speaking EasyPost's API
                    v2``                         (the SDK's ``api_base``; the demo's fake)
``carrier``         any                          only this carrier's rates (``"USPS"``)
``service``         any                          only this service (``"GroundAdvantage"``)
``webhook_secret``  none: every webhook refused  the secret set on the EasyPost webhook
``qr_code``         ``False``                    also ask USPS Label Broker for a QR code
==================  ===========================  ===========================================

Booking once: :meth:`EasyPostProvider.book` creates the shipment, picks the cheapest
rate allowed by ``carrier``/``service``, calls ``remember(shipment id)`` and only then
buys. After a lost answer :meth:`~EasyPostProvider.find` retrieves that shipment: a
``postage_label`` means it was bought. A lost answer to the *creation* leaves at
most an unbought draft behind, which costs nothing. Void asks for a refund
(``submitted`` -> requested, ``refunded`` -> voided, ``rejected`` -> refused,
``not_applicable`` for bill-on-scan carriers -> not needed). Tracking comes as
``tracker.created``/``tracker.updated`` Events, checked with the SDK's
``validate_webhook`` (HMAC-SHA256 of the body in ``X-Hmac-Signature``, keyed with
``webhook_secret``); the poll reads the shipment's ``tracker``.

Documentation relied on (read 2026): https://docs.easypost.com/docs/shipments,
https://docs.easypost.com/docs/shipments/returns (``is_return``),
https://docs.easypost.com/docs/insurance ("a Shipment with is_return set to true
actually ships to the listed from_address"), https://docs.easypost.com/docs/parcels
(ounces, inches), https://docs.easypost.com/docs/shipments/options,
https://docs.easypost.com/docs/shipments/shipping-refund,
https://docs.easypost.com/docs/shipments/forms (``label_qr_code``),
https://docs.easypost.com/docs/trackers, https://docs.easypost.com/docs/events,
https://docs.easypost.com/guides/webhooks-guide, https://docs.easypost.com/docs/errors.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import easypost
import requests
from easypost.errors import ApiError, EasyPostError, FilteringError, SignatureVerificationError

from ..documents.providers import JPEG, PDF, PNG, CarrierLabel
from ..errors import ConfigurationError
from ..money import from_major
from ..orders import Address
from .provider import (
    BookedShipment,
    CarrierError,
    CarrierRefused,
    CarrierUnavailable,
    ShipmentRequest,
    TrackingStatus,
    TrackingUpdate,
    VoidOutcome,
    WebhookRefused,
)

API_BASE = "https://api.easypost.com/v2"
_OPTIONS: dict[str, type] = dict.fromkeys(
    ("api_key", "base_url", "carrier", "service", "webhook_secret"), str
)
_OPTIONS["qr_code"] = bool
# Tracker.status words (docs/trackers). A return parcel waiting at a pickup point
# has not reached the shop yet; "error" means EasyPost could not track it.
_STATUSES = {
    "pre_transit": TrackingStatus.PRE_TRANSIT,
    "delivered": TrackingStatus.DELIVERED,
    **dict.fromkeys(
        ("in_transit", "out_for_delivery", "available_for_pickup"), TrackingStatus.IN_TRANSIT
    ),
    **dict.fromkeys(("return_to_sender", "failure", "cancelled"), TrackingStatus.FAILURE),
}
_REFUNDS = {
    "submitted": VoidOutcome.REQUESTED,
    "refunded": VoidOutcome.VOIDED,
    "rejected": VoidOutcome.REFUSED,
    "not_applicable": VoidOutcome.NOT_NEEDED,
}
_FIELDS = (("to_address", "sender"), ("from_address", "recipient"), ("parcel", "parcel"))
_SIGNATURES = ((PDF, b"%PDF-"), (PNG, b"\x89PNG\r\n\x1a\n"), (JPEG, b"\xff\xd8\xff"))


def _failure(error: Exception) -> CarrierError:
    """A refusal (4xx but timeouts and rate limits) keeps EasyPost's words; else unknown."""
    status = getattr(error, "http_status", None)
    if isinstance(error, ApiError) and status and 400 <= status < 500 and status not in (408, 429):
        details = [
            e.get("message", "") if isinstance(e, dict) else str(e) for e in error.errors or []
        ]
        fields = [str(e.get("field", "")) for e in error.errors or [] if isinstance(e, dict)]
        field = next((ours for f in fields for theirs, ours in _FIELDS if f.startswith(theirs)), "")
        words = error.message + (f" ({'; '.join(d for d in details if d)})" if any(details) else "")
        return CarrierRefused(words, field)
    return CarrierUnavailable(f"EasyPost did not answer: {error}")


def _address(a: Address, email: str = "") -> dict[str, str]:
    keys = ("name", "company", "street1", "street2", "city", "state", "zip", "country", "phone")
    values = (a.name, a.company, a.line1, a.line2, a.city, a.region, a.postal_code, a.country)
    return {k: v for k, v in zip((*keys, "email"), (*values, a.phone, email), strict=True) if v}


def _tenths_up(value: float) -> float:
    # Parcels take one decimal; rounding up never declares less than the box is.
    return math.ceil(round(value * 10, 6)) / 10


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _update(tracker: Mapping[str, Any]) -> TrackingUpdate:
    details = list(tracker.get("tracking_details") or [])
    last = details[-1] if details else {}
    return TrackingUpdate(
        tracking_number=str(tracker.get("tracking_code") or ""),
        status=_STATUSES.get(str(tracker.get("status")), TrackingStatus.UNKNOWN),
        occurred_at=_when(last.get("datetime") or tracker.get("updated_at")),
        detail=str(last.get("message") or tracker.get("status_detail") or ""),
        reference=str(tracker.get("shipment_id") or ""),
    )


class EasyPostProvider:
    """Books return labels through EasyPost with the official SDK (``easypost``)."""

    name = "easypost"

    def __init__(
        self,
        api_key: str,
        *,
        timeout: float,
        base_url: str = API_BASE,
        carrier: str = "",
        service: str = "",
        webhook_secret: str = "",
        qr_code: bool = False,
    ) -> None:
        # The SDK hands ``timeout`` to requests for every call (it accepts floats).
        self._client = easypost.EasyPostClient(api_key, api_base=base_url, timeout=timeout)  # type: ignore[arg-type]
        self._timeout = timeout
        self._carrier, self._service = carrier, service
        self._webhook_secret = webhook_secret
        self._qr_code = qr_code

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except EasyPostError as error:
            raise _failure(error) from error

    def book(self, request: ShipmentRequest, remember: Callable[[str], None]) -> BookedShipment:
        parcel = request.parcel
        shipment = self._call(
            self._client.shipment.create,
            is_return=True,
            to_address=_address(request.sender, request.customer_email),
            from_address=_address(request.recipient),
            parcel={
                "weight": _tenths_up(parcel.weight_grams / 28.349523125),
                "length": _tenths_up(parcel.length_cm / 2.54),
                "width": _tenths_up(parcel.width_cm / 2.54),
                "height": _tenths_up(parcel.height_cm / 2.54),
            },
            reference=request.key,
            options={"label_format": "PDF", "label_size": "4x6", "print_custom_1": request.rma},
        )
        try:
            rate = shipment.lowest_rate(
                [self._carrier] if self._carrier else None,
                [self._service] if self._service else None,
            )
        except FilteringError as error:
            wanted = " ".join(w for w in (self._carrier, self._service) if w) or "any carrier"
            said = "; ".join(
                f"{m.get('carrier', '')}: {m.get('message', '')}"
                for m in shipment.get("messages") or []
            )
            raise CarrierRefused(
                f"EasyPost has no rate for {wanted}" + (f" ({said})" if said else "")
            ) from error
        remember(shipment.id)
        return self._booked(self._call(self._client.shipment.buy, shipment.id, rate=rate))

    def find(self, request: ShipmentRequest, draft: str) -> BookedShipment | None:
        if not draft:
            return None  # the creation's answer was lost: nothing was bought
        shipment = self._retrieve(draft)
        if shipment is None or shipment.get("reference") not in (None, request.key):
            return None
        return self._booked(shipment) if shipment.get("postage_label") else None

    def void(self, shipment: BookedShipment) -> VoidOutcome:
        try:
            refunded = self._client.shipment.refund(shipment.reference)
        except EasyPostError as error:
            failure, status = _failure(error), getattr(error, "http_status", None)
            # Used, too late or already refunded: this label is refused (a bad key is not).
            if isinstance(failure, CarrierRefused) and status not in (401, 403):
                return VoidOutcome.REFUSED
            raise failure from error
        outcome = _REFUNDS.get(str(refunded.get("refund_status")))
        if outcome is None:
            raise CarrierUnavailable(f"EasyPost gave no refund status for {shipment.reference}")
        return outcome

    def track(self, shipment: BookedShipment) -> TrackingUpdate | None:
        found = self._retrieve(shipment.reference)
        tracker = found.get("tracker") if found is not None else None
        return _update(tracker.to_dict()) if tracker else None

    def webhook_updates(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> list[TrackingUpdate]:
        if not self._webhook_secret:
            raise WebhookRefused("no EasyPost webhook_secret is configured: webhooks are refused")
        signature = next((v for k, v in headers.items() if k.lower() == "x-hmac-signature"), "")
        try:
            # The SDK reads the header by its exact name; ours may come lower-cased.
            event = easypost.validate_webhook(
                body, {"X-Hmac-Signature": signature}, self._webhook_secret
            )
        except (SignatureVerificationError, ValueError) as error:
            raise WebhookRefused(f"EasyPost webhook refused: {error}") from error
        if not isinstance(event, dict) or event.get("object") != "Event":
            raise WebhookRefused("EasyPost webhook refused: the body is not an Event")
        if event.get("description") not in ("tracker.created", "tracker.updated"):
            return []
        tracker = event.get("result")
        if not isinstance(tracker, dict) or not tracker.get("tracking_code"):
            raise WebhookRefused("EasyPost webhook refused: a tracker event without a tracker")
        return [_update(tracker)]

    # ---------------------------------------------------------------- helpers
    def _retrieve(self, shipment_id: str) -> Any:
        try:
            return self._client.shipment.retrieve(shipment_id)
        except EasyPostError as error:
            if getattr(error, "http_status", None) == 404:
                return None
            raise _failure(error) from error

    def _download(self, url: str) -> CarrierLabel:
        try:
            answer = requests.get(url, timeout=self._timeout)
            answer.raise_for_status()
        except requests.RequestException as error:
            raise CarrierUnavailable(f"the label at {url} could not be fetched: {error}") from error
        for media_type, start in _SIGNATURES:
            if answer.content.startswith(start):
                return CarrierLabel(answer.content, media_type)
        raise CarrierUnavailable(f"the label at {url} is not a PDF, PNG or JPEG")

    def _qr(self, shipment: Any) -> CarrierLabel | None:
        """USPS Label Broker's code, made once and kept in the shipment's ``forms``."""
        forms = [f for f in shipment.get("forms") or [] if f.get("form_type") == "label_qr_code"]
        try:
            if not forms:
                made = self._call(self._client.shipment.generate_form, shipment.id, "label_qr_code")
                forms = [
                    f for f in made.get("forms") or [] if f.get("form_type") == "label_qr_code"
                ]
            return self._download(forms[-1].form_url) if forms else None
        except CarrierError:
            return None  # the printable label still works: the code is a convenience

    def _booked(self, shipment: Any) -> BookedShipment:
        rate, label, tracker = (
            shipment.selected_rate,
            shipment.postage_label,
            shipment.get("tracker"),
        )
        try:
            cost: int | None = from_major(Decimal(str(rate.rate)), str(rate.currency))
        except (ValueError, InvalidOperation):
            cost = None  # a currency or amount Stripe's units cannot hold: shown without
        return BookedShipment(
            reference=shipment.id,
            tracking_number=shipment.tracking_code,
            tracking_url=str(tracker.get("public_url") or "") if tracker else "",
            carrier=rate.carrier,
            service=rate.service,
            label=self._download(label.get("label_pdf_url") or label.label_url),
            cost=cost,
            currency=str(rate.currency) if cost is not None else "",
            qr_code=self._qr(shipment) if self._qr_code else None,
        )


def from_options(options: Mapping[str, Any], *, timeout: float) -> EasyPostProvider:
    """The provider ``RETURNS_CARRIER_OPTIONS`` describe, or a ConfigurationError saying why not."""
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise ConfigurationError(
            f"RETURNS_CARRIER_OPTIONS for easypost has unknown keys {', '.join(unknown)}; "
            f"it takes {', '.join(_OPTIONS)}"
        )
    for key, kind in _OPTIONS.items():
        if key in options and not isinstance(options[key], kind):
            raise ConfigurationError(
                f"RETURNS_CARRIER_OPTIONS['{key}'] for easypost must be a {kind.__name__}, "
                f"not {options[key]!r}"
            )
    api_key = options.get("api_key") or os.environ.get("EASYPOST_API_KEY", "")
    if not api_key:
        raise ConfigurationError(
            "easypost needs an API key: set RETURNS_CARRIER_OPTIONS['api_key'] or the "
            "EASYPOST_API_KEY environment variable"
        )
    base_url = options.get("base_url", API_BASE).rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        raise ConfigurationError(
            f"RETURNS_CARRIER_OPTIONS['base_url'] must be an http(s) URL, not {base_url!r}"
        )
    return EasyPostProvider(
        api_key,
        timeout=timeout,
        base_url=base_url,
        carrier=options.get("carrier", ""),
        service=options.get("service", ""),
        webhook_secret=options.get("webhook_secret", ""),
        qr_code=options.get("qr_code", False),
    )


__all__ = ["API_BASE", "EasyPostProvider", "from_options"]
