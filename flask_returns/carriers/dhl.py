"""DHL Parcel DE Returns ("DHL Retoure Online"): one return label per parcel, paid on use.

The shop's DHL business customer account books a return label for the customer's
parcel; the customer prints it or shows its QR code at a DHL drop-off point, and
the parcel travels to the returns recipient set up in the DHL business portal.
DHL has no SDK for this API, so it is called with ``requests``.
API: https://developer.dhl.com/api-reference/dhl-parcel-de-returns-post-parcel-germany
(OpenAPI 1.0.9: ``POST /orders``, ``ReturnOrder``, ``ReturnOrderConfirmation``).

Options (``RETURNS_CARRIER_OPTIONS``), key: default, meaning:

- ``api_key``: ``$DHL_API_KEY``; the key of the developer.dhl.com app (``dhl-api-key``).
- ``username`` / ``password``: ``$DHL_USERNAME`` / ``$DHL_PASSWORD``; the business
  portal user with the "Returns" right (HTTP Basic auth). DHL has no SDK and so no
  usual variable names: these are this module's.
- ``receiver_id``: the sender country's alpha-3 code in lower case; the returns
  recipient set up in the portal. A string for every sender, or a dict from an EU
  country's alpha-2 code to the recipient for senders from there.
- ``label_type``: ``"BOTH"`` (printable label and QR code for printer-free drop-off),
  ``"SHIPMENT_LABEL"`` or ``"QR_LABEL"`` (the QR code then also stands as the label).
- ``base_url``: ``https://api-eu.dhl.com/parcel/de/shipping/returns/v1``.
- ``tracking_api_key``: ``api_key``; the key of an app with Shipment Tracking - Unified.
- ``tracking_base_url``: ``https://api-eu.dhl.com/track``.

Addresses: only the customer is sent, as ``shipper`` (name, company, street and house
number apart, postal code, city; no country field: the country is the one
``receiverId`` was set up for). The shop is ``receiverId``: the portal holds its
address, so ``request.recipient`` is not sent. The portal names its recipients after
the sender country's ISO 3166-1 alpha-3 code in lower case (``deu``, ``aut``) unless
renamed; DHL Retoure Online takes senders from the 27 EU countries (GB, CH and NO need
Retoure International with a customs declaration, which this module does not send).

Booking once: the API creates a label and nothing else: it has no look-up of an
earlier order by reference, and no cancel. ``shipmentReference`` carries our key
(``ShipmentRequest.key``, shown in the portal's returns overview) and
``customerReference`` the RMA (printed on the label). :meth:`~DHLReturnsProvider.find`
therefore always answers None: after a lost answer the label is booked again and the
first one is never handed to the customer. That costs nothing as DHL bills a Retoure
when the parcel enters its network, not when the label is made; DHL's API pages do not
say it in words (they offer no cancel, and a QR code's validity period), integrators
do (https://247apps.dev/faq/dhl-abrechnung-versandlabels-etiketten-stornieren: only
labels actually sent are billed). So every booking is ``pay_on_use`` and
:meth:`~DHLReturnsProvider.void` answers ``NOT_NEEDED`` without calling DHL.

Tracking: DHL sends no webhook to the shop for these labels, so
:meth:`~DHLReturnsProvider.webhook_updates` refuses every call; ``flask returns labels
track`` polls Shipment Tracking - Unified (``GET /track/shipments``,
https://developer.dhl.com/api-reference/shipment-tracking).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import requests

from ..documents.providers import JPEG, PDF, PNG, CarrierLabel
from ..errors import ConfigurationError
from ..orders import Address
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

DEFAULT_BASE_URL = "https://api-eu.dhl.com/parcel/de/shipping/returns/v1"
DEFAULT_TRACKING_BASE_URL = "https://api-eu.dhl.com/track"
LABEL_TYPES = ("BOTH", "SHIPMENT_LABEL", "QR_LABEL")
_ENVIRONMENT = {"api_key": "DHL_API_KEY", "username": "DHL_USERNAME", "password": "DHL_PASSWORD"}
_OPTIONS = tuple(
    "api_key username password receiver_id label_type base_url tracking_api_key "
    "tracking_base_url".split()
)

# The EU sender countries of DHL's ``Country`` enum, alpha-2 -> alpha-3. Babel has no
# alpha-3 table and pycountry is not a dependency; this list is also what DHL accepts.
ALPHA3 = dict(
    pair.split(":")
    for pair in (
        "AT:AUT BE:BEL BG:BGR CY:CYP CZ:CZE DE:DEU DK:DNK EE:EST ES:ESP FI:FIN FR:FRA "
        "GR:GRC HR:HRV HU:HUN IE:IRL IT:ITA LT:LTU LU:LUX LV:LVA MT:MLT NL:NLD PL:POL "
        "PT:PRT RO:ROU SE:SWE SI:SVN SK:SVK"
    ).split()
)
# 103 x 150 mm, the format nearest 4 x 6 in; the API offers it for German and French
# returns only and refuses it elsewhere (other senders get the default A4 page).
_NARROW_FORMAT = {"DE": "910-300-400", "FR": "910-300-400"}
_TRACKING = {
    "pre-transit": TrackingStatus.PRE_TRANSIT,
    "transit": TrackingStatus.IN_TRANSIT,
    "delivered": TrackingStatus.DELIVERED,
    "failure": TrackingStatus.FAILURE,
    "unknown": TrackingStatus.UNKNOWN,
}
_SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
# "Hauptstr. 5a" / "12 rue de la Paix": DHL wants street and house number apart.
_NUMBER = r"\d+\s?[A-Za-z]?(?:\s?[-/]\s?\d+\s?[A-Za-z]?)?"
_TRAILING = re.compile(rf"^(?P<street>.*?\D)[\s,]+(?P<house>{_NUMBER})$")
_LEADING = re.compile(rf"^(?P<house>{_NUMBER})[\s,]+(?P<street>\D.*)$")


class DHLReturnsProvider:
    """Books DHL Retoure labels (see the module docstring for what each call does)."""

    name = "dhl"

    def __init__(
        self,
        *,
        api_key: str,
        username: str,
        password: str,
        receiver_id: str | Mapping[str, str] | None = None,
        label_type: str = "BOTH",
        base_url: str = DEFAULT_BASE_URL,
        tracking_api_key: str | None = None,
        tracking_base_url: str = DEFAULT_TRACKING_BASE_URL,
        timeout: float = 20.0,
    ) -> None:
        self.receiver_id = receiver_id
        self.label_type = label_type
        self.base_url = base_url.rstrip("/")
        self.tracking_base_url = tracking_base_url.rstrip("/")
        self.timeout = timeout
        self._returns = requests.Session()
        self._returns.auth = (username, password)
        self._returns.headers["dhl-api-key"] = api_key
        # Its own session: the portal password must not travel to the tracking API.
        self._tracking = requests.Session()
        self._tracking.headers["DHL-API-Key"] = tracking_api_key or api_key

    # ------------------------------------------------------------------ booking
    def book(self, request: ShipmentRequest, remember: Callable[[str], None]) -> BookedShipment:
        """One call makes the label: there is no draft to ``remember``."""
        country = request.sender.country.upper()
        params = {"labelType": self.label_type, "docFormat": "PDF"}
        if country in _NARROW_FORMAT:
            params["printFormat"] = _NARROW_FORMAT[country]
        data = self._send(
            self._returns,
            "POST",
            f"{self.base_url}/orders",
            params=params,
            json=self._order(request),
        )
        return self._booked(request, data or {})

    def _order(self, request: ShipmentRequest) -> dict[str, Any]:
        sender = request.sender
        country = sender.country.upper()
        if country not in ALPHA3:
            raise CarrierRefused(
                f"DHL Retoure Online takes returns sent from the EU, not from {country!r}",
                field="sender",
            )
        street, house = _street_and_house(sender)
        shipper = {
            "name1": sender.name[:50],
            "name2": sender.company[:50],
            "name3": sender.line2[:50] if house != sender.line2.strip() else "",
            "addressStreet": street[:50],
            "addressHouse": house,
            "postalCode": sender.postal_code.strip(),
            "city": sender.city[:40],
            "email": request.customer_email[:70],
            "phone": sender.phone[:20],
            "state": sender.region[:20],
        }
        return {
            "receiverId": self._receiver(country),
            "customerReference": request.rma[:50],
            # Not looked up later (the API cannot); lets the admin match it in the portal.
            "shipmentReference": request.key[:50],
            "shipper": {k: v for k, v in shipper.items() if v},
            "itemWeight": {"uom": "g", "value": request.parcel.weight_grams},
        }

    def _receiver(self, country: str) -> str:
        if isinstance(self.receiver_id, str):
            return self.receiver_id
        if self.receiver_id and country in self.receiver_id:
            return self.receiver_id[country]
        return ALPHA3[country].lower()

    def _booked(self, request: ShipmentRequest, data: Mapping[str, Any]) -> BookedShipment:
        number = str(data.get("shipmentNo") or "")
        qr_code = _document(data.get("qrLabel"))
        label = _document(data.get("label")) or qr_code  # QR_LABEL: the code is the label
        if not number or label is None:
            # A 201 without these is not a usable answer; what DHL made is unknown.
            raise CarrierUnavailable(f"DHL answered without a shipment number or label: {data!r}")
        return BookedShipment(
            reference=number,
            tracking_number=number,
            tracking_url=tracking_url(number, request.locale),
            carrier="DHL",
            service="Retoure Online",
            label=label,
            qr_code=qr_code,
            pay_on_use=True,
        )

    def find(self, request: ShipmentRequest, draft: str) -> BookedShipment | None:
        """Always None: the Returns API cannot look up an order (see the module docstring)."""
        return None

    def void(self, shipment: BookedShipment) -> VoidOutcome:
        """No cancel in the API; an unused DHL Retoure label is never billed."""
        return VoidOutcome.NOT_NEEDED if shipment.pay_on_use else VoidOutcome.REFUSED

    # ------------------------------------------------------------------ tracking
    def track(self, shipment: BookedShipment) -> TrackingUpdate | None:
        data = self._send(
            self._tracking,
            "GET",
            f"{self.tracking_base_url}/shipments",
            params={"trackingNumber": shipment.tracking_number},
            missing_ok=True,
        )
        if data is None:  # 404: DHL has nothing on the number yet
            return None
        shipments = data.get("shipments") or []
        found = next(
            (s for s in shipments if str(s.get("id")) == shipment.tracking_number),
            shipments[0] if shipments else None,
        )
        status = (found or {}).get("status") or {}
        if not status:
            return None
        return TrackingUpdate(
            tracking_number=shipment.tracking_number,
            status=_TRACKING.get(str(status.get("statusCode")), TrackingStatus.UNKNOWN),
            occurred_at=_timestamp(status.get("timestamp")),
            detail=str(status.get("description") or status.get("status") or ""),
            reference=shipment.reference,
        )

    def webhook_updates(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> list[TrackingUpdate]:
        raise WebhookRefused(
            "DHL sends no tracking webhooks for Retoure labels; poll with "
            "`flask returns labels track` instead"
        )

    # ------------------------------------------------------------------ HTTP
    def _send(
        self,
        session: requests.Session,
        method: str,
        url: str,
        *,
        missing_ok: bool = False,
        **kw: Any,
    ) -> dict[str, Any] | None:
        try:
            response = session.request(method, url, timeout=self.timeout, **kw)
        except requests.RequestException as error:  # timeouts and connection errors
            raise CarrierUnavailable(f"DHL did not answer: {error}") from error
        if missing_ok and response.status_code == 404:
            return None
        words = _words(response)
        # 429 (too many requests) did nothing; like a 5xx it is worth trying later.
        if response.status_code >= 500 or response.status_code == 429:
            raise CarrierUnavailable(f"DHL answered {response.status_code}: {words}")
        if response.status_code >= 400:
            raise CarrierRefused(words, field=_field(response.status_code, words))
        try:
            data = response.json()
        except ValueError as error:
            raise CarrierUnavailable(f"DHL answered {response.status_code}, not JSON") from error
        return data if isinstance(data, dict) else {}


def tracking_url(number: str, locale: str = "de") -> str:
    """DHL's public tracking page for a shipment number, in German or English."""
    language = "de" if locale.lower().startswith("de") else "en"
    return (
        f"https://www.dhl.de/{language}/privatkunden/pakete-empfangen/verfolgen.html"
        f"?piececode={number}"
    )


def _street_and_house(sender: Address) -> tuple[str, str]:
    line = " ".join(sender.line1.split())
    match = _TRAILING.match(line) or _LEADING.match(line)
    if match:
        return match["street"].strip(" ,"), match["house"].replace(" ", "")
    if sender.line2.strip() and len(sender.line2.strip()) <= 10:
        return line, sender.line2.strip()  # some shops keep the number on its own line
    raise CarrierRefused(
        f"DHL needs the house number apart from the street; none found in {sender.line1!r}",
        field="sender",
    )


def _document(document: Any) -> CarrierLabel | None:
    """A ``Document`` of the answer (``{"b64": ...}``) as a label, by its content."""
    if not isinstance(document, Mapping) or not document.get("b64"):
        return None
    try:
        data = base64.b64decode(document["b64"], validate=True)
    except (binascii.Error, ValueError):
        return None
    media_type = next((m for start, m in _SIGNATURES if data.startswith(start)), None)
    return CarrierLabel(data, media_type) if media_type else None


def _words(response: requests.Response) -> str:
    """DHL's own words: an RFC 7807 body (``title``, ``status``, ``detail``)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or f"HTTP {response.status_code}"
    if isinstance(body, Mapping):
        return str(body.get("detail") or body.get("title") or body)[:300]
    return str(body)[:300]


def _field(status: int, words: str) -> str:
    if status not in (400, 422):
        return ""  # 401/403: credentials or rights, not an address
    lowered = words.lower()
    if "receiver" in lowered:
        return "recipient"  # the shop's recipient set up in the portal
    return "parcel" if "weight" in lowered else "sender"


def _timestamp(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    # Documented with an offset; a bare one is read as UTC so it compares with stored ones.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def from_options(options: Mapping[str, Any], *, timeout: float) -> DHLReturnsProvider:
    """The provider for ``RETURNS_CARRIER_OPTIONS``; ConfigurationError when they are wrong."""
    where = "RETURNS_CARRIER_OPTIONS (dhl)"
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise ConfigurationError(
            f"{where} has unknown keys {unknown}; known: {', '.join(_OPTIONS)}"
        )
    values: dict[str, Any] = {}
    for key in _OPTIONS:
        value = options.get(key)
        if value is None and key in _ENVIRONMENT:
            value = os.environ.get(_ENVIRONMENT[key]) or None
        if value is not None and key != "receiver_id" and not (isinstance(value, str) and value):
            raise ConfigurationError(f"{where}: {key} must be a non-empty string, got {value!r}")
        if value is not None:
            values[key] = value
    missing = [k for k in _ENVIRONMENT if k not in values]
    if missing:
        raise ConfigurationError(
            f"{where}: missing {', '.join(missing)} (or the environment variables "
            f"{', '.join(_ENVIRONMENT[k] for k in missing)})"
        )
    values["label_type"] = values.get("label_type", "BOTH").upper()
    if values["label_type"] not in LABEL_TYPES:
        raise ConfigurationError(f"{where}: label_type must be one of {', '.join(LABEL_TYPES)}")
    receiver = values.get("receiver_id")
    if receiver is not None and not (
        (isinstance(receiver, str) and receiver)
        or (
            isinstance(receiver, Mapping)
            and all(k in ALPHA3 and isinstance(v, str) and v for k, v in receiver.items())
        )
    ):
        raise ConfigurationError(
            f"{where}: receiver_id must be a string or a dict from an EU country's alpha-2 "
            f"code ({', '.join(sorted(ALPHA3))}) to a receiver id, got {receiver!r}"
        )
    for key in ("base_url", "tracking_base_url"):
        if key in values and not re.match(r"https?://", values[key]):
            raise ConfigurationError(f"{where}: {key} must be an http(s) URL, got {values[key]!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigurationError(f"the carrier timeout must be a positive number, got {timeout!r}")
    return DHLReturnsProvider(timeout=float(timeout), **values)
