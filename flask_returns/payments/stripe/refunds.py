"""Refunds at Stripe: a payment's balance, creating a refund, finding one again.

It knows Stripe's vocabulary (PaymentIntents, charges, refund statuses) and hands
the rest of the package plain values: a refund's id, status and failure reason.
Amounts are integers in Stripe's units for the currency, the same ones it takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import stripe

from .client import StripeFailure, as_failure, client, get_json

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


def _charge(api: stripe.StripeClient, payment_reference: str) -> dict[str, Any]:
    if payment_reference.startswith("pi_"):
        # Expanded, the charge comes along: one request instead of two.
        intent = get_json(
            api, f"/v1/payment_intents/{quote_plus(payment_reference)}", expand=["latest_charge"]
        )
        charge = intent.get("latest_charge")
        if not charge:
            raise StripeFailure("invalid", "the payment has no charge", outcome_known=True)
        return (
            charge
            if not isinstance(charge, str)
            else get_json(api, f"/v1/charges/{quote_plus(charge)}")
        )
    return get_json(api, f"/v1/charges/{quote_plus(payment_reference)}")


def payment_balance(payment_reference: str) -> PaymentBalance:
    """Paid and refunded so far at Stripe, counting refunds made outside this module."""
    api = client()
    try:
        charge = _charge(api, payment_reference)
    except stripe.StripeError as error:
        raise as_failure(error) from error
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
    """Ask Stripe to refund ``amount`` (its units); raises :class:`StripeFailure`."""
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
        raise as_failure(error) from error
    return _as_refund(refund)


def find_refund(payment_reference: str, our_refund_id: int) -> StripeRefund | None:
    """The refund Stripe made for our row, if any: how an unknown outcome is settled."""
    target = "payment_intent" if payment_reference.startswith("pi_") else "charge"
    try:
        page = client().v1.refunds.list(params={target: payment_reference, "limit": 100})  # type: ignore[misc]
    except stripe.StripeError as error:
        raise as_failure(error) from error
    for obj in page.auto_paging_iter():
        refund = _as_refund(obj)
        if refund.our_refund_id == str(our_refund_id):
            return refund
    return None


def retrieve_refund(refund_id: str) -> StripeRefund:
    try:
        return _as_refund(client().v1.refunds.retrieve(refund_id))
    except stripe.StripeError as error:
        raise as_failure(error) from error
