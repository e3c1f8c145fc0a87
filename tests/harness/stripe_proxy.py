"""A proxy in front of the local Stripe server that can fail the way networks do.

Modes for ``POST /v1/refunds`` (every other request passes through):

- ``pass``: forward and answer;
- ``error``: answer 500 without forwarding (Stripe's side failed, nothing refunded);
- ``lost``: forward, then close the connection without answering (the refund was
  made but the answer never came back);
- ``hang``: forward, then answer only after the client has given up;
- ``declined`` / ``already_refunded``: answer with the error Stripe sends for an
  expired card (402 ``card_error``) or a fully refunded charge (400
  ``charge_already_refunded``), without forwarding. localstripe never refuses a
  refund, so these two answers are written here in Stripe's documented shape.

With ``amount_rules`` on, the proxy also refuses what Stripe's currency page says
Stripe refuses and localstripe takes: a PaymentIntent or refund amount in ISK or
UGX not divisible by 100, or in a three-decimal currency (BHD, JOD, KWD, OMR, TND)
not ending in 0. The answer is Stripe's documented error shape (400,
``invalid_request_error`` on ``amount``), and nothing is forwarded.

localstripe keeps no idempotency keys; real Stripe does (for 24 hours). So that a
retry by the SDK behaves as it would against Stripe, the proxy replays the first
upstream answer for a repeated ``Idempotency-Key`` instead of forwarding again.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from example_shop.local_stripe import free_port

CANNED = {
    "declined": (
        402,
        b'{"error": {"type": "card_error", "code": "expired_card", '
        b'"message": "The card has expired."}}',
    ),
    "already_refunded": (
        400,
        b'{"error": {"type": "invalid_request_error", '
        b'"code": "charge_already_refunded", '
        b'"message": "Charge has already been refunded."}}',
    ),
}


# Stripe's steps per currency, from its "Special cases" and "Three-decimal currencies".
AMOUNT_STEPS = {"ISK": 100, "UGX": 100, **dict.fromkeys(("BHD", "JOD", "KWD", "OMR", "TND"), 10)}


def amount_refusal(currency: str, amount: int) -> bytes | None:
    """Stripe's answer to an amount it does not take in ``currency``, or None."""
    step = AMOUNT_STEPS.get(currency.upper(), 1)
    if amount % step == 0:
        return None
    message = f"Invalid amount. Amounts in {currency.lower()} must be evenly divisible by {step}."
    error = {"type": "invalid_request_error", "param": "amount", "message": message}
    return json.dumps({"error": error}).encode()


class StripeProxy:
    def __init__(self, upstream: str, *, amount_rules: bool = False) -> None:
        self.upstream = urlsplit(upstream)
        self.amount_rules = amount_rules
        self.refused_amounts: list[tuple[str, int]] = []
        # PaymentIntent id -> currency, learnt from the intents created through here.
        self._currencies: dict[str, str] = {}
        self.mode = "pass"
        self.hang_seconds = 5.0
        self.forwarded_refunds = 0
        # The path of every GET passed through (what was asked of Stripe), and how long
        # each GET waits before it is forwarded (a slow Stripe, to catch a runner mid-row).
        self.reads: list[str] = []
        self.read_delay = 0.0
        self._answers: dict[str, tuple[int, list[tuple[str, str]], bytes]] = {}
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with proxy._lock:
                    proxy.reads.append(self.path)
                time.sleep(proxy.read_delay)
                proxy._relay(self, b"")

            def do_DELETE(self) -> None:
                proxy._relay(self, b"")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                refused = proxy._refused(self.path, body)
                if refused is not None:
                    self._send(400, [("Content-Type", "application/json")], refused)
                    return
                if self.path.startswith("/v1/payment_intents") and self.path.count("/") == 2:
                    answer = proxy._forward(self, body)
                    proxy._learn_currency(answer[2])
                    self._send(*answer)
                    return
                if not self.path.startswith("/v1/refunds"):
                    proxy._relay(self, body)
                    return
                if proxy.mode in CANNED:
                    status, payload = CANNED[proxy.mode]
                    self._send(status, [("Content-Type", "application/json")], payload)
                    return
                if proxy.mode == "error":
                    self._send(
                        500,
                        [("Content-Type", "application/json")],
                        b'{"error": {"type": "api_error", "message": "upstream down"}}',
                    )
                    return
                key = self.headers.get("Idempotency-Key") or ""
                with proxy._lock:
                    answer = proxy._answers.get(key) if key else None
                    if answer is None:
                        answer = proxy._forward(self, body)
                        proxy.forwarded_refunds += 1
                        if key:
                            proxy._answers[key] = answer
                if proxy.mode == "lost":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if proxy.mode == "hang":
                    time.sleep(proxy.hang_seconds)
                self._send(*answer)

            def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def _forward(self, handler, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:  # type: ignore[no-untyped-def]
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        conn.request(handler.command, handler.path, body=body or None, headers=headers)
        response = conn.getresponse()
        answer = (response.status, response.getheaders(), response.read())
        conn.close()
        return answer

    def _refused(self, path: str, body: bytes) -> bytes | None:
        if not self.amount_rules or not path.startswith(("/v1/refunds", "/v1/payment_intents")):
            return None
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if "amount" not in form:
            return None
        currency = form.get("currency") or self._currencies.get(form.get("payment_intent", ""))
        if not currency:
            return None
        refusal = amount_refusal(currency, int(form["amount"]))
        if refusal is not None:
            self.refused_amounts.append((currency.upper(), int(form["amount"])))
        return refusal

    def _learn_currency(self, body: bytes) -> None:
        try:
            intent = json.loads(body)
        except ValueError:
            return
        if isinstance(intent, dict) and intent.get("id") and intent.get("currency"):
            self._currencies[intent["id"]] = str(intent["currency"])

    def _relay(self, handler, body: bytes) -> None:  # type: ignore[no-untyped-def]
        handler._send(*self._forward(handler, body))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
