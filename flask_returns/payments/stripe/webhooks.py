"""Stripe's webhooks: is this request really from Stripe, and what does it say?

Only the signature made with the endpoint's secret is trusted (Stripe's events
cannot carry our CSRF token); a payload that fails it, or is not a JSON object,
is refused before anything reads it.
"""

from __future__ import annotations

import json
from typing import Any

import stripe


class BadWebhook(ValueError):
    """The request is not a signed Stripe event."""


def verified_event(payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """The event in ``payload`` once its ``Stripe-Signature`` checks out."""
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=stripe.Webhook.DEFAULT_TOLERANCE
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
        raise BadWebhook("bad signature or payload") from error
    if not isinstance(event, dict):
        raise BadWebhook("bad payload")
    return event
