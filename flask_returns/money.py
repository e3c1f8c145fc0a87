"""Money as integer minor units with an ISO 4217 code; never floats.

JPY has no minor unit and KWD has three, so the number of digits always comes
from Babel's currency data rather than an assumed 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, list_currencies

_KNOWN = frozenset(list_currencies())


@lru_cache(maxsize=256)
def minor_digits(currency: str) -> int:
    """How many digits the currency's minor unit has (2 for EUR, 0 for JPY, 3 for KWD)."""
    return get_currency_precision(currency)


def major_units(minor: int, currency: str) -> Decimal:
    """``1234`` EUR -> ``Decimal("12.34")``, ``1235`` JPY -> ``Decimal("1235")``; exact.

    For display and export only; sums and comparisons stay in minor units.
    """
    return Decimal(minor).scaleb(-minor_digits(currency))


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``Money(1234, "EUR")`` is 12.34 EUR."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError(f"Money amount must be an int of minor units, got {self.amount!r}")
        if self.currency not in _KNOWN:
            raise ValueError(f"{self.currency!r} is not an ISO 4217 currency code")

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise ValueError(f"Cannot combine {self.currency} with {other!r}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise TypeError("Money can only be multiplied by an int")
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def as_decimal(self) -> Decimal:
        """The amount in major units, exact (for display and export only)."""
        return major_units(self.amount, self.currency)

    def format(self, locale: Locale | str) -> str:
        """Localised text, e.g. ``1.234,50 €`` in de or ``¥1,235`` in en."""
        return format_currency(self.as_decimal(), self.currency, locale=locale)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` minor units in proportion to ``weights`` by largest remainder.

    The parts always add up to ``total`` exactly, which rounding each share on its
    own does not guarantee (three lines sharing a 1.00 discount).
    """
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if not weights:
        if total:
            raise ValueError("cannot allocate a non-zero total over no parts")
        return []
    if weight_sum == 0:
        weights = [1] * len(weights)
        weight_sum = len(weights)
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    shares = [divmod(magnitude * w, weight_sum) for w in weights]
    parts = [quotient for quotient, _ in shares]
    left = magnitude - sum(parts)
    # Hand the leftover units to the largest remainders; ties go to the earlier part.
    order = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]
