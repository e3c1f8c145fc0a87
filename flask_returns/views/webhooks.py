"""Webhook endpoints: Stripe's events and the carrier platform's tracking updates.

Forms on our pages carry CSRF tokens; Stripe and carriers cannot, so these
endpoints are exempt and trust only the platform's signature (Stripe's made with
``RETURNS_STRIPE_WEBHOOK_SECRET``, the carrier's as its module checks it).
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request
from werkzeug.wrappers import Response

from ..carriers import WebhookRefused, apply_updates, carrier
from ..payments.stripe import BadWebhook, verified_event
from ..refunds import handle_stripe_event
from ..state import ReturnsState, get_state

# Stripe's events are a few kilobytes; nothing legitimate comes near this.
MAX_EVENT_BYTES = 512 * 1024


def stripe_webhook() -> tuple[Response, int]:
    secret = get_state().settings["RETURNS_STRIPE_WEBHOOK_SECRET"]
    if not secret:
        return jsonify(error="webhook secret not configured"), 400
    if (request.content_length or 0) > MAX_EVENT_BYTES:
        return jsonify(error="too large"), 413
    payload = request.get_data(cache=False)
    try:
        event = verified_event(payload, request.headers.get("Stripe-Signature"), secret)
    except BadWebhook as refused:
        return jsonify(error=str(refused)), 400
    return jsonify(received=True, outcome=handle_stripe_event(event)), 200


def carrier_webhook(name: str) -> tuple[Response, int]:
    """Tracking updates from the platform ``RETURNS_CARRIER`` names, checked by its module."""
    provider = carrier()
    if provider is None or provider.name != name:
        return jsonify(error="no such carrier"), 404
    if (request.content_length or 0) > MAX_EVENT_BYTES:
        return jsonify(error="too large"), 413
    payload = request.get_data(cache=False)
    try:
        updates = provider.webhook_updates(dict(request.headers), payload, request.args.to_dict())
    except WebhookRefused as refused:
        return jsonify(error=str(refused)), 400
    return jsonify(received=True, applied=apply_updates(provider.name, updates)), 200


def register(blueprint: Blueprint, state: ReturnsState, app: Flask) -> None:
    blueprint.add_url_rule("/stripe/webhook", "stripe_webhook", stripe_webhook, methods=["POST"])
    blueprint.add_url_rule(
        "/carriers/<name>/webhook", "carrier_webhook", carrier_webhook, methods=["POST"]
    )
    csrf = app.extensions.get("csrf")
    if csrf is not None:  # the host's CSRFProtect would refuse the platforms' POSTs
        csrf.exempt(stripe_webhook)
        csrf.exempt(carrier_webhook)
