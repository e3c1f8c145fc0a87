"""The checks behind the settings: each returns the value to use or names the key.

Kept apart from :mod:`.table` so that the table stays a table; every function here
has the ``check(key, value)`` shape of a :class:`Setting` (or builds one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from os import PathLike
from types import MappingProxyType
from typing import Any

from babel import Locale, UnknownLocaleError

from ..errors import ConfigurationError
from ..orders import Address


@dataclass(frozen=True)
class Setting:
    """One documented setting: its default and the check its value must pass."""

    key: str
    default: Any
    doc: str
    check: Callable[[str, Any], Any]


_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")


def _whole(value: Any, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def days_by_category(key: str, value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and k and _whole(v) for k, v in value.items()
    ):
        raise ConfigurationError(f"{key} must map category names to days, got {value!r}")
    return dict(value)


def days_by_country(key: str, value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and _COUNTRY.fullmatch(k) and _whole(v) for k, v in value.items()
    ):
        raise ConfigurationError(
            f"{key} must map two-letter country codes (upper case) to days, got {value!r}"
        )
    return dict(value)


def amounts_by_currency(key: str, value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and _CURRENCY.fullmatch(k) and _whole(v) for k, v in value.items()
    ):
        raise ConfigurationError(
            f"{key} must map currency codes to amounts in Stripe's units, e.g. {{'EUR': 495}}, "
            f"got {value!r}"
        )
    return dict(value)


def strings(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
        raise ConfigurationError(f"{key} must be a list of strings, got {value!r}")
    return tuple(value)


def auto_authorize(key: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) - {"max_total", "except_reasons"}:
        raise ConfigurationError(
            f"{key} must be None or {{'max_total': {{'EUR': 5000}}, "
            f"'except_reasons': ['damaged']}}, got {value!r}"
        )
    return {
        "max_total": amounts_by_currency(f"{key}['max_total']", value.get("max_total", {})),
        "except_reasons": strings(
            f"{key}['except_reasons']", value.get("except_reasons", ("damaged",))
        ),
    }


def policy_object(key: str, value: Any) -> Any:
    from ..policy import ReturnPolicy

    if value is not None and not isinstance(value, ReturnPolicy):
        raise ConfigurationError(f"{key} must be a ReturnPolicy or None, got {value!r}")
    return value


def int_at_least(minimum: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ConfigurationError(f"{key} must be an integer >= {minimum}, got {value!r}")
        return value

    return check


def choice(*choices: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if value not in choices:
            raise ConfigurationError(f"{key} must be one of {', '.join(choices)}; got {value!r}")
        return value

    return check


def optional_str(key: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{key} must be a string or None, got {value!r}")
    return value or None


def optional_url(key: str, value: Any) -> str | None:
    if value is not None and not (
        isinstance(value, str) and re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value)
    ):
        raise ConfigurationError(f"{key} must be an http(s) address or None, got {value!r}")
    return value.rstrip("/") if value else None


def text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{key} must be a non-empty string, got {value!r}")
    return value


def url_prefix(key: str, value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", value):
        raise ConfigurationError(
            f"{key} must look like '/returns' (no trailing slash), got {value!r}"
        )
    return value


def rate_limit(key: str, value: Any) -> str:
    from limits import parse_many

    try:
        parse_many(value)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"{key} must be a rate such as '10 per minute', got {value!r}"
        ) from None
    return value


def limits_storage(key: str, value: Any) -> str | None:
    """A storage URI the ``limits`` library knows (memory, redis, memcached, ...)."""
    if value is None:
        return None
    from limits.storage import SCHEMES

    scheme = value.split("://", 1)[0] if isinstance(value, str) and "://" in value else ""
    if scheme not in SCHEMES or scheme.startswith("async+"):
        raise ConfigurationError(
            f"{key} must be a storage URI such as redis://host:6379/0 or memory://, got {value!r}"
        )
    return value


def flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{key} must be True or False, got {value!r}")
    return value


def optional_callable(key: str, value: Any) -> Callable[[], Any] | None:
    if value is not None and not callable(value):
        raise ConfigurationError(f"{key} must be a function or None, got {value!r}")
    return value


def percent_by_reason(key: str, value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100
        for k, v in value.items()
    ):
        raise ConfigurationError(
            f"{key} must map reason codes to whole percents 0-100, got {value!r}"
        )
    return dict(value)


_SLUG = re.compile(r"[a-z][a-z0-9_]{0,31}")


def reason_codes(key: str, value: Any) -> tuple[str, ...]:
    if (
        isinstance(value, str)
        or not value
        or not all(isinstance(code, str) and _SLUG.fullmatch(code) for code in value)
    ):
        raise ConfigurationError(
            f"{key} must be a non-empty list of lower-case codes such as 'damaged', got {value!r}"
        )
    if len(set(value)) != len(value):
        raise ConfigurationError(f"{key} lists a reason twice: {value!r}")
    return tuple(value)


def reason_labels(key: str, value: Any) -> Mapping[str, str | Mapping[str, str]]:
    """Reason code -> a name (English, translated by the shop's catalogs) or names by language."""
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{key} must be a dict of reason code -> name, got {value!r}")
    checked: dict[str, str | Mapping[str, str]] = {}
    for code, name in value.items():
        if not isinstance(code, str) or not _SLUG.fullmatch(code):
            raise ConfigurationError(f"{key}: {code!r} is not a lower-case reason code")
        if isinstance(name, Mapping):
            for language, text in name.items():
                locale(key, language)
                if not isinstance(text, str) or not text.strip():
                    raise ConfigurationError(f"{key}: the {language} name of {code!r} is empty")
            if not name:
                raise ConfigurationError(f"{key}: {code!r} has no names")
            checked[code] = MappingProxyType(dict(name))
        elif isinstance(name, str) and name.strip():
            checked[code] = name
        else:
            raise ConfigurationError(f"{key}: the name of {code!r} must be text, got {name!r}")
    return MappingProxyType(checked)


def locale_list(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not value:
        raise ConfigurationError(f"{key} must be a non-empty list of locale codes, got {value!r}")
    for code in value:
        locale(key, code)
    return tuple(value)


def folder_list(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(v, str | PathLike) for v in value):
        raise ConfigurationError(f"{key} must be a list of folder paths, got {value!r}")
    return tuple(str(v) for v in value)


def locale(key: str, value: Any) -> str:
    try:
        Locale.parse(value)
    except (TypeError, ValueError, UnknownLocaleError):
        raise ConfigurationError(f"{key}: {value!r} is not a locale code Babel knows") from None
    return value


# --------------------------------------------------------------------------- labels

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


# --------------------------------------------------------------------------- mail

#: Every message the customer can get, in the order a return lives through them.
MAIL_KINDS = (
    "request_received",
    "authorized",
    "label_ready",
    "rejected",
    "goods_received",
    "refund_issued",
    "refund_failed",
    "resolution_changed",
    "replacement_ordered",
    "replacement_shipped",
    "store_credit_issued",
    "shop_message",
)

SECURITY_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def check_address(key: str, value: Any) -> str | None:
    """``returns@shop.example`` or ``Shop <returns@shop.example>``; one line, one address."""
    if value is None:
        return None
    if isinstance(value, str) and not any(c in value for c in "\r\n\0"):
        _name, address = parseaddr(value)
        local, _at, domain = address.rpartition("@")
        if local and "." in domain and " " not in address:
            return value
    raise ConfigurationError(
        f"{key} must be an e-mail address such as 'Shop <returns@shop.example>', got {value!r}"
    )


def check_port(key: str, value: Any) -> int | None:
    if value is None or (
        isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536
    ):
        return value
    raise ConfigurationError(f"{key} must be a port number 1-65535 or None, got {value!r}")


def check_kinds(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise ConfigurationError(f"{key} must be a list of message kinds, got {value!r}")
    unknown = sorted(set(value) - set(MAIL_KINDS))
    if unknown:
        raise ConfigurationError(
            f"{key} names unknown message kinds: {', '.join(map(str, unknown))} "
            f"(known: {', '.join(MAIL_KINDS)})"
        )
    return tuple(kind for kind in MAIL_KINDS if kind in value)
