"""Every ``RETURNS_*`` setting, in one place, checked when the app starts.

A wrong setting should stop ``init_app`` with a message that names the key,
not surface later as a 500 in front of a customer. The README's settings table
is checked against :data:`SETTINGS` by the test suite, so the two stay in step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

from babel import Locale, UnknownLocaleError

from .errors import ConfigurationError

DEFAULT_REASONS = (
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "size_fit",
    "changed_mind",
    "arrived_late",
    "other",
)


@dataclass(frozen=True)
class Setting:
    """One documented setting: its default and the check its value must pass."""

    key: str
    default: Any
    doc: str
    check: Callable[[str, Any], Any]


def _int_at_least(minimum: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ConfigurationError(f"{key} must be an integer >= {minimum}, got {value!r}")
        return value

    return check


def _choice(*choices: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if value not in choices:
            raise ConfigurationError(f"{key} must be one of {', '.join(choices)}; got {value!r}")
        return value

    return check


def _optional_str(key: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{key} must be a string or None, got {value!r}")
    return value or None


def _optional_url(key: str, value: Any) -> str | None:
    if value is not None and not (
        isinstance(value, str) and re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value)
    ):
        raise ConfigurationError(f"{key} must be an http(s) address or None, got {value!r}")
    return value.rstrip("/") if value else None


def _str(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{key} must be a non-empty string, got {value!r}")
    return value


def _url_prefix(key: str, value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", value):
        raise ConfigurationError(
            f"{key} must look like '/returns' (no trailing slash), got {value!r}"
        )
    return value


def _rate_limit(key: str, value: Any) -> str:
    from limits import parse_many

    try:
        parse_many(value)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"{key} must be a rate such as '10 per minute', got {value!r}"
        ) from None
    return value


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{key} must be True or False, got {value!r}")
    return value


def _optional_callable(key: str, value: Any) -> Callable[[], Any] | None:
    if value is not None and not callable(value):
        raise ConfigurationError(f"{key} must be a function or None, got {value!r}")
    return value


def _percent_by_reason(key: str, value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100
        for k, v in value.items()
    ):
        raise ConfigurationError(
            f"{key} must map reason codes to whole percents 0-100, got {value!r}"
        )
    return dict(value)


_SLUG = re.compile(r"[a-z][a-z0-9_]{0,31}")


def _reason_codes(key: str, value: Any) -> tuple[str, ...]:
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


def _locale_list(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not value:
        raise ConfigurationError(f"{key} must be a non-empty list of locale codes, got {value!r}")
    for code in value:
        _locale(key, code)
    return tuple(value)


def _folder_list(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(v, str | PathLike) for v in value):
        raise ConfigurationError(f"{key} must be a list of folder paths, got {value!r}")
    return tuple(str(v) for v in value)


def _locale(key: str, value: Any) -> str:
    try:
        Locale.parse(value)
    except (TypeError, ValueError, UnknownLocaleError):
        raise ConfigurationError(f"{key}: {value!r} is not a locale code Babel knows") from None
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RETURNS_URL_PREFIX",
        "/returns",
        "Where the blueprint is mounted.",
        _url_prefix,
    ),
    Setting(
        "RETURNS_LAYOUT_TEMPLATE",
        "returns/layout.html",
        "The template every returns page extends; point it at a host template that "
        "defines the blocks `title` and `returns_content` to wear the shop's own layout.",
        _str,
    ),
    Setting(
        "RETURNS_SHOP_NAME",
        "Shop",
        "Shown to customers in page titles, emails and documents.",
        _str,
    ),
    Setting(
        "RETURNS_PUBLIC_URL",
        None,
        "The shop's address as customers reach it, e.g. `https://shop.example`; links in "
        "e-mails and PDFs made outside a request (the outbox command, webhooks) start "
        "with it. None uses the current request's address.",
        _optional_url,
    ),
    Setting(
        "RETURNS_LOCALES",
        ("en", "pl"),
        "Languages offered to customers. Each needs a catalog (English is the source).",
        _locale_list,
    ),
    Setting(
        "RETURNS_DEFAULT_LOCALE",
        "en",
        "Language used when neither the customer, the host's selector nor the browser "
        "names a supported one.",
        _locale,
    ),
    Setting(
        "RETURNS_TRANSLATION_DIRECTORIES",
        (),
        "The shop's own catalog folders (`<lang>/LC_MESSAGES/flask_returns.mo`). Their "
        "messages win over ours, and they may add languages we do not ship.",
        _folder_list,
    ),
    Setting(
        "RETURNS_WINDOW_DAYS",
        30,
        "Days after delivery (or after the order, when no delivery date is known) "
        "during which a return can be requested.",
        _int_at_least(0),
    ),
    Setting(
        "RETURNS_REASONS",
        DEFAULT_REASONS,
        "Reason codes a customer chooses from, in display order.",
        _reason_codes,
    ),
    Setting(
        "RETURNS_PHOTO_REQUIRED_REASONS",
        ("damaged", "defective", "wrong_item"),
        "Reasons that need at least one photo.",
        lambda key, value: tuple(value),
    ),
    Setting(
        "RETURNS_REFUND_TIMING",
        "receipt",
        "`receipt`: refund once the goods are back; `authorization`: refund as soon as "
        "the return is authorized.",
        _choice("receipt", "authorization"),
    ),
    Setting(
        "RETURNS_MAX_PHOTOS",
        5,
        "Most photos one return request may carry.",
        _int_at_least(0),
    ),
    Setting(
        "RETURNS_MAX_PHOTO_BYTES",
        10 * 1024 * 1024,
        "Largest photo file accepted, in bytes. The blueprint caps its request size to "
        "what this and `RETURNS_MAX_PHOTOS` allow; the host app's own limit is untouched.",
        _int_at_least(1024),
    ),
    Setting(
        "RETURNS_PHOTO_MAX_SIDE",
        2048,
        "Photos are scaled down so that their long side is at most this many pixels.",
        _int_at_least(320),
    ),
    Setting(
        "RETURNS_PHOTO_MAX_PIXELS",
        60_000_000,
        "Photos with more pixels than this are refused before decoding (decompression bombs).",
        _int_at_least(1_000_000),
    ),
    Setting(
        "RETURNS_LOOKUP_RATE_LIMIT",
        "10 per minute;50 per hour",
        "Failed order or return look-ups allowed per client (Flask-Limiter syntax). The "
        "host's Limiter is used when it has one, so its storage is shared.",
        _rate_limit,
    ),
    Setting(
        "RETURNS_STORAGE_PATH",
        None,
        "Folder for photos and documents; default `<instance_path>/returns-files`. "
        "Never a folder under `static/`.",
        _optional_str,
    ),
    Setting(
        "RETURNS_STRIPE_API_KEY",
        None,
        "Stripe secret key used for refunds (`sk_test_...` or a restricted key).",
        _optional_str,
    ),
    Setting(
        "RETURNS_STRIPE_API_BASE",
        None,
        "Another Stripe API address, e.g. a local test server; None means Stripe itself.",
        _optional_str,
    ),
    Setting(
        "RETURNS_STRIPE_WEBHOOK_SECRET",
        None,
        "Signing secret (`whsec_...`) of the webhook endpoint at `<prefix>/stripe/webhook`; "
        "without it the endpoint refuses every event.",
        _optional_str,
    ),
    Setting(
        "RETURNS_STRIPE_TIMEOUT",
        30,
        "Seconds to wait for Stripe before a refund's outcome counts as unknown.",
        _int_at_least(1),
    ),
    Setting(
        "RETURNS_RESTOCKING_FEES",
        {},
        'Restocking fee in percent per reason code, e.g. `{"changed_mind": 10}`; '
        "reasons not named carry no fee.",
        _percent_by_reason,
    ),
    Setting(
        "RETURNS_REFUND_ORIGINAL_SHIPPING",
        True,
        "Refund the order's shipping when every line of the order comes back in full.",
        _bool,
    ),
    Setting(
        "RETURNS_ADMIN_PERMISSION",
        None,
        "A callable that returns True when the current user may use the admin pages. "
        "None denies everyone (with a warning at start-up).",
        _optional_callable,
    ),
    Setting(
        "RETURNS_ADMIN_IDENTITY",
        None,
        "A callable that returns the acting admin's id for the history; None uses "
        "Flask-Login's `current_user.get_id()`.",
        _optional_callable,
    ),
    Setting(
        "RETURNS_ADMIN_PAGE_SIZE",
        50,
        "Returns per page in the admin queue.",
        _int_at_least(1),
    ),
)

KEYS = frozenset(setting.key for setting in SETTINGS)


@dataclass(frozen=True)
class ReturnsSettings:
    """The checked settings of one app, read once at start-up."""

    values: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def url_prefix(self) -> str:
        return self.values["RETURNS_URL_PREFIX"]


def load_settings(config: dict[str, Any]) -> ReturnsSettings:
    """Fill in defaults with ``setdefault`` and check every value.

    Raises :class:`ConfigurationError` naming the key on the first bad value and on
    unknown ``RETURNS_*`` keys, which are nearly always typos.
    """
    if not config.get("SECRET_KEY"):
        raise ConfigurationError(
            "flask-returns signs customer links and forms: set the app's SECRET_KEY"
        )
    unknown = sorted(k for k in config if k.startswith("RETURNS_") and k not in KEYS)
    if unknown:
        raise ConfigurationError(f"Unknown setting(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        config.setdefault(setting.key, setting.default)
        values[setting.key] = setting.check(setting.key, config[setting.key])
    _check_together(values)
    return ReturnsSettings(values)


def _check_together(values: dict[str, Any]) -> None:
    unknown = set(values["RETURNS_PHOTO_REQUIRED_REASONS"]) - set(values["RETURNS_REASONS"])
    if unknown:
        raise ConfigurationError(
            "RETURNS_PHOTO_REQUIRED_REASONS names reasons missing from RETURNS_REASONS: "
            + ", ".join(sorted(unknown))
        )
    unknown = set(values["RETURNS_RESTOCKING_FEES"]) - set(values["RETURNS_REASONS"])
    if unknown:
        raise ConfigurationError(
            "RETURNS_RESTOCKING_FEES names reasons missing from RETURNS_REASONS: "
            + ", ".join(sorted(unknown))
        )
    if values["RETURNS_DEFAULT_LOCALE"] not in values["RETURNS_LOCALES"]:
        raise ConfigurationError("RETURNS_DEFAULT_LOCALE must be one of RETURNS_LOCALES")
