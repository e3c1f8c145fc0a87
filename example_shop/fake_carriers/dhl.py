"""A fake DHL: the Parcel DE Returns API and Shipment Tracking - Unified on one server.

Shapes follow DHL's pages: returns at
https://developer.dhl.com/api-reference/dhl-parcel-de-returns-post-parcel-germany
(OpenAPI 1.0.9), tracking at https://developer.dhl.com/api-reference/shipment-tracking.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from .labels import pdf_label, qr_png
from .server import FakePlatform, Recorded, json_response

API_KEY = "fake-dhl-app-key"
USERNAME = "2222222222_01"  # DHL's sandbox business user has this form
PASSWORD = "fake-portal-password"  # noqa: S105 - a test credential of the fake
RETURNS = "/parcel/de/shipping/returns/v1"
TRACKING = "/track"
# Receivers set up in the fake portal: DHL's default names, one per EU sender country.
RECEIVERS = frozenset(
    "aut bel bgr cyp cze deu dnk est esp fin fra grc hrv hun irl ita ltu lux lva mlt "
    "nld pol prt rou swe svn svk".split()
)
STATUS_WORDS = ("pre-transit", "transit", "delivered", "failure", "unknown")
_POSTAL = re.compile(r"^[0-9A-Za-z]+([ -]?[0-9A-Za-z]+)*$")
# ContactAddress: (required, maxLength) per field, from the OpenAPI schema.
_SHIPPER = {
    "name1": (True, 50),
    "name2": (False, 50),
    "name3": (False, 50),
    "addressStreet": (True, 50),
    "addressHouse": (True, 10),
    "postalCode": (True, 10),
    "city": (True, 40),
    "email": (False, 70),
    "phone": (False, 20),
    "state": (False, 20),
}


def problem(status: int, title: str, detail: str) -> Response:
    """DHL's error body: RFC 7807 ``JSONStatus`` (title, status, detail)."""
    response = json_response({"title": title, "status": status, "detail": detail}, status)
    response.mimetype = "application/problem+json"
    return response


def check_digit(digits: str) -> str:
    """The 4/9-weighted mod-10 check digit DHL puts at the end of its parcel numbers."""
    total = sum(int(d) * (4 if i % 2 == 0 else 9) for i, d in enumerate(digits))
    return str((10 - total % 10) % 10)


class FakeDHL(FakePlatform):
    """Books Retoure labels (pay on use: no cancel), answers tracking polls."""

    def __init__(self) -> None:
        super().__init__()
        self.orders: dict[str, dict[str, Any]] = {}  # shipmentNo -> request body
        self.tracking: dict[str, dict[str, Any]] = {}  # shipmentNo -> status object
        self.voids = 0  # DHL has no cancel: stays 0, kept for the shared interface
        self._numbers = itertools.count(1)
        self._refusal = ""
        # https://developer.dhl.com/api-reference/dhl-parcel-de-returns-post-parcel-germany
        # (POST /orders: ReturnOrder in, 201 ReturnOrderConfirmation out)
        self.route("POST", RETURNS + "/orders", self._create)
        # https://developer.dhl.com/api-reference/shipment-tracking (GET /shipments)
        self.route("GET", TRACKING + "/shipments", self._track)

    # ------------------------------------------------------------------ knobs
    def options(self) -> dict[str, Any]:
        """``RETURNS_CARRIER_OPTIONS`` pointing both DHL APIs at this fake."""
        return {
            "api_key": API_KEY,
            "username": USERNAME,
            "password": PASSWORD,
            "base_url": self.url + RETURNS,
            "tracking_base_url": self.url + TRACKING,
        }

    def reset(self) -> None:
        """Forget every order, poll answer, request and knob (one server, many tests)."""
        with self.lock:
            self.orders.clear()
            self.tracking.clear()
            self.requests.clear()
            self._fail.clear()
            self._hang.clear()
            self._refusal = ""

    @property
    def purchases(self) -> int:
        """Labels made (DHL bills one only once its parcel is handed in)."""
        with self.lock:
            return len(self.orders)

    def refuse_next_address(self, message: str) -> None:
        with self.lock:
            self._refusal = message

    def set_tracking(self, tracking_number: str, status_word: str, **extra: Any) -> None:
        """What the next poll says, ``status_word`` being a Unified API ``statusCode``."""
        assert status_word in STATUS_WORDS, status_word
        with self.lock:
            self.tracking[tracking_number] = self._status(status_word, **extra)

    def webhook(
        self, tracking_number: str, status_word: str, **extra: Any
    ) -> tuple[dict[str, str], bytes, dict[str, str]]:
        """A push as DHL's separate Unified Push API would post it (the shop does not
        subscribe to it; the provider refuses it): the tracking answer's shape."""
        body = {"shipments": [self._shipment(tracking_number, self._status(status_word, **extra))]}
        return {"Content-Type": "application/json"}, json.dumps(body).encode(), {}

    # ------------------------------------------------------------------ returns
    def _create(self, request: Recorded) -> Response:
        if request.headers.get("dhl-api-key") != API_KEY or not self._basic_ok(request):
            return problem(
                401,
                "Unauthorized",
                "Unauthorized - The client could not be authenticated since the request "
                "lacks the required HTTP headers or the credentials are just wrong.",
            )
        label_type = request.query.get("labelType", "BOTH")
        if label_type not in ("BOTH", "SHIPMENT_LABEL", "QR_LABEL"):
            return problem(400, "Bad Request", f"Invalid labelType: {label_type}")
        doc_format = request.query.get("docFormat", "PDF")
        if doc_format not in ("PDF", "ZPL2"):
            return problem(400, "Bad Request", f"Invalid docFormat: {doc_format}")
        try:
            order = request.json()
        except ValueError:
            order = None
        if not isinstance(order, dict) or not isinstance(order.get("shipper"), dict):
            return problem(400, "Bad Request", "shipper: must not be null")
        error = self._invalid(order)
        with self.lock:
            refusal, self._refusal = self._refusal, ""
        if error or refusal:
            return problem(400, "Bad Request", error or refusal)
        with self.lock:
            serial = f"34043{next(self._numbers):06d}"
            number = serial + check_digit(serial)
            self.orders[number] = order
            self.tracking[number] = self._status("pre-transit")
        answer: dict[str, Any] = {
            "sstatus": {"title": "Created", "status": 201, "detail": "Created"},
            "shipmentNo": number,
            "routingCode": f"{order['shipper']['postalCode']}+99000933090010",
        }
        if label_type != "QR_LABEL":
            if doc_format == "ZPL2":  # Zebra printers: the label as ZPL text
                answer["label"] = {"zpl2": f"^XA^BCN,100^FD{number}^FS^XZ"}
            else:
                label = base64.b64encode(pdf_label(number, "DHL")).decode()
                answer["label"] = {"b64": label}
        if label_type != "SHIPMENT_LABEL":
            answer["qrLabel"] = {"b64": base64.b64encode(qr_png(number)).decode()}
            answer["qrLink"] = f"https://www.dhl.de/retoure/qr/{number}"
        return json_response(answer, 201)

    def _invalid(self, order: dict[str, Any]) -> str:
        """The first schema or business rule the order breaks, in DHL's way of saying it."""
        receiver = order.get("receiverId")
        if receiver not in RECEIVERS:
            return f"receiverId: no return receiver {receiver!r} is set up for this user"
        shipper = order["shipper"]
        for field, (required, longest) in _SHIPPER.items():
            value = shipper.get(field)
            if value is None:
                if required:
                    return f"shipper.{field}: must not be null"
            elif not isinstance(value, str) or not 0 < len(value) <= longest:
                return f"shipper.{field}: size must be between 1 and {longest}"
        if not _POSTAL.match(shipper["postalCode"]):
            return "shipper.postalCode: invalid postal code"
        weight = order.get("itemWeight") or {}
        grams = weight.get("value", 0) * (1000 if weight.get("uom") == "kg" else 1)
        if weight and (weight.get("uom") not in ("g", "kg") or not 0 < grams <= 31500):
            return "itemWeight: weight must be between 0.001 and 31.5 kg"
        return ""

    def _basic_ok(self, request: Recorded) -> bool:
        expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    # ------------------------------------------------------------------ tracking
    def _track(self, request: Recorded) -> Response:
        if request.headers.get("dhl-api-key") != API_KEY:
            return problem(401, "Unauthorized", "Unauthorized for given resource.")
        number = request.query.get("trackingNumber", "")
        if not number:
            return problem(400, "Bad Request", "trackingNumber: must not be empty")
        with self.lock:
            status = self.tracking.get(number)
        if status is None:
            return problem(404, "No result found", "No shipment with given tracking number found.")
        return json_response({"shipments": [self._shipment(number, status)]})

    def _status(self, word: str, **extra: Any) -> dict[str, Any]:
        descriptions = {
            "pre-transit": "The instruction data for this shipment have been provided by "
            "the sender to DHL electronically",
            "transit": "The shipment has been processed in the parcel center",
            "delivered": "The shipment has been successfully delivered",
            "failure": "The shipment could not be delivered",
            "unknown": "",
        }
        return {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "statusCode": word,
            "status": word.upper(),
            "description": descriptions[word],
            **extra,
        }

    def _shipment(self, number: str, status: dict[str, Any]) -> dict[str, Any]:
        return {"id": number, "service": "parcel-de", "status": status, "events": [status]}
