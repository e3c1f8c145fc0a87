"""A local EasyPost: shipments with rates, buying, refunds, QR forms, trackers, webhooks.

It answers the part of EasyPost's v2 API that :mod:`flask_returns.carriers.easypost`
calls through the official SDK, in the shapes of EasyPost's reference pages and the
response samples EasyPost publishes (github.com/EasyPost/examples,
``official/responses/shipments/*.json``). Label files are served from ``/files/…``
without authentication, as EasyPost's S3 links are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from . import labels
from .server import FakePlatform, Recorded, json_response

# (carrier, service, rate, delivery days): what a test account is typically offered.
RATES = (
    ("USPS", "GroundAdvantage", "7.58", 5),
    ("USPS", "Priority", "10.07", 2),
    ("UPS", "Ground", "12.34", 4),
)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _error(status: int, code: str, message: str, errors: list[Any] | None = None) -> Response:
    # https://docs.easypost.com/docs/errors: {"error": {code, message, errors: [FieldError]}}
    return json_response(
        {"error": {"code": code, "message": message, "errors": errors or []}}, status
    )


def sign(body: bytes, secret: str) -> str:
    """``X-Hmac-Signature`` as EasyPost sends it: HMAC-SHA256 hex of the body, keyed
    with the NFKD-normalised webhook secret (docs.easypost.com/guides/webhooks-guide)."""
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


class FakeEasyPost(FakePlatform):
    """EasyPost in test mode, with knobs for refusals and tracking events."""

    API_KEY = "EZTK_fake_0123456789abcdef"
    WEBHOOK_SECRET = "fake-easypost-webhook-secret"  # noqa: S105 - a fake's test secret

    def __init__(self, currency: str = "USD") -> None:
        super().__init__()
        self.currency = currency
        self.shipments: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.purchases = 0  # labels bought: what the shop pays for
        self.voids = 0  # refunds EasyPost accepted to process
        self.refund_answer = "submitted"  # the refund_status the next refund gets
        self._refusal: tuple[str, str] | None = None
        shp = r"/v2/shipments/(?P<sid>shp_[0-9a-f]+)"
        self.route("POST", r"/v2/shipments", self._create)
        self.route("GET", shp, self._retrieve)
        self.route("POST", shp + "/buy", self._buy)
        self.route("POST", shp + "/refund", self._refund)
        self.route("POST", shp + "/forms", self._form)
        self.route("GET", r"/files/(?P<name>[\w.]+)", self._file)
        self.route("GET", r"/track/(?P<tid>trk_[0-9a-f]+)", self._track_page)

    # ------------------------------------------------------------------ knobs
    def options(self) -> dict[str, Any]:
        """``RETURNS_CARRIER_OPTIONS`` that point the provider at this fake."""
        return {
            "api_key": self.API_KEY,
            "base_url": f"{self.url}/v2",
            "webhook_secret": self.WEBHOOK_SECRET,
        }

    def reset(self) -> None:
        """Forget every shipment, request and knob (one server for many tests)."""
        with self.lock:
            self.shipments.clear()
            self.files.clear()
            self.requests.clear()
            self._fail.clear()
            self._hang.clear()
            self.purchases = self.voids = 0
            self.refund_answer, self._refusal = "submitted", None

    def refuse_next_address(self, message: str, field: str = "address") -> None:
        """The next shipment is refused as EasyPost refuses an address it cannot verify
        (``ADDRESS.VERIFY.FAILURE``, the detail in a FieldError, docs/errors)."""
        with self.lock:
            self._refusal = (message, field)

    def set_tracking(self, tracking_number: str, status_word: str, message: str = "") -> None:
        """What the shipment's tracker says next, in Tracker.status words (docs/trackers)."""
        with self.lock:
            tracker = self._shipment_of(tracking_number)["tracker"]
            tracker["status"], tracker["updated_at"] = status_word, _now()
            tracker["tracking_details"].append(
                {
                    "object": "TrackingDetail",
                    "message": message or status_word.replace("_", " ").capitalize(),
                    "description": None,
                    "status": status_word,
                    "status_detail": "status_update",
                    "datetime": tracker["updated_at"],
                    "source": tracker["carrier"],
                    "carrier_code": None,
                    "tracking_location": {
                        "object": "TrackingLocation",
                        "city": None,
                        "state": None,
                        "country": None,
                        "zip": None,
                    },
                }
            )

    def webhook(
        self, tracking_number: str, status_word: str, *, forged: bool = False, **extra: Any
    ) -> tuple[dict[str, str], bytes, dict[str, str]]:
        """A ``tracker.updated`` Event POSTed as EasyPost does (docs/events), signed with
        the webhook secret, or with another one when ``forged``. ``extra`` replaces
        fields of the Event (``description="batch.updated"``)."""
        with self.lock:
            previous = self._shipment_of(tracking_number)["tracker"]["status"]
            self.set_tracking(tracking_number, status_word)
            tracker = json.loads(json.dumps(self._shipment_of(tracking_number)["tracker"]))
        event = {
            "object": "Event",
            "id": _id("evt"),
            "mode": "test",
            "description": "tracker.updated",
            "previous_attributes": {"status": previous},
            "result": tracker,
            "status": "pending",
            "pending_urls": ["https://shop.example/returns/webhooks/carrier"],
            "completed_urls": [],
            "user_id": "user_060ab38db3c04ffaa60f262e5781a9be",
            "created_at": _now(),
            "updated_at": _now(),
            **extra,
        }
        body = json.dumps(event).encode()
        secret = "not-" + self.WEBHOOK_SECRET if forged else self.WEBHOOK_SECRET
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "EasyPost WebHook Agent 1.0",
            "X-Hmac-Signature": sign(body, secret),
        }
        return headers, body, {}

    def label_bytes(self, tracking_number: str) -> bytes:
        """The PDF label served for ``tracking_number``."""
        with self.lock:
            url = self._shipment_of(tracking_number)["postage_label"]["label_pdf_url"]
            return self.files[url.rsplit("/", 1)[1]][0]

    def qr_text(self, tracking_number: str) -> str:
        """What the drop-off QR code of ``tracking_number`` says."""
        return f"USPS-LABEL-BROKER:{tracking_number}"

    def qr_bytes(self, tracking_number: str) -> bytes:
        return labels.qr_png(self.qr_text(tracking_number))

    # ------------------------------------------------------------------ helpers
    def _shipment_of(self, tracking_number: str) -> dict[str, Any]:
        for shipment in self.shipments.values():
            if shipment["tracking_code"] == tracking_number:
                return shipment
        raise KeyError(f"no shipment has tracking code {tracking_number}")

    def _authorized(self, request: Recorded) -> bool:
        # The SDK sends "Bearer <key>"; the docs' curl examples use Basic with the key
        # as user name (docs.easypost.com/docs/authentication): both are taken.
        given = request.headers.get("authorization", "")
        basic = base64.b64encode(f"{self.API_KEY}:".encode()).decode()
        return given in (f"Bearer {self.API_KEY}", f"Basic {basic}")

    def _serve(self, data: bytes, media_type: str, suffix: str) -> str:
        name = f"{uuid.uuid4().hex}.{suffix}"
        self.files[name] = (data, media_type)
        return f"{self.url}/files/{name}"

    def _guarded(self, request: Recorded, sid: str | None = None) -> Response | dict[str, Any]:
        if not self._authorized(request):
            return _error(401, "APIKEY.REQUIRED", "Invalid, missing or inactive API key.")
        if sid is not None and sid not in self.shipments:
            return _error(404, "NOT_FOUND", "The requested resource could not be found.")
        return self.shipments.get(sid or "", {})

    # ------------------------------------------------------------------ routes
    def _create(self, request: Recorded) -> Response:
        # POST /shipments: docs.easypost.com/docs/shipments ("Create a Shipment"),
        # returns: docs.easypost.com/docs/shipments/returns.
        with self.lock:
            if isinstance(found := self._guarded(request), Response):
                return found
            params = (request.json() or {}).get("shipment") or {}
            missing = [
                {"field": f"{part}.{key}", "message": "cannot be blank"}
                for part, keys in (
                    ("to_address", ("street1", "city", "country")),
                    ("from_address", ("street1", "city", "country")),
                    ("parcel", ("weight",)),
                )
                for key in keys
                if not (params.get(part) or {}).get(key)
            ]
            if missing:
                return _error(
                    422,
                    "SHIPMENT.INVALID_PARAMS",
                    "Unable to create shipment, one or more parameters were invalid.",
                    missing,
                )
            if self._refusal is not None:
                (message, field), self._refusal = self._refusal, None
                return _error(
                    422,
                    "ADDRESS.VERIFY.FAILURE",
                    "Unable to verify address.",
                    [
                        {
                            "code": "E.ADDRESS.NOT_FOUND",
                            "field": field,
                            "message": message,
                            "suggestion": None,
                        }
                    ],
                )
            sid, now = _id("shp"), _now()
            address = {"object": "Address", "mode": "test", "created_at": now, "updated_at": now}
            shipment: dict[str, Any] = {
                "id": sid,
                "object": "Shipment",
                "mode": "test",
                "created_at": now,
                "updated_at": now,
                "is_return": bool(params.get("is_return")),
                "reference": params.get("reference"),
                "options": {"currency": self.currency, **(params.get("options") or {})},
                "to_address": {"id": _id("adr"), **address, **params["to_address"]},
                "from_address": {"id": _id("adr"), **address, **params["from_address"]},
                "parcel": {
                    "id": _id("prcl"),
                    "object": "Parcel",
                    "mode": "test",
                    "predefined_package": None,
                    **params["parcel"],
                },
                "rates": [
                    {
                        "id": _id("rate"),
                        "object": "Rate",
                        "mode": "test",
                        "carrier": carrier,
                        "service": service,
                        "rate": amount,
                        "currency": self.currency,
                        "list_rate": amount,
                        "list_currency": self.currency,
                        "delivery_days": days,
                        "est_delivery_days": days,
                        "shipment_id": sid,
                        "carrier_account_id": "ca_" + "0" * 32,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for carrier, service, amount, days in RATES
                ],
                "messages": [],
                "status": "unknown",
                "tracking_code": None,
                "postage_label": None,
                "selected_rate": None,
                "tracker": None,
                "refund_status": None,
                "forms": [],
                "fees": [],
            }
            self.shipments[sid] = shipment
            return json_response(shipment, 201)

    def _retrieve(self, request: Recorded, sid: str) -> Response:
        # GET /shipments/:id: docs.easypost.com/docs/shipments ("Retrieve a Shipment").
        with self.lock:
            found = self._guarded(request, sid)
            return found if isinstance(found, Response) else json_response(found)

    def _buy(self, request: Recorded, sid: str) -> Response:
        # POST /shipments/:id/buy with {"rate": {"id": …}}: docs/shipments ("Buy a Shipment").
        with self.lock:
            if isinstance(shipment := self._guarded(request, sid), Response):
                return shipment
            if shipment["postage_label"] is not None:
                return _error(
                    422, "SHIPMENT.POSTAGE.EXISTS", "Postage already exists for this shipment."
                )
            wanted = ((request.json() or {}).get("rate") or {}).get("id")
            rate = next((r for r in shipment["rates"] if r["id"] == wanted), None)
            if rate is None:
                return _error(
                    422, "SHIPMENT.RATE.INVALID", "The rate provided is invalid or expired."
                )
            self.purchases += 1
            carrier, now = rate["carrier"], _now()
            if carrier == "UPS":
                code = "1Z999AA1" + "".join(random.choices("0123456789", k=10))
            else:
                code = "9405" + "".join(random.choices("0123456789", k=18))
            pdf = shipment["options"].get("label_format", "PNG").upper() == "PDF"
            tid = _id("trk")
            shipment.update(
                tracking_code=code,
                selected_rate=rate,
                updated_at=now,
                postage_label={
                    "object": "PostageLabel",
                    "id": _id("pl"),
                    "created_at": now,
                    "updated_at": now,
                    "label_date": now,
                    "date_advance": 0,
                    "integrated_form": "none",
                    "label_resolution": 300,
                    "label_size": "4x6",
                    "label_type": "default",
                    "label_file_type": "application/pdf" if pdf else "image/png",
                    "label_url": self._serve(labels.png_label(code, carrier), "image/png", "png"),
                    "label_pdf_url": self._serve(
                        labels.pdf_label(code, carrier), "application/pdf", "pdf"
                    )
                    if pdf
                    else None,
                    "label_zpl_url": None,
                    "label_epl2_url": None,
                    "label_file": None,
                },
                tracker={
                    "id": tid,
                    "object": "Tracker",
                    "mode": "test",
                    "tracking_code": code,
                    "status": "pre_transit",
                    "status_detail": "status_update",
                    "created_at": now,
                    "updated_at": now,
                    "signed_by": None,
                    "weight": None,
                    "est_delivery_date": None,
                    "shipment_id": sid,
                    "carrier": carrier,
                    "tracking_details": [],
                    "fees": [],
                    "carrier_detail": None,
                    "public_url": f"{self.url}/track/{tid}",
                },
                fees=[
                    {
                        "object": "Fee",
                        "type": "LabelFee",
                        "amount": "0.00000",
                        "charged": True,
                        "refunded": False,
                    },
                    {
                        "object": "Fee",
                        "type": "PostageFee",
                        "amount": f"{rate['rate']}000",
                        "charged": True,
                        "refunded": False,
                    },
                ],
            )
            self.set_tracking(code, "pre_transit", "Shipping Label Created")
            return json_response(shipment)

    def _refund(self, request: Recorded, sid: str) -> Response:
        # POST /shipments/:id/refund: docs.easypost.com/docs/shipments/shipping-refund.
        with self.lock:
            if isinstance(shipment := self._guarded(request, sid), Response):
                return shipment
            if shipment["postage_label"] is None:
                return _error(
                    422, "SHIPMENT.REFUND.NOT_PURCHASED", "This shipment has no postage to refund."
                )
            if shipment["refund_status"] in ("submitted", "refunded"):
                return _error(
                    422,
                    "SHIPMENT.REFUND.EXISTS",
                    "A refund was already requested for this shipment.",
                )
            used = shipment["tracker"]["status"] not in ("pre_transit", "unknown")
            shipment["refund_status"] = "rejected" if used else self.refund_answer
            if shipment["refund_status"] in ("submitted", "refunded"):
                self.voids += 1
            return json_response(shipment)

    def _form(self, request: Recorded, sid: str) -> Response:
        # POST /shipments/:id/forms {"form": {"type": "label_qr_code"}}:
        # docs.easypost.com/docs/shipments/forms; USPS Label Broker only, after buying.
        with self.lock:
            if isinstance(shipment := self._guarded(request, sid), Response):
                return shipment
            kind = ((request.json() or {}).get("form") or {}).get("type")
            rate = shipment["selected_rate"] or {}
            if kind != "label_qr_code" or rate.get("carrier") != "USPS":
                return _error(
                    422, "FORM.INVALID", f"{kind} forms are not available for this shipment."
                )
            code = shipment["tracking_code"]
            now = _now()
            shipment["forms"].append(
                {
                    "object": "Form",
                    "id": _id("form"),
                    "mode": "test",
                    "form_type": kind,
                    "form_url": self._serve(self.qr_bytes(code), "image/png", "png"),
                    "submitted_electronically": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            return json_response(shipment)

    def _file(self, request: Recorded, name: str) -> Response:
        with self.lock:
            if name not in self.files:
                return Response(b"Not Found", status=404)
            data, media_type = self.files[name]
        return Response(data, mimetype=media_type)

    def _track_page(self, request: Recorded, tid: str) -> Response:
        with self.lock:
            for shipment in self.shipments.values():
                tracker = shipment["tracker"] or {}
                if tracker.get("id") == tid:
                    text = f"{tracker['carrier']} {tracker['tracking_code']}: {tracker['status']}"
                    return Response(text, mimetype="text/plain")
        return Response(b"Not Found", status=404)
