"""The shop's Stripe client, used at checkout (and by the demo seed)."""

from __future__ import annotations

import stripe
from flask import Flask


def stripe_client(app: Flask) -> stripe.StripeClient:
    base = app.config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        app.config["STRIPE_API_KEY"],
        base_addresses={"api": base} if base else None,
        max_network_retries=2,
    )
