"""Checks of the label settings (``RETURNS_RETURN_ADDRESS`` and friends).

They live outside :mod:`flask_returns.documents` because :mod:`flask_returns.config`
imports them, and that package imports the app state, which imports the config.
Each has the ``check(key, value)`` shape of a :class:`~flask_returns.config.Setting`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import ConfigurationError
from .orders import Address

_ADDRESS_KEYS = frozenset({"name", "line1", "line2", "postal_code", "city", "country"})


def return_address(key: str, value: Any) -> Address | None:
    """The label's recipient; checked here so a typo stops start-up, not a print run."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) - _ADDRESS_KEYS:
        raise ConfigurationError(
            f"{key} must be a dict with the keys {', '.join(sorted(_ADDRESS_KEYS))}; got {value!r}"
        )
    parts = {k: v.strip() if isinstance(v, str) else v for k, v in value.items()}
    if not all(isinstance(v, str) for v in parts.values()):
        raise ConfigurationError(f"{key}: every part of the address must be a string")
    missing = [k for k in ("name", "line1", "city", "country") if not parts.get(k)]
    if missing:
        raise ConfigurationError(f"{key} lacks {', '.join(missing)}")
    if not re.fullmatch(r"[A-Z]{2}", parts["country"]):
        raise ConfigurationError(f"{key}: country must be an ISO 3166 code such as 'DE'")
    parts.setdefault("postal_code", "")
    return Address(**parts)


def shop_contact(key: str, value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if (
        not isinstance(value, Mapping)
        or not value
        or set(value) - {"email", "phone"}
        or not all(isinstance(v, str) and v.strip() for v in value.values())
    ):
        raise ConfigurationError(
            f'{key} must be a dict such as {{"email": "returns@shop.example", '
            f'"phone": "+49 30 1234567"}} or None, got {value!r}'
        )
    return {k: v.strip() for k, v in value.items()}


def label_provider(key: str, value: Any) -> Any:
    """Duck-typed: ``flask_returns.documents.LabelProvider`` cannot be imported here."""
    if value is None:
        return None
    name = getattr(value, "name", None)
    if not (
        isinstance(name, str)
        and re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", name)
        and callable(getattr(value, "label_for", None))
    ):
        raise ConfigurationError(
            f"{key} must have a `name` (up to 64 letters, digits, _.:-) and a "
            f"`label_for(request)` method, got {value!r}"
        )
    return value
