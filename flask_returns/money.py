"""Money as integers in Stripe's units for the currency, with an ISO 4217 code; never floats.

**The contract.** Every amount a host gives (``OrderLine.unit_amount``,
``Order.shipping_amount``) and every amount stored, exported or signalled is an
integer in *Stripe's API units* for its currency: the same integer the shop charged.
A 24 990 Ft coffee machine is ``2499000`` (Stripe counts forints in fillér), a
¥1,235 kettle is ``1235``, 1.500 KWD is ``1500``.

Stripe's units are not CLDR's (Babel's) display digits, and the two differ:
HUF, ISK, IDR and UGX show no decimals but are two-decimal in Stripe's API. So this
module keeps both: :func:`stripe_exponent` turns the stored integer into an exact
amount, :func:`display_digits` decides how it is written. Stripe also refuses some
amounts: ISK and UGX must be whole (divisible by 100 in API units), the
three-decimal dinars must end in 0 (:func:`amount_step`); proposals are rounded
*down* to what Stripe takes (:func:`round_down`).

Source: Stripe's "Supported currencies" page (docs.stripe.com/currencies): the
presentment currencies, the zero-decimal list, "Three-decimal currencies" and
"Special cases" (ISK and UGX: two decimals for backwards compatibility, amounts
evenly divisible by 100; HUF and TWD: two decimals for charges and refunds, zero
only for payouts), read December 2026.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, list_currencies

_KNOWN = frozenset(list_currencies())

# Every currency Stripe lets a shop charge in (its presentment currencies).
STRIPE_CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
    BSD BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR
    FJD FKP GBP GEL GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY
    KES KGS KHR KMF KRW KWD KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP
    MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD STD SZL THB TJS TND TOP
    TRY TTD TWD TZS UAH UGX USD UYU UZS VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW
    """.split()
)
# Stripe's zero-decimal currencies: the API amount is the amount (¥500 is 500).
ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF".split())
# Three decimals in the API, and the last digit must be 0 (5.124 KWD -> 5120).
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())
# Special cases: whole units only, written with two decimals (5 ISK is 500).
WHOLE_UNITS_IN_CENTS = frozenset({"ISK", "UGX"})


@dataclass(frozen=True)
class CurrencyRules:
    """What Stripe and CLDR each say about one currency."""

    code: str
    exponent: int  # decimals of Stripe's API integer
    step: int  # API amounts must be a multiple of this
    display_digits: int  # decimals a person reads (CLDR)


@lru_cache(maxsize=256)
def currency_rules(currency: str) -> CurrencyRules:
    """The rules for ``currency``; raises ``ValueError`` for a code Stripe does not take."""
    if currency not in STRIPE_CURRENCIES or currency not in _KNOWN:
        raise ValueError(f"{currency!r} is not a currency Stripe charges in")
    if currency in ZERO_DECIMAL:
        exponent, step = 0, 1
    elif currency in THREE_DECIMAL:
        exponent, step = 3, 10
    elif currency in WHOLE_UNITS_IN_CENTS:
        exponent, step = 2, 100
    else:
        exponent, step = 2, 1
    return CurrencyRules(currency, exponent, step, get_currency_precision(currency))


def is_stripe_currency(currency: str) -> bool:
    return currency in STRIPE_CURRENCIES and currency in _KNOWN


def stripe_exponent(currency: str) -> int:
    """Decimals of Stripe's integer: 2 for EUR and HUF, 0 for JPY, 3 for KWD."""
    return currency_rules(currency).exponent


def amount_step(currency: str) -> int:
    """What every Stripe amount in ``currency`` is a multiple of (100 for ISK, 10 for KWD)."""
    return currency_rules(currency).step


def display_digits(currency: str) -> int:
    """Decimals a person reads (CLDR): 0 for HUF and JPY, 2 for EUR, 3 for KWD."""
    return currency_rules(currency).display_digits


def is_valid_amount(amount: int, currency: str) -> bool:
    """Whether Stripe would take ``amount`` (whole krónur, dinars ending in 0)."""
    return amount % amount_step(currency) == 0


def round_down(amount: int, currency: str) -> int:
    """The largest amount Stripe takes that is not above ``amount`` (never rounds up)."""
    return amount - amount % amount_step(currency)


def major_units(amount: int, currency: str) -> Decimal:
    """``2499000`` HUF -> ``Decimal("24990.00")``, ``1235`` JPY -> ``Decimal("1235")``; exact.

    For display and export only; sums and comparisons stay in Stripe's integers.
    """
    return Decimal(amount).scaleb(-stripe_exponent(currency))


def from_major(value: Decimal, currency: str) -> int:
    """``Decimal("24990")`` HUF -> ``2499000``; raises ``ValueError`` when not exact."""
    try:
        scaled = value.scaleb(stripe_exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} {currency} has more decimals than Stripe takes")
        return int(scaled)
    except InvalidOperation as error:
        raise ValueError(f"{value!r} is not an amount") from error


@lru_cache(maxsize=4096)
def _formatted(amount: int, currency: str, locale: Locale) -> str:
    value = major_units(amount, currency)
    shown = Decimal(1).scaleb(-display_digits(currency))
    if value == value.quantize(shown):
        # As people write it: 24 990 Ft, ¥1,235, 1.500 KWD.
        return format_currency(value, currency, locale=locale)
    # Fillér a person does not usually see are still money: show them, never drop them.
    return format_currency(value, currency, locale=locale, currency_digits=False)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``Money(2499, "EUR")`` is 24.99 EUR, ``Money(2499000, "HUF")``
    is 24 990 Ft."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError(f"Money amount must be an int in Stripe's units, got {self.amount!r}")
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
        """As a person reads it: ``24 990 Ft`` in hu, ``1.234,50 €`` in de, ``¥1,235`` in en."""
        parsed = locale if isinstance(locale, Locale) else Locale.parse(locale)
        return _formatted(self.amount, self.currency, parsed)


def allocate(total: int, weights: Sequence[int], *, step: int = 1) -> list[int]:
    """Split ``total`` in proportion to ``weights`` by largest remainder.

    The parts always add up to ``total`` exactly, which rounding each share on its
    own does not guarantee (three lines sharing a 1.00 discount). With ``step``
    (a currency's :func:`amount_step`), every part is a multiple of it; ``total``
    must then be one too.
    """
    if step < 1 or total % step:
        raise ValueError(f"{total} is not a multiple of the step {step}")
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
    magnitude = abs(total) // step
    shares = [divmod(magnitude * w, weight_sum) for w in weights]
    parts = [quotient for quotient, _ in shares]
    left = magnitude - sum(parts)
    # Hand the leftover units to the largest remainders; ties go to the earlier part.
    order = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p * step for p in parts]
