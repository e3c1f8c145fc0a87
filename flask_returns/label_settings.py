"""The label settings (``RETURNS_RETURN_ADDRESS`` and friends) and their checks.

They live outside :mod:`flask_returns.documents` because :mod:`flask_returns.config`
imports them, and that package imports the app state, which imports the config.
Each has the ``check(key, value)`` shape of a :class:`~flask_returns.setting_checks.Setting`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import setting_checks as checks
from .errors import ConfigurationError
from .orders import Address
from .setting_checks import Setting

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


# The label part of flask_returns.config.SETTINGS.
LABEL_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RETURNS_RETURN_ADDRESS",
        None,
        "Where returns are sent, printed on the label: a dict with `name`, `line1`, "
        "`line2`, `postal_code`, `city` and `country` (ISO 3166 code such as `DE`); "
        "`line2` and `postal_code` may be left out. None turns labels off (with a "
        "warning at start-up).",
        return_address,
    ),
    Setting(
        "RETURNS_LABEL_PAGE_SIZE",
        "4x6",
        "Paper of the label PDF: `4x6` (a 4 x 6 in label printer), or `A4` / `Letter` "
        "with the label in a dashed cut line. The packing page uses the same paper.",
        checks.choice("4x6", "A4", "Letter"),
    ),
    Setting(
        "RETURNS_CARRIER_NAME",
        None,
        "The carrier named in the prepaid mark on the built-in label, e.g. `DHL`.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_CARRIER_ACCOUNT",
        None,
        "The shop's permit or account number with the carrier, printed in the prepaid mark.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_CARRIER_SERVICE",
        None,
        "The carrier's service printed in the prepaid mark, e.g. `Retoure Online`.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_DROP_OFF_DAYS",
        14,
        "Days after authorization by which the parcel should be handed to the carrier; "
        "the label and packing page print the date.",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_REFUND_DAYS",
        10,
        "Days a refund may take to show on the customer's statement; the packing page says so.",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_SHOP_CONTACT",
        None,
        'How customers reach the shop, printed on the packing page: `{"email": ..., '
        '"phone": ...}` (either may be left out). None prints only the status link.',
        shop_contact,
    ),
    Setting(
        "RETURNS_LABEL_PROVIDER",
        None,
        "An object implementing `flask_returns.documents.LabelProvider` whose carrier "
        "label (PDF or PNG/JPEG) goes on the label page; None draws the built-in "
        "merchant-permit label.",
        label_provider,
    ),
)
