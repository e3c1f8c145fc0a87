"""Refunds at Stripe: the only module that talks to Stripe's API.

It knows Stripe's vocabulary (PaymentIntents, charges, refund statuses, errors)
and hands the rest of the package plain values: a refund's id, status and
failure reason, or a :class:`StripeFailure` that says whether the outcome is
known. Amounts are integer minor units, the same ones Stripe takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote_plus

import stripe

from ..state import get_state

FINAL_STATUSES = frozenset({"succeeded", "failed", "canceled"})


@dataclass(frozen=True)
class StripeRefund:
    id: str
    status: str
    amount: int
    currency: str
    failure_reason: str
    # Our own refund row id, from the metadata we put on every refund.
    our_refund_id: str | None


@dataclass(frozen=True)
class PaymentBalance:
    """What the customer paid and what has been refunded already, by anyone."""

    amount: int
    amount_refunded: int
    currency: str

    @property
    def remaining(self) -> int:
        return max(self.amount - self.amount_refunded, 0)


class StripeFailure(Exception):
    """Stripe did not refund. ``outcome_known`` is False when we cannot tell whether it did.

    ``kind`` is one of: ``declined`` (card or bank refused), ``already_refunded``,
    ``invalid`` (a request Stripe rejects), ``auth`` (bad key), ``rate_limited``,
    ``unavailable`` (Stripe's side failed) and ``network`` (no answer came back).
    """

    def __init__(self, kind: str, message: str, *, outcome_known: bool) -> None:
        super().__init__(message)
        self.kind = kind
        self.outcome_known = outcome_known


_clients: dict[tuple[str, str | None, int], stripe.StripeClient] = {}


def client() -> stripe.StripeClient:
    """The app's client: retries with the same idempotency key, keeps connections open."""
    settings = get_state().settings
    key = settings["RETURNS_STRIPE_API_KEY"]
    if not key:
        raise StripeFailure("auth", "RETURNS_STRIPE_API_KEY is not set", outcome_known=True)
    base = settings["RETURNS_STRIPE_API_BASE"]
    timeout = settings["RETURNS_STRIPE_TIMEOUT"]
    found = _clients.get((key, base, timeout))
    if found is None:
        # One per configuration, shared: its HTTP sessions are per thread.
        found = _clients[(key, base, timeout)] = stripe.StripeClient(
            key,
            base_addresses={"api": base} if base else None,
            max_network_retries=2,
            http_client=stripe.RequestsClient(timeout=(min(10, timeout), timeout)),
        )
    return found


def _failure(error: stripe.StripeError) -> StripeFailure:
    message = getattr(error, "user_message", None) or str(error)
    code = getattr(error, "code", None) or ""
    if isinstance(error, stripe.APIConnectionError):
        return StripeFailure("network", message, outcome_known=False)
    if isinstance(error, stripe.CardError):
        return StripeFailure("declined", message, outcome_known=True)
    if isinstance(error, stripe.InvalidRequestError):
        kind = "already_refunded" if code == "charge_already_refunded" else "invalid"
        return StripeFailure(kind, message, outcome_known=True)
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return StripeFailure("auth", message, outcome_known=True)
    if isinstance(error, stripe.RateLimitError):
        return StripeFailure("rate_limited", message, outcome_known=True)
    # A 5xx after retries: Stripe may or may not have acted on it.
    status = getattr(error, "http_status", None) or 500
    return StripeFailure("unavailable", message, outcome_known=status < 500)


def _get(api: stripe.StripeClient, path: str, **params: Any) -> dict[str, Any]:
    """A GET whose answer stays plain JSON: three fields of it are used, so turning a
    whole PaymentIntent and its charge into Stripe objects would be CPU for nothing
    (1 to 2 ms a refund). Errors, retries and settings are the client's as usual."""
    return cast(dict[str, Any], api.raw_request("get", path, **params).data)


def _charge(api: stripe.StripeClient, payment_reference: str) -> dict[str, Any]:
    if payment_reference.startswith("pi_"):
        # Expanded, the charge comes along: one request instead of two.
        intent = _get(
            api, f"/v1/payment_intents/{quote_plus(payment_reference)}", expand=["latest_charge"]
        )
        charge = intent.get("latest_charge")
        if not charge:
            raise StripeFailure("invalid", "the payment has no charge", outcome_known=True)
        return (
            charge
            if not isinstance(charge, str)
            else _get(api, f"/v1/charges/{quote_plus(charge)}")
        )
    return _get(api, f"/v1/charges/{quote_plus(payment_reference)}")


def payment_balance(payment_reference: str) -> PaymentBalance:
    """Paid and refunded so far at Stripe, counting refunds made outside this module."""
    api = client()
    try:
        charge = _charge(api, payment_reference)
    except stripe.StripeError as error:
        raise _failure(error) from error
    return PaymentBalance(
        amount=int(charge["amount"]),
        amount_refunded=int(charge.get("amount_refunded") or 0),
        currency=str(charge["currency"]).upper(),
    )


def _as_refund(obj: Any) -> StripeRefund:
    data = obj.to_dict()  # stripe objects are not dicts; this one is
    return StripeRefund(
        id=data["id"],
        status=data["status"],
        amount=int(data["amount"]),
        currency=str(data["currency"]).upper(),
        failure_reason=data.get("failure_reason") or "",
        our_refund_id=(data.get("metadata") or {}).get("flask_returns_refund_id"),
    )


def create_refund(
    payment_reference: str,
    amount: int,
    *,
    idempotency_key: str,
    our_refund_id: int,
    rma: str,
) -> StripeRefund:
    """Ask Stripe to refund ``amount`` minor units; raises :class:`StripeFailure`."""
    target = "payment_intent" if payment_reference.startswith("pi_") else "charge"
    params: dict[str, Any] = {
        target: payment_reference,
        "amount": amount,
        # Lets an unknown outcome be settled later by listing the payment's refunds.
        "metadata": {"flask_returns_refund_id": str(our_refund_id), "rma": rma},
    }
    try:
        refund = client().v1.refunds.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _failure(error) from error
    return _as_refund(refund)


def find_refund(payment_reference: str, our_refund_id: int) -> StripeRefund | None:
    """The refund Stripe made for our row, if any: how an unknown outcome is settled."""
    target = "payment_intent" if payment_reference.startswith("pi_") else "charge"
    try:
        page = client().v1.refunds.list(params={target: payment_reference, "limit": 100})  # type: ignore[misc]
    except stripe.StripeError as error:
        raise _failure(error) from error
    for obj in page.auto_paging_iter():
        refund = _as_refund(obj)
        if refund.our_refund_id == str(our_refund_id):
            return refund
    return None


def retrieve_refund(refund_id: str) -> StripeRefund:
    try:
        return _as_refund(client().v1.refunds.retrieve(refund_id))
    except stripe.StripeError as error:
        raise _failure(error) from error
