"""The policy in words and as schema.org data, built from the one ``ReturnPolicy``.

The public policy page, the hints on the return form and the JSON-LD that search
engines read all come from here, so none of them can promise something the code
does not do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..i18n import current_locale, reason_label, resolution_label
from ..i18n import gettext as _
from ..models import Resolution
from ..money import Money
from .return_policy import ReturnPolicy, ShipTiming


@dataclass(frozen=True)
class ReasonTerms:
    """What one reason costs the customer, in words, for the policy page's table."""

    code: str
    label: str
    photos_required: bool
    fee_percent: int
    customer_pays_shipping: bool
    original_shipping_refunded: bool
    # What the customer may choose for the reason, named; the credit bonus; the most a
    # line may be worth and stay with the customer, per currency; advance shipping.
    resolutions: tuple[str, ...] = ()
    bonus_percent: int = 0
    keep_up_to: tuple[str, ...] = ()
    ships_in_advance: bool = False


def reason_terms(policy: ReturnPolicy) -> list[ReasonTerms]:
    locale = current_locale()
    terms = []
    for code in policy.reasons:
        rule = policy.rule(code)
        terms.append(
            ReasonTerms(
                code,
                reason_label(code),
                rule.photos_required,
                rule.restocking_fee_percent,
                rule.customer_pays_return_shipping,
                rule.refund_original_shipping,
                resolutions=tuple(resolution_label(r) for r in rule.resolutions),
                bonus_percent=rule.store_credit_bonus_percent
                if Resolution.STORE_CREDIT in rule.resolutions
                else 0,
                keep_up_to=tuple(
                    Money(amount, currency).format(locale)
                    for currency, amount in sorted(rule.keep_item_up_to.items())
                ),
                ships_in_advance=rule.ships_on == ShipTiming.AUTHORIZATION
                and any(r.ships_goods for r in rule.resolutions),
            )
        )
    return terms


def shipping_costs(policy: ReturnPolicy) -> list[str]:
    """The return shipping cost in each currency, formatted for the reader."""
    locale = current_locale()
    return [
        Money(amount, currency).format(locale)
        for currency, amount in sorted(policy.return_shipping_cost.items())
    ]


def country_name(code: str) -> str:
    return current_locale().territories.get(code, code)


def reason_hints(policy: ReturnPolicy) -> list[str]:
    """One sentence per reason that costs the customer something, for the return form."""
    costs = ", ".join(shipping_costs(policy))
    hints = []
    for terms in reason_terms(policy):
        parts = []
        if terms.fee_percent:
            parts.append(
                _("a restocking fee of %(percent)d%% is deducted", percent=terms.fee_percent)
            )
        if terms.customer_pays_shipping and costs:
            parts.append(_("the return shipping (%(cost)s) is deducted", cost=costs))
        if parts:
            hints.append(_("%(reason)s: %(terms)s.", reason=terms.label, terms=_("; ").join(parts)))
    return hints


_REFUND_TYPES = {
    Resolution.REFUND: "https://schema.org/FullRefund",
    Resolution.EXCHANGE: "https://schema.org/ExchangeRefund",
    Resolution.REPLACEMENT: "https://schema.org/ExchangeRefund",
    Resolution.STORE_CREDIT: "https://schema.org/StoreCreditRefund",
}


def _refund_types(policy: ReturnPolicy) -> str | list[str]:
    """schema.org's ``refundType``: one value, or every kind the policy offers."""
    offered = policy.offered_resolutions or {Resolution.REFUND}
    found = sorted({_REFUND_TYPES[r] for r in offered})
    return found[0] if len(found) == 1 else found


def merchant_return_policy(
    policy: ReturnPolicy, *, url: str, shop_name: str, country: str | None
) -> dict[str, Any]:
    """schema.org ``MerchantReturnPolicy`` for the default window (search engines show it)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MerchantReturnPolicy",
        "name": shop_name,
        "url": url,
        "merchantReturnLink": url,
        "inLanguage": str(current_locale()).replace("_", "-"),
        "returnPolicyCategory": (
            "https://schema.org/MerchantReturnFiniteReturnWindow"
            if policy.window_days
            else "https://schema.org/MerchantReturnNotPermitted"
        ),
        "returnMethod": "https://schema.org/ReturnByMail",
        "refundType": _refund_types(policy),
    }
    if policy.window_days:
        data["merchantReturnDays"] = policy.window_days
    if country:
        data["applicableCountry"] = country
        data["returnPolicyCountry"] = country
    customer_pays = any(policy.rule(r).customer_pays_return_shipping for r in policy.reasons)
    if customer_pays and policy.return_shipping_cost:
        data["returnFees"] = "https://schema.org/ReturnShippingFees"
        data["returnShippingFeesAmount"] = [
            {
                "@type": "MonetaryAmount",
                "value": str(Money(amount, currency).as_decimal()),
                "currency": currency,
            }
            for currency, amount in sorted(policy.return_shipping_cost.items())
        ]
    else:
        data["returnFees"] = "https://schema.org/FreeReturn"
    fees = {policy.fee_percent(r) for r in policy.reasons} - {0}
    if fees:
        # schema.org takes a number as a percentage; the highest is the honest figure.
        data["restockingFee"] = max(fees)
    return data
