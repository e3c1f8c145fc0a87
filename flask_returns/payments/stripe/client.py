"""The Stripe client this package uses, and Stripe's errors in plain words.

Every call to Stripe's API goes through :func:`client` (one per configuration,
retries on, connections kept) and every SDK error becomes a :class:`StripeFailure`
that says whether the outcome is known.
"""

from __future__ import annotations

from typing import Any, cast

import stripe

from ...state import get_state


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


def as_failure(error: stripe.StripeError) -> StripeFailure:
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


def get_json(api: stripe.StripeClient, path: str, **params: Any) -> dict[str, Any]:
    """A GET whose answer stays plain JSON: three fields of it are used, so turning a
    whole PaymentIntent and its charge into Stripe objects would be CPU for nothing
    (1 to 2 ms a refund). Errors, retries and settings are the client's as usual."""
    return cast(dict[str, Any], api.raw_request("get", path, **params).data)
