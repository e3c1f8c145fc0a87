"""A stand-in for Shippo's API (api.goshippo.com), as far as return labels go.

Request and response shapes follow Shippo's API reference (API version 2018-02-08,
https://docs.goshippo.com/shippoapi/public-api/) and the objects of its ``shippo``
3.9.0 SDK, which the provider uses to talk to this fake and which refuses answers
missing a required field. Errors come in Shippo's shape: ``{"detail": "..."}`` for
authentication and lookups, ``{"<field>": ["..."]}`` for a refused request
(https://docs.goshippo.com/docs/api_concepts/apihttpstatuscodes). Label and QR code
URLs point back here, the way Shippo's point at signed file URLs (no token needed).
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from werkzeug.wrappers import Response

from .labels import pdf_label, png_label, qr_png
from .server import FakePlatform, Recorded, json_response

API_KEY = "shippo_test_5f1f0e4c2b9a4d7e8f00112233445566"
WEBHOOK_TOKEN = "fake-shippo-webhook-token"  # noqa: S105 - a test token of the fake
OWNER = "returns@shop.example"
USPS_ACCOUNT = "b741b99f95e841639b54272834bc478c"
UPS_ACCOUNT = "078870331023437cb917f5187429b093"
ACCOUNTS = {USPS_ACCOUNT: ("usps", "USPS"), UPS_ACCOUNT: ("ups", "UPS")}
# What every shipment is offered: (carrier account, service name, token, amount USD, days).
RATES = (
    (USPS_ACCOUNT, "Ground Advantage", "usps_ground_advantage", "7.85", 5),
    (USPS_ACCOUNT, "Priority Mail", "usps_priority", "9.60", 2),
    (UPS_ACCOUNT, "Ground", "ups_ground", "11.40", 4),
)
TRACKING_URLS = {
    "usps": "https://tools.usps.com/go/TrackConfirmAction_input?origTrackNum={}",
    "ups": "https://www.ups.com/track?tracknum={}",
}
ADDRESS_REQUIRED = ("name", "street1", "city", "zip", "country")
PARCEL_REQUIRED = ("length", "width", "height", "distance_unit", "weight", "mass_unit")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _id() -> str:
    return uuid4().hex


class FakeShippo(FakePlatform):
    """Shipments with rates, transactions (bought labels), refunds and tracks."""

    def __init__(self) -> None:
        super().__init__()
        self.reset()
        self.route("POST", r"/shipments", self._create_shipment)
        self.route("GET", r"/shipments/(?P<object_id>\w+)", self._get_shipment)
        self.route("POST", r"/transactions", self._create_transaction)
        self.route("GET", r"/transactions", self._list_transactions)
        self.route("GET", r"/transactions/(?P<object_id>\w+)", self._get_transaction)
        self.route("GET", r"/carrier_accounts/(?P<object_id>\w+)", self._get_carrier_account)
        self.route("POST", r"/refunds", self._create_refund)
        self.route("GET", r"/tracks/(?P<carrier>\w+)/(?P<number>\w+)", self._get_track)
        self.route("GET", r"/files/(?P<name>[\w.]+)", self._file)

    # ---------------------------------------------------------------- for tests
    def reset(self) -> None:
        """A new, empty account (and no knobs set), the server left running."""
        with self.lock:
            self.requests.clear()
            self._fail.clear()
            self._hang.clear()
            self.shipments: dict[str, dict[str, Any]] = {}
            self.transactions: dict[str, dict[str, Any]] = {}
            self.tracking: dict[str, tuple[str, str]] = {}  # number -> (status word, details)
            self.purchases = 0
            self.voids = 0
            # What the next refund answers: QUEUED (Shippo's usual), PENDING, SUCCESS, ERROR.
            self.refund_status = "QUEUED"
            self._refusals: list[str] = []
            self._purchase_errors: list[str] = []
            self._serial = itertools.count(40_000_001)

    def options(self) -> dict[str, Any]:
        return {"api_key": API_KEY, "base_url": self.url, "webhook_secret": WEBHOOK_TOKEN}

    def refuse_next_address(self, message: str) -> None:
        """The next shipment is refused with ``message`` against the customer's address."""
        with self.lock:
            self._refusals.append(message)

    def fail_next_purchase(self, message: str) -> None:
        """The next transaction ends in ``ERROR`` with the carrier's ``message``."""
        with self.lock:
            self._purchase_errors.append(message)

    def set_tracking(self, tracking_number: str, status_word: str, details: str = "") -> None:
        with self.lock:
            self.tracking[tracking_number] = (status_word, details or status_word.title())

    def webhook(
        self, tracking_number: str, status_word: str, *, forged: bool = False, **extra: Any
    ) -> tuple[dict[str, str], bytes, dict[str, str]]:
        """A ``track_updated`` POST as Shippo sends it to ``<url>?token=<token>``
        (https://docs.goshippo.com/docs/tracking/webhooks); ``extra`` overrides fields
        of ``data``, or ``event=`` the event type."""
        self.set_tracking(tracking_number, status_word, extra.pop("status_details", ""))
        event = extra.pop("event", "track_updated")
        with self.lock:
            carrier = next(
                (
                    t["carrier"]
                    for t in self.transactions.values()
                    if t["tracking_number"] == tracking_number
                ),
                "usps",
            )
            data = {**self._track(carrier, tracking_number), **extra}
        body = json.dumps({"event": event, "test": True, "data": data}).encode()
        token = "guessed-token" if forged else WEBHOOK_TOKEN
        return {"Content-Type": "application/json"}, body, {"token": token}

    # ---------------------------------------------------------------- checks
    def _refused(self, request: Recorded) -> Response | None:
        """Shippo's answer to a missing or wrong token (its authentication guide)."""
        given = request.headers.get("authorization", "")
        if not given:
            return json_response({"detail": "Authentication credentials were not provided."}, 401)
        if given != f"ShippoToken {API_KEY}":
            return json_response({"detail": "Token does not exist"}, 401)
        return None

    @staticmethod
    def _missing(value: Any, required: tuple[str, ...]) -> dict[str, list[str]]:
        if not isinstance(value, dict):
            return {"non_field_errors": ["Invalid data. Expected a dictionary."]}
        return {k: ["This field is required."] for k in required if not value.get(k)}

    # ---------------------------------------------------------------- shipments
    def _create_shipment(self, request: Recorded) -> Response:
        """POST /shipments, answered with its rates (``async: false``):
        https://docs.goshippo.com/shippoapi/public-api/shipments; ``extra.is_return``:
        https://docs.goshippo.com/docs/shipments/returns/."""
        refused = self._refused(request)
        if refused:
            return refused
        body = request.json() or {}
        errors: dict[str, Any] = {
            k: ["This field is required."]
            for k in ("address_from", "address_to", "parcels")
            if not body.get(k)
        }
        for key in ("address_from", "address_to"):
            if body.get(key) and (missing := self._missing(body[key], ADDRESS_REQUIRED)):
                errors[key] = missing
        for parcel in body.get("parcels") or []:
            if missing := self._missing(parcel, PARCEL_REQUIRED):
                errors["parcels"] = [missing]
        if errors:
            return json_response(errors, 400)
        extra = body.get("extra") or {}
        with self.lock:
            if self._refusals:  # against the customer: address_to of a return, else from
                customer = "address_to" if extra.get("is_return") else "address_from"
                return json_response({customer: {"zip": [self._refusals.pop(0)]}}, 400)
            shipment_id = _id()
            shipment = {
                "object_id": shipment_id,
                "object_owner": OWNER,
                "object_created": _now(),
                "object_updated": _now(),
                "status": "SUCCESS",
                "metadata": body.get("metadata", ""),
                "address_from": {**body["address_from"], "object_id": _id(), "is_complete": True},
                "address_to": {**body["address_to"], "object_id": _id(), "is_complete": True},
                "address_return": None,
                "parcels": [
                    {**p, "object_id": _id(), "object_state": "VALID"} for p in body["parcels"]
                ],
                "carrier_accounts": [],
                "extra": extra,
                "messages": [],
                "test": True,
                "rates": [],
            }
            for account, name, token, amount, days in RATES:
                shipment["rates"].append(
                    {
                        "object_id": _id(),
                        "object_owner": OWNER,
                        "object_created": _now(),
                        "shipment": shipment_id,
                        "attributes": [],
                        "amount": amount,
                        "currency": "USD",
                        "amount_local": amount,
                        "currency_local": "USD",
                        "provider": ACCOUNTS[account][1],
                        "carrier_account": account,
                        "servicelevel": {"name": name, "token": token, "terms": ""},
                        "estimated_days": days,
                        "duration_terms": "",
                        "messages": [],
                        "test": True,
                    }
                )
            self.shipments[shipment_id] = shipment
            return json_response(shipment, 201)

    def _get_shipment(self, request: Recorded, object_id: str) -> Response:
        """GET /shipments/<id> (https://docs.goshippo.com/shippoapi/public-api/shipments)."""
        refused = self._refused(request)
        if refused:
            return refused
        with self.lock:
            shipment = self.shipments.get(object_id)
            return json_response(shipment or {"detail": "Not found."}, 200 if shipment else 404)

    def _get_carrier_account(self, request: Recorded, object_id: str) -> Response:
        """GET /carrier_accounts/<id>: its ``carrier`` token
        (https://docs.goshippo.com/shippoapi/public-api/carrier-accounts)."""
        refused = self._refused(request)
        if refused:
            return refused
        if object_id not in ACCOUNTS:
            return json_response({"detail": "Not found."}, 404)
        carrier, name = ACCOUNTS[object_id]
        return json_response(
            {
                "object_id": object_id,
                "object_owner": OWNER,
                "account_id": f"shippo_{carrier}_account",
                "carrier": carrier,
                "carrier_name": name,
                "active": True,
                "is_shippo_account": True,
                "metadata": "",
                "test": True,
            }
        )

    # ---------------------------------------------------------------- labels
    def _create_transaction(self, request: Recorded) -> Response:
        """POST /transactions buys the rate, once per call that succeeds
        (https://docs.goshippo.com/api-reference/transactions/create-a-shipping-label);
        ``qr_code_url`` for USPS when the shipment asked for it
        (https://docs.goshippo.com/docs/shipments/qrcode/)."""
        refused = self._refused(request)
        if refused:
            return refused
        body = request.json() or {}
        if not body.get("rate"):
            return json_response({"rate": ["This field is required."]}, 400)
        label_type = body.get("label_file_type") or "PDF_4x6"
        with self.lock:
            found = [
                (s, r)
                for s in self.shipments.values()
                for r in s["rates"]
                if r["object_id"] == body["rate"]
            ]
            if not found:
                return json_response({"rate": [f"Rate {body['rate']} does not exist."]}, 400)
            shipment, rate = found[0]
            carrier = ACCOUNTS[rate["carrier_account"]][0]
            transaction: dict[str, Any] = {
                "object_id": _id(),
                "object_owner": OWNER,
                "object_created": _now(),
                "object_updated": _now(),
                "object_state": "VALID",
                "test": True,
                "rate": {
                    k: rate[k]
                    for k in (
                        "object_id",
                        "amount",
                        "currency",
                        "amount_local",
                        "currency_local",
                        "provider",
                        "carrier_account",
                    )
                }
                | {
                    "servicelevel_name": rate["servicelevel"]["name"],
                    "servicelevel_token": rate["servicelevel"]["token"],
                },
                "metadata": body.get("metadata", ""),
                "label_file_type": label_type,
                "parcel": shipment["parcels"][0]["object_id"],
                "messages": [],
                "eta": None,
                "label_url": None,
                "qr_code_url": None,
                "tracking_number": None,
                "tracking_url_provider": None,
                "tracking_status": "UNKNOWN",
                "commercial_invoice_url": None,
                "carrier": carrier,
                # Shippo sends it (null for API purchases); the SDK fails without it.
                "created_by": None,
            }
            if self._purchase_errors:  # the carrier said no: nothing bought
                transaction["status"] = "ERROR"
                transaction["messages"] = [
                    {"source": rate["provider"], "code": "", "text": self._purchase_errors.pop(0)}
                ]
            else:
                serial = next(self._serial)
                number = f"1Z999AA103{serial:08d}" if carrier == "ups" else f"9205590{serial:015d}"
                extension = "png" if label_type.startswith("PNG") else "pdf"
                base = f"{self.url}/files/{transaction['object_id']}"
                transaction.update(
                    status="SUCCESS",
                    tracking_number=number,
                    tracking_url_provider=TRACKING_URLS[carrier].format(number),
                    tracking_status="PRE_TRANSIT",
                    label_url=f"{base}.{extension}",
                )
                if shipment["extra"].get("qr_code_requested") and carrier == "usps":
                    transaction["qr_code_url"] = f"{base}_qr.png"
                self.tracking[number] = ("PRE_TRANSIT", "Shipping label created.")
                self.purchases += 1
            self.transactions[transaction["object_id"]] = transaction
            return json_response(self._public(transaction), 201)

    @staticmethod
    def _public(transaction: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in transaction.items() if k != "carrier"}

    def _list_transactions(self, request: Recorded) -> Response:
        """GET /transactions, filtered by ``rate`` and ``object_status``, newest first
        (https://docs.goshippo.com/api-reference/transactions/list-all-shipping-labels)."""
        refused = self._refused(request)
        if refused:
            return refused
        rate, status = request.query.get("rate"), request.query.get("object_status")
        page, size = (
            int(request.query.get("page", 1)),
            min(int(request.query.get("results", 25)), 100),
        )
        with self.lock:
            found = [
                self._public(t)
                for t in reversed(self.transactions.values())
                if (not rate or t["rate"]["object_id"] == rate)
                and (not status or t["status"] == status)
            ]
        chunk = found[(page - 1) * size : page * size]
        more = len(found) > page * size
        return json_response(
            {
                "next": f"{self.url}/transactions?page={page + 1}&results={size}" if more else None,
                "previous": None
                if page == 1
                else f"{self.url}/transactions?page={page - 1}&results={size}",
                "results": chunk,
            }
        )

    def _get_transaction(self, request: Recorded, object_id: str) -> Response:
        """GET /transactions/<id> (https://docs.goshippo.com/shippoapi/public-api/transactions)."""
        refused = self._refused(request)
        if refused:
            return refused
        with self.lock:
            transaction = self.transactions.get(object_id)
            if transaction is None:
                return json_response({"detail": "Not found."}, 404)
            return json_response(self._public(transaction))

    def _file(self, request: Recorded, name: str) -> Response:
        """The label (PDF 4x6 or PNG, https://docs.goshippo.com/docs/shipments/shippinglabelsizes/)
        or QR code PNG behind a transaction's signed URL."""
        object_id, _, extension = name.partition(".")
        qr = object_id.endswith("_qr")
        with self.lock:
            transaction = self.transactions.get(object_id.removesuffix("_qr"))
        if transaction is None or transaction["status"] != "SUCCESS":
            return Response(
                b"<Error><Code>NoSuchKey</Code></Error>", 404, mimetype="application/xml"
            )
        number, carrier = transaction["tracking_number"], transaction["carrier"].upper()
        if qr:
            return Response(qr_png(number), mimetype="image/png")
        if extension == "png":
            return Response(png_label(number, carrier), mimetype="image/png")
        return Response(pdf_label(number, carrier), mimetype="application/pdf")

    # ---------------------------------------------------------------- after
    def _create_refund(self, request: Recorded) -> Response:
        """POST /refunds: a label bought and not refunded yet gets one refund
        (https://docs.goshippo.com/api-reference/refunds/create-a-refund)."""
        refused = self._refused(request)
        if refused:
            return refused
        object_id = (request.json() or {}).get("transaction")
        if not object_id:
            return json_response({"transaction": ["This field is required."]}, 400)
        with self.lock:
            transaction = self.transactions.get(object_id)
            if transaction is None:
                return json_response(
                    {"transaction": [f"Transaction {object_id} does not exist."]}, 400
                )
            if transaction["status"] != "SUCCESS":
                return json_response(
                    {
                        "transaction": [
                            f"Transaction {object_id} cannot be refunded: it is "
                            f"{transaction['status']}."
                        ]
                    },
                    400,
                )
            status = self.refund_status
            transaction["status"] = {"SUCCESS": "REFUNDED", "ERROR": "REFUNDREJECTED"}.get(
                status, "REFUNDPENDING"
            )
            if status != "ERROR":
                self.voids += 1
            return json_response(
                {
                    "object_id": _id(),
                    "object_owner": OWNER,
                    "object_created": _now(),
                    "object_updated": _now(),
                    "status": status,
                    "transaction": object_id,
                    "test": True,
                },
                201,
            )

    def _track(self, carrier: str, number: str) -> dict[str, Any]:
        """A Track object (https://docs.goshippo.com/api-reference/tracking-status/get-a-tracking-status)."""
        word, details = self.tracking.get(number, ("UNKNOWN", ""))
        transaction = next(
            (t for t in self.transactions.values() if t["tracking_number"] == number), None
        )
        status = {
            "object_id": _id(),
            "object_created": _now(),
            "object_updated": _now(),
            "status": word,
            "status_details": details,
            "status_date": _now(),
            "location": {"city": "Columbus", "state": "OH", "zip": "43215", "country": "US"},
        }
        return {
            "carrier": carrier,
            "tracking_number": number,
            "messages": [],
            "tracking_status": status if number in self.tracking else None,
            "tracking_history": [status] if number in self.tracking else [],
            "transaction": transaction["object_id"] if transaction else None,
            "metadata": transaction["metadata"] if transaction else None,
            "eta": None,
            "original_eta": None,
            "address_from": None,
            "address_to": None,
            "servicelevel": {
                "name": transaction["rate"]["servicelevel_name"],
                "token": transaction["rate"]["servicelevel_token"],
            }
            if transaction
            else None,
        }

    def _get_track(self, request: Recorded, carrier: str, number: str) -> Response:
        """GET /tracks/<carrier>/<number>, the poll."""
        refused = self._refused(request)
        if refused:
            return refused
        with self.lock:
            return json_response(self._track(carrier, number))
