"""Money and dates in the reader's language: one place for how figures are written.

Babel applies its number and date patterns anew on each call; pages repeat the
same few amounts and dates, so the formatted text is kept (bounded).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent, get_decimal_symbol

from ..money import Money, currency_rules, display_digits, major_units
from .domain import gettext as _
from .domain import ngettext
from .locale import current_locale

__all__ = [
    "AmountUnreadable",
    "format_amount_input",
    "format_date",
    "format_money",
    "format_when",
    "read_amount",
]


def format_money(amount: int | Money, currency: str | None = None) -> str:
    """An amount in Stripe's units as the reader writes it (``24 990 Ft`` in hu)."""
    money = amount if isinstance(amount, Money) else Money(amount, currency or "")
    return money.format(current_locale())


def format_percentage(percent: int) -> str:
    """A whole percent as the reader writes it (``10 %`` in de and hu, ``10%`` in en)."""
    return format_percent(percent / 100, locale=current_locale())


def format_date(value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    # Babel formats a datetime by its date alone, so the date is the whole key.
    day = value.date() if isinstance(value, datetime) else value
    return _formatted_date(day, format, current_locale())


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


# --------------------------------------------------------------------------- typed amounts

# Spaces of every width people and locales put between groups of digits, and the
# apostrophes of Swiss German; none of them can be a decimal mark.
_GROUP_SPACES = re.compile(r"[\s\u00a0\u202f\u2009'\u2019]")
_DIGITS = re.compile(r"\d+")


class AmountUnreadable(ValueError):
    """A typed amount that cannot be read as one exact amount; ``str()`` says why."""


def format_amount_input(amount: int, currency: str, locale: Locale | None = None) -> str:
    """An amount as a person types it in ``locale``, without the currency sign.

    ``2499000`` HUF in hu -> ``24 990``; ``2499`` EUR in de -> ``24,99``; the fillér
    of ``2499050`` HUF are kept (``24 990,50``). :func:`read_amount` reads it back.
    """
    locale = locale or current_locale()
    value = major_units(amount, currency)
    digits = display_digits(currency)
    if value != value.quantize(Decimal(1).scaleb(-digits)):
        digits = currency_rules(currency).exponent
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale, decimal_quantization=False)


def read_amount(text: str, currency: str, locale: Locale | None = None) -> int:
    """A typed amount in Stripe's units for ``currency``, read the ``locale``'s way.

    ``24 990``, ``24 990,00`` and ``24.990`` in Hungarian; ``1.234,50`` in German;
    ``1,234.50`` in English. A mark that could be either a decimal point or a
    thousands separator (``24.99`` in German) is refused with an example of the
    right form, never guessed; so is an amount Stripe would not take (``1 234,50``
    króna). Raises :class:`AmountUnreadable`.
    """
    locale = locale or current_locale()
    example = format_amount_input(_example_amount(currency), currency, locale)
    text = _GROUP_SPACES.sub("", (text or "").strip())
    if not text:
        raise AmountUnreadable(_("Enter the amount to refund."))
    if text.startswith("-"):
        raise AmountUnreadable(_("The amount cannot be negative."))
    decimal_mark = get_decimal_symbol(locale)
    other_mark = "." if decimal_mark == "," else ","
    if text.count(decimal_mark) > 1 or not set(text) <= set("0123456789.,"):
        raise AmountUnreadable(_unclear(example))
    whole, _sep, fraction = text.partition(decimal_mark)
    if other_mark in fraction:
        raise AmountUnreadable(_unclear(example))
    groups = whole.split(other_mark)
    # The other mark may only separate thousands: 24.990, 1.234.567 (not 24.99).
    if not groups[0] or (len(groups) > 1 and any(len(g) != 3 for g in groups[1:])):
        raise AmountUnreadable(_unclear(example))
    digits = "".join(groups)
    if not _DIGITS.fullmatch(digits) or (fraction and not _DIGITS.fullmatch(fraction)):
        raise AmountUnreadable(_unclear(example))
    if len(digits) > 15:
        raise AmountUnreadable(_unclear(example))
    rules = currency_rules(currency)
    if len(fraction) > rules.exponent:
        raise AmountUnreadable(_too_many_decimals(currency, rules.exponent))
    amount = int(Decimal(f"{digits}.{fraction or '0'}").scaleb(rules.exponent))
    if amount <= 0:
        raise AmountUnreadable(_("Enter an amount greater than zero."))
    if amount % rules.step:
        raise AmountUnreadable(
            _(
                "Stripe takes %(currency)s amounts only in steps of %(step)s, "
                "for example %(example)s.",
                currency=currency,
                step=format_amount_input(rules.step, currency, locale),
                example=example,
            )
        )
    return amount


def _example_amount(currency: str) -> int:
    """1 234,50 in the currency (or its nearest whole step): what an example shows."""
    rules = currency_rules(currency)
    amount = 123450 * 10**rules.exponent // 100
    return amount - amount % rules.step


def _unclear(example: str) -> str:
    return _("Enter the amount as a number, for example %(example)s.", example=example)


def _too_many_decimals(currency: str, digits: int) -> str:
    if digits == 0:
        return _("%(currency)s amounts have no decimal places.", currency=currency)
    return ngettext(
        "%(currency)s amounts have at most %(num)d decimal place.",
        "%(currency)s amounts have at most %(num)d decimal places.",
        digits,
        currency=currency,
    )
