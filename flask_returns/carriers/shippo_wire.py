"""How requests and answers are written for Shippo's API: the timed session the SDK
sends through, addresses, amounts, and Shippo's error bodies in its own words.

Kept apart from :mod:`.shippo` so the provider reads as the steps it takes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from shippo.models import components

from ..orders import Address


class TimedSession(requests.Session):
    """The SDK calls ``client.send(request)`` with no timeout: every send gets ours, and
    within :meth:`budget` only what is left of one timeout, so the calls up to a
    purchase end within the time the booking module waits for a call."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self._deadline = threading.local()

    @contextmanager
    def budget(self) -> Iterator[None]:
        self._deadline.at = time.monotonic() + self.timeout
        try:
            yield
        finally:
            self._deadline.at = None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        timeout, deadline = self.timeout, getattr(self._deadline, "at", None)
        if deadline is not None:
            timeout = min(timeout, deadline - time.monotonic())
            if timeout <= 0:
                raise requests.Timeout(f"{self.timeout} s spent before {request.path_url}")
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = timeout
        return super().send(request, **kwargs)


def address_request(address: Address, email: str) -> components.AddressCreateRequest:
    return components.AddressCreateRequest(
        country=address.country,
        name=address.name,
        company=address.company or None,
        street1=address.line1,
        street2=address.line2 or None,
        city=address.city,
        state=address.region or None,
        zip=address.postal_code,
        phone=address.phone or None,
        email=email or None,
    )


def amount_of(value: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("Infinity")


def word_of(value: Any) -> str:
    """An SDK enum's word (``str()`` of a ``str`` enum is its class and name)."""
    return str(getattr(value, "value", value))


def said(messages: list[components.ResponseMessage] | None) -> str:
    return "; ".join(m.text for m in messages or [] if m.text)


def error_words(body: str, fields: Mapping[str, str]) -> tuple[str, str]:
    """Shippo's error body in its own words (``{"detail": ...}`` or, per field,
    ``{"address_to": {"zip": ["..."]}}``), and the address it names."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body.strip()[:500] or "no reason given", ""
    if isinstance(parsed, dict) and isinstance(parsed.get("detail"), str):
        return parsed["detail"], ""
    parts: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for inner in value:
                walk(inner, path)
        else:
            parts.append(f"{path}: {value}" if path else str(value))

    walk(parsed, "")
    field = next((fields[k] for k in parsed if k in fields), "") if isinstance(parsed, dict) else ""
    return "; ".join(parts)[:500] or "no reason given", field
