"""Stripe: the only place that talks to Stripe's API.

Refunds (:func:`create_refund`, :func:`find_refund`, :func:`retrieve_refund`), what
a payment still holds (:func:`payment_balance`), and the webhook's signature
(:func:`verified_event`). Errors arrive as :class:`StripeFailure`.
"""

from __future__ import annotations

from .client import StripeFailure, client
from .refunds import (
    FINAL_STATUSES,
    PaymentBalance,
    StripeRefund,
    create_refund,
    find_refund,
    payment_balance,
    retrieve_refund,
)
from .webhooks import BadWebhook, verified_event

__all__ = [
    "FINAL_STATUSES",
    "BadWebhook",
    "PaymentBalance",
    "StripeFailure",
    "StripeRefund",
    "client",
    "create_refund",
    "find_refund",
    "payment_balance",
    "retrieve_refund",
    "verified_event",
]
