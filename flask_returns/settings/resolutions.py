"""The settings for what customers may get instead of a refund, and their checks.

A part of the one table (:data:`~flask_returns.settings.table.SETTINGS` ends with
these), kept here so each file stays one screenful of rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError
from . import checks
from .checks import Setting

RESOLUTION_CODES = ("refund", "replacement", "exchange", "store_credit")


def resolutions_by_reason(key: str, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping) or not all(
        isinstance(reason, str)
        and not isinstance(offered, str)
        and isinstance(offered, (list, tuple))
        and offered
        and all(code in RESOLUTION_CODES for code in offered)
        and len(set(offered)) == len(offered)
        for reason, offered in value.items()
    ):
        raise ConfigurationError(
            f"{key} must map reason codes to lists of {', '.join(RESOLUTION_CODES)} "
            f"(each at most once), e.g. {{'wrong_size': ['exchange', 'refund']}}; got {value!r}"
        )
    return {reason: tuple(offered) for reason, offered in value.items()}


def amounts_by_reason(key: str, value: Any) -> dict[str, dict[str, int]]:
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{key} must map reason codes to amounts per currency")
    return {
        reason: checks.amounts_by_currency(f"{key}[{reason!r}]", amounts)
        for reason, amounts in value.items()
    }


RESOLUTION_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RETURNS_RESOLUTIONS",
        {},
        "What a customer may ask for per reason, in the order offered: `refund`, "
        "`replacement`, `exchange`, `store_credit`, e.g. "
        '`{"wrong_size": ["exchange", "store_credit", "refund"]}`. Reasons not named '
        "offer a refund only. The orders adapter must support what is offered (checked "
        "at start-up).",
        resolutions_by_reason,
    ),
    Setting(
        "RETURNS_STORE_CREDIT_BONUS",
        {},
        "Percent added to the refund amount when the customer takes store credit, per reason, "
        'e.g. `{"changed_mind": 10}`.',
        checks.percent_by_reason,
    ),
    Setting(
        "RETURNS_ADVANCE_EXCHANGE_REASONS",
        (),
        "Reasons whose replacement or exchange ships at authorization (an advance "
        "exchange); others ship once the returned goods arrive.",
        checks.strings,
    ),
    Setting(
        "RETURNS_KEEP_ITEM_UP_TO",
        {},
        "Lines the customer keeps: per reason, the largest line value per currency "
        '(Stripe\'s units) settled without the item coming back, e.g. `{"damaged": '
        '{"EUR": 1500}}`. No label, no parcel; never above the value.',
        amounts_by_reason,
    ),
    Setting(
        "RETURNS_HOST_TIMEOUT",
        60,
        "Seconds a call to the orders adapter that creates a replacement order or store "
        "credit may take; a call older than this with no answer is looked up by its key, "
        "then made again with the same key.",
        checks.int_at_least(1),
    ),
)
