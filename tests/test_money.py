"""Money: integer minor units, currency precision from Babel, exact allocation."""

from __future__ import annotations

import pytest

from flask_returns.money import Money, allocate, minor_digits


def test_minor_units_follow_the_currency():
    assert (minor_digits("EUR"), minor_digits("JPY"), minor_digits("KWD")) == (2, 0, 3)
    assert str(Money(123450, "EUR").as_decimal()) == "1234.50"
    assert str(Money(1235, "JPY").as_decimal()) == "1235"
    assert str(Money(1234, "KWD").as_decimal()) == "1.234"


@pytest.mark.parametrize(
    ("money", "locale", "text"),
    [
        (Money(123450, "EUR"), "de", "1.234,50\xa0€"),
        (Money(123450, "PLN"), "pl", "1\xa0234,50\xa0zł"),
        (Money(1235, "JPY"), "en", "¥1,235"),
        (Money(2499, "EUR"), "en", "€24.99"),
    ],
)
def test_formatting_follows_the_locale(money, locale, text):
    assert money.format(locale) == text


def test_floats_and_unknown_currencies_are_refused():
    with pytest.raises(TypeError):
        Money(12.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(100, "EURO")
    with pytest.raises(ValueError):
        Money(100, "EUR") + Money(100, "USD")


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
