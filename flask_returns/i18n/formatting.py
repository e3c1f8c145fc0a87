"""Money and dates in the reader's language: one place for how figures are written.

Babel applies its number and date patterns anew on each call; pages repeat the
same few amounts and dates, so the formatted text is kept (bounded).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton

from ..money import Money
from .locale import current_locale

__all__ = ["format_date", "format_money", "format_when"]


def format_money(amount: int | Money, currency: str | None = None) -> str:
    money = amount if isinstance(amount, Money) else Money(amount, currency or "")
    return _formatted_money(money, current_locale())


def format_date(value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    # Babel formats a datetime by its date alone, so the date is the whole key.
    day = value.date() if isinstance(value, datetime) else value
    return _formatted_date(day, format, current_locale())


@lru_cache(maxsize=4096)
def _formatted_money(money: Money, locale: Locale) -> str:
    return money.format(locale)


@lru_cache(maxsize=4096)
def _formatted_date(day: date, format: str, locale: Locale) -> str:
    return babel_format_date(day, format=format, locale=locale)


def format_when(value: datetime | None) -> str:
    """Date and time in UTC, in the admin's language (the history is read across zones)."""
    if value is None:
        return ""
    locale = current_locale()
    day = format_skeleton("yMMMd", value, tzinfo=UTC, locale=locale)
    return f"{day} {format_skeleton('Hm', value, tzinfo=UTC, locale=locale)} UTC"
