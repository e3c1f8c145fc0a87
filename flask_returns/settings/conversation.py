"""The settings for conversations on returns, and their checks.

A part of the one table (:data:`~flask_returns.settings.table.SETTINGS` ends with
these), kept here so each file stays one screenful of rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError
from . import checks
from .checks import Setting

_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")


def reply_templates(key: str, value: Any) -> dict[str, dict[str, Any]]:
    """``{"key": {"title": ..., "body": ..., "asks_customer": bool}}``, words in English
    (translated by the shop's catalogs) or per language (``{"en": ..., "el": ...}``)."""
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{key} must map template keys to title and body")
    found = {}
    for name, spec in value.items():
        if not (isinstance(name, str) and _KEY.fullmatch(name) and isinstance(spec, Mapping)):
            raise ConfigurationError(f"{key}: {name!r} must be a lower-case key with a dict")
        unknown = set(spec) - {"title", "body", "asks_customer"}
        if unknown or not {"title", "body"} <= set(spec):
            raise ConfigurationError(
                f"{key}[{name!r}] takes title, body and asks_customer, got {sorted(spec)}"
            )
        for part in ("title", "body"):
            words = spec[part]
            texts = words.values() if isinstance(words, Mapping) else [words]
            if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
                raise ConfigurationError(f"{key}[{name!r}][{part!r}] must be text")
        _check_placeholders(key, name, spec["body"])
        found[name] = dict(spec)
    return found


def _check_placeholders(key: str, name: str, body: Any) -> None:
    from ..conversation import PLACEHOLDERS

    texts = body.values() if isinstance(body, Mapping) else [body]
    for text in texts:
        try:
            text % dict.fromkeys(PLACEHOLDERS, "")
        except (KeyError, ValueError, TypeError) as problem:
            raise ConfigurationError(
                f"{key}[{name!r}] uses a placeholder we do not fill ({problem}); "
                f"use {', '.join(f'%({p})s' for p in PLACEHOLDERS)}, and %% for a percent sign"
            ) from None


CONVERSATION_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RETURNS_SUPPORT_EMAIL",
        None,
        "The support team's address: each customer message is e-mailed there with a link "
        "to the return's admin page. None: messages wait in the admin queue only.",
        checks.check_address,
    ),
    Setting(
        "RETURNS_REPLY_TEMPLATES",
        {},
        'The shop\'s own reply templates beside ours: `{"late_parcel": {"title": "Parcel '
        'late", "body": "Hello %(name)s, ...", "asks_customer": False}}`, in English '
        "(translated by `RETURNS_TRANSLATION_DIRECTORIES`) or per language. The body may use "
        "%(rma)s, %(name)s, %(order)s, %(amount)s, %(refund_date)s, %(drop_off_date)s.",
        reply_templates,
    ),
    Setting(
        "RETURNS_CUSTOMER_MESSAGES_PER_HOUR",
        5,
        "Messages a customer may write on one return in an hour; more are refused with a "
        "message (a flood of messages reaches nobody).",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_MESSAGE_MAX_LENGTH",
        2000,
        "Longest message, in characters, from the customer or the shop.",
        checks.int_at_least(100),
    ),
)
