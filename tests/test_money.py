"""Money: Stripe's integers per currency, CLDR's digits for people, exact conversions.

Table-driven over every currency Stripe charges in, plus property tests: a
conversion round-trips, rounding to what Stripe takes never goes up, and an
allocation's parts add up to the whole with each part an amount Stripe takes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import get_currency_precision
from hypothesis import given
from hypothesis import strategies as st

from flask_returns.i18n.formatting import AmountUnreadable, format_amount_input, read_amount
from flask_returns.money import (
    STRIPE_CURRENCIES,
    Money,
    allocate,
    amount_step,
    currency_rules,
    display_digits,
    from_major,
    is_valid_amount,
    major_units,
    round_down,
    stripe_exponent,
)

CURRENCIES = sorted(STRIPE_CURRENCIES)
# What Stripe's currency page says of the cases that matter (the rest are two-decimal).
EXPECTED = {
    "EUR": (2, 1),
    "USD": (2, 1),
    "JPY": (0, 1),
    "KRW": (0, 1),
    "CLP": (0, 1),
    "HUF": (2, 1),  # two decimals for charges and refunds; zero only for payouts
    "TWD": (2, 1),
    "IDR": (2, 1),
    "ISK": (2, 100),  # whole krónur, written with two decimals
    "UGX": (2, 100),
    "KWD": (3, 10),  # three decimals, the last one 0
    "BHD": (3, 10),
    "JOD": (3, 10),
    "OMR": (3, 10),
    "TND": (3, 10),
}


@pytest.mark.parametrize(("currency", "rules"), EXPECTED.items())
def test_stripe_units_and_steps_follow_stripes_currency_page(currency, rules):
    assert (stripe_exponent(currency), amount_step(currency)) == rules


def test_display_digits_are_cldrs_and_differ_from_stripes_where_they_should():
    assert (display_digits("HUF"), stripe_exponent("HUF")) == (0, 2)
    assert (display_digits("ISK"), stripe_exponent("ISK")) == (0, 2)
    assert (display_digits("JPY"), stripe_exponent("JPY")) == (0, 0)
    assert (display_digits("KWD"), stripe_exponent("KWD")) == (3, 3)


@pytest.mark.parametrize("currency", CURRENCIES)
def test_every_stripe_currency_converts_formats_reads_and_rounds(currency):
    rules = currency_rules(currency)
    assert rules.display_digits == get_currency_precision(currency)
    step = rules.step
    amount = 1234567 * step  # a large valid amount
    value = major_units(amount, currency)
    assert from_major(value, currency) == amount
    assert round_down(amount + step - 1, currency) == amount
    assert is_valid_amount(amount, currency)
    for locale in (Locale.parse("en"), Locale.parse("de"), Locale.parse("hu")):
        assert Money(amount, currency).format(locale)
        typed = format_amount_input(amount, currency, locale)
        assert read_amount(typed, currency, locale) == amount, (currency, str(locale), typed)


def test_unknown_currencies_are_not_stripes():
    with pytest.raises(ValueError):
        currency_rules("XXX")
    with pytest.raises(ValueError):
        currency_rules("EURO")


@pytest.mark.parametrize(
    ("money", "locale", "text"),
    [
        (Money(2499000, "HUF"), "hu", "24\xa0990\xa0Ft"),  # not 2 499 000, not 24 990,00
        (Money(2499050, "HUF"), "hu", "24\xa0990,50\xa0Ft"),  # fillér are shown when there
        (Money(1235, "JPY"), "en", "¥1,235"),
        (Money(1500, "KWD"), "en", "KWD1.500"),
        (Money(500, "ISK"), "en", "ISK5"),
        (Money(123450, "EUR"), "de", "1.234,50\xa0€"),
        (Money(123450, "PLN"), "pl", "1\xa0234,50\xa0zł"),
        (Money(2499, "EUR"), "en", "€24.99"),
    ],
)
def test_formatting_uses_display_digits_in_the_readers_locale(money, locale, text):
    assert money.format(locale).replace("\u202f", "\xa0") == text.replace("\u202f", "\xa0")


@pytest.mark.parametrize(
    ("typed", "currency", "locale", "amount"),
    [
        ("24 990", "HUF", "hu", 2499000),
        ("24\xa0990,00", "HUF", "hu", 2499000),
        ("24.990", "HUF", "hu", 2499000),
        ("24 990,50", "HUF", "hu", 2499050),
        ("1.234,50", "EUR", "de", 123450),
        ("1,234.50", "EUR", "en", 123450),
        ("1234.5", "EUR", "en", 123450),
        ("12 800", "JPY", "fr", 12800),
        ("1.230", "KWD", "en", 1230),
        ("5", "ISK", "is", 500),
    ],
)
def test_typed_amounts_are_read_the_admins_way(typed, currency, locale, amount):
    assert read_amount(typed, currency, Locale.parse(locale)) == amount


@pytest.mark.parametrize(
    ("typed", "currency", "locale", "says"),
    [
        ("24.99", "EUR", "de", "for example 1.234,50"),  # a point or a thousands mark?
        ("24,99", "EUR", "en", "for example 1,234.50"),
        ("1,2,3", "EUR", "en", "for example"),
        ("12.345", "EUR", "en", "at most 2 decimal places"),
        ("1 234,50", "ISK", "is", "only in steps of 1"),
        ("1.235", "KWD", "en", "only in steps of 0.010"),
        ("1e5", "EUR", "en", "for example"),
        ("-5", "EUR", "en", "cannot be negative"),
        ("0", "EUR", "en", "greater than zero"),
        ("", "EUR", "en", "Enter the amount"),
    ],
)
def test_unclear_or_impossible_amounts_are_refused_with_an_example(typed, currency, locale, says):
    with pytest.raises(AmountUnreadable, match=says):
        read_amount(typed, currency, Locale.parse(locale))


def test_floats_and_unknown_currencies_are_refused():
    with pytest.raises(TypeError):
        Money(12.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(100, "EURO")
    with pytest.raises(ValueError):
        Money(100, "EUR") + Money(100, "USD")
    with pytest.raises(ValueError):
        from_major(Decimal("12.345"), "EUR")


def test_arithmetic_stays_exact():
    assert Money(2499, "EUR") * 2 + Money(1450, "EUR") - Money(100, "EUR") == Money(6348, "EUR")


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (1000, [4998, 1450], [775, 225]),
        (5, [0, 0], [3, 2]),
        (0, [], []),
        (7, [1, 0, 1], [4, 0, 3]),
    ],
)
def test_allocation_adds_up_to_the_whole(total, weights, parts):
    assert allocate(total, weights) == parts
    assert sum(allocate(total, weights)) == total


stripe_currency = st.sampled_from(CURRENCIES)


@given(stripe_currency, st.integers(min_value=0, max_value=10**12))
def test_conversion_round_trips(currency, amount):
    assert from_major(major_units(amount, currency), currency) == amount


@given(stripe_currency, st.integers(min_value=0, max_value=10**12))
def test_rounding_never_goes_up_and_lands_on_an_amount_stripe_takes(currency, amount):
    rounded = round_down(amount, currency)
    assert rounded <= amount < rounded + amount_step(currency)
    assert is_valid_amount(rounded, currency)


@given(
    stripe_currency,
    st.integers(min_value=0, max_value=10**9),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12),
)
def test_allocation_parts_add_up_and_each_is_an_amount_stripe_takes(currency, units, weights):
    step = amount_step(currency)
    total = units * step
    parts = allocate(total, weights, step=step)
    assert sum(parts) == total
    assert all(is_valid_amount(p, currency) and p >= 0 for p in parts)
