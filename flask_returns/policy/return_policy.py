"""The shop's return policy as one value: what every decision and page reads.

A :class:`ReturnPolicy` is built from the ``RETURNS_*`` settings, or passed whole
by the host as ``RETURNS_POLICY``. The customer pages, the refund proposal, the
auto-authorization rule and the public policy page all read this one object, so
what the policy page promises is what the code does.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from ..models import Resolution
from ..orders import Order, OrderLine

# Reasons where the goods were at fault: a fee on these needs the policy to say so.
SHOP_FAULT_REASONS = frozenset({"damaged", "defective", "wrong_item", "not_as_described"})


class ShipTiming(enum.StrEnum):
    """When a replacement or exchange ships: once the goods are back, or in advance."""

    RECEIPT = "receipt"
    AUTHORIZATION = "authorization"


@dataclass(frozen=True)
class ReasonRule:
    """What one return reason costs and needs."""

    photos_required: bool = False
    restocking_fee_percent: int = 0
    customer_pays_return_shipping: bool = False
    refund_original_shipping: bool = True
    # What the customer may ask for, in the order the form offers them.
    resolutions: tuple[Resolution, ...] = (Resolution.REFUND,)
    # When a replacement or exchange ships: on receipt, or at authorization (advance).
    ships_on: ShipTiming = ShipTiming.RECEIPT
    # Added to the refund amount when the customer takes store credit instead.
    store_credit_bonus_percent: int = 0
    # Per currency: a line worth at most this (Stripe's units) is settled without
    # coming back; a currency not named always comes back.
    keep_item_up_to: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AutoAuthorization:
    """Returns a person need not look at: small, and for reasons that need no check.

    ``max_total`` maps a currency to the largest total (in Stripe's units) authorized
    without a person; a currency not named is never auto-authorized.
    """

    max_total: Mapping[str, int]
    except_reasons: frozenset[str] = frozenset({"damaged"})


@dataclass(frozen=True)
class WindowDecision:
    """The return window that applies to one line, and why that one."""

    days: int
    # "default", "category" or "country": which rule set the window.
    source: str
    key: str = ""


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class ReturnPolicy:
    """Every rule a return is held to. Amounts are integers in Stripe's units, per currency."""

    window_days: int = 30
    # Windows per product category win over those per country, which win over the default.
    category_window_days: Mapping[str, int] = field(default_factory=dict)
    country_window_days: Mapping[str, int] = field(default_factory=dict)
    final_sale_skus: frozenset[str] = frozenset()
    final_sale_categories: frozenset[str] = frozenset()
    reasons: tuple[str, ...] = ()
    reason_rules: Mapping[str, ReasonRule] = field(default_factory=dict)
    # What is kept back when the customer pays the return shipping, per currency.
    return_shipping_cost: Mapping[str, int] = field(default_factory=dict)
    refund_timing: str = "receipt"
    # Business days until a refund shows on the customer's statement, for the texts.
    refund_days: int = 10
    auto_authorization: AutoAuthorization | None = None

    def __post_init__(self) -> None:
        for name in ("category_window_days", "country_window_days", "reason_rules"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "return_shipping_cost", _frozen(self.return_shipping_cost))

    def resolutions_for(self, reason: str) -> tuple[Resolution, ...]:
        """What a customer returning for ``reason`` may ask for."""
        return self.rule(reason).resolutions

    @property
    def offered_resolutions(self) -> set[Resolution]:
        """Every resolution some reason offers: what the host's adapter must support."""
        return {r for reason in self.reasons for r in self.resolutions_for(reason)}

    def keeps_item(self, reason: str, value: int, currency: str) -> bool:
        """Whether a line worth ``value`` returned for ``reason`` stays with the customer."""
        limit = self.rule(reason).keep_item_up_to.get(currency)
        return limit is not None and value <= limit

    def rule(self, reason: str) -> ReasonRule:
        return self.reason_rules.get(reason, ReasonRule())

    @property
    def photo_reasons(self) -> tuple[str, ...]:
        return tuple(r for r in self.reasons if self.rule(r).photos_required)

    def window(self, line: OrderLine, order: Order) -> WindowDecision:
        if line.category and line.category in self.category_window_days:
            return WindowDecision(
                self.category_window_days[line.category], "category", line.category
            )
        country = order.shipping_address.country.upper() if order.shipping_address else ""
        if country in self.country_window_days:
            return WindowDecision(self.country_window_days[country], "country", country)
        return WindowDecision(self.window_days, "default")

    def final_sale(self, line: OrderLine) -> str | None:
        """Why ``line`` can never be returned ("adapter", "sku", "category"), or None."""
        if not line.returnable:
            return "adapter"
        if line.sku in self.final_sale_skus:
            return "sku"
        if line.category and line.category in self.final_sale_categories:
            return "category"
        return None

    def fee_percent(self, reason: str) -> int:
        return self.rule(reason).restocking_fee_percent

    def auto_authorizes(self, total: int, currency: str, reasons: Iterable[str]) -> bool:
        rule = self.auto_authorization
        if rule is None or currency not in rule.max_total:
            return False
        return total <= rule.max_total[currency] and not (set(reasons) & rule.except_reasons)


def policy_from_settings(values: Mapping[str, Any]) -> ReturnPolicy:
    """The policy the flat ``RETURNS_*`` settings describe (or the host's own object)."""
    given = values.get("RETURNS_POLICY")
    if given is not None:
        return given
    reasons = tuple(values["RETURNS_REASONS"])
    photo = set(values["RETURNS_PHOTO_REQUIRED_REASONS"])
    fees = values["RETURNS_RESTOCKING_FEES"]
    customer_pays = set(values["RETURNS_CUSTOMER_PAYS_SHIPPING_REASONS"])
    shipping_back = values["RETURNS_REFUND_ORIGINAL_SHIPPING"]
    rules = {
        reason: ReasonRule(
            photos_required=reason in photo,
            restocking_fee_percent=fees.get(reason, 0),
            customer_pays_return_shipping=reason in customer_pays,
            refund_original_shipping=shipping_back,
        )
        for reason in reasons
    }
    offered = values["RETURNS_RESOLUTIONS"]
    bonus = values["RETURNS_STORE_CREDIT_BONUS"]
    advance = set(values["RETURNS_ADVANCE_EXCHANGE_REASONS"])
    keep = values["RETURNS_KEEP_ITEM_UP_TO"]
    rules = {
        reason: replace(
            rule,
            resolutions=tuple(Resolution(r) for r in offered.get(reason, ("refund",))),
            ships_on=ShipTiming.AUTHORIZATION if reason in advance else ShipTiming.RECEIPT,
            store_credit_bonus_percent=bonus.get(reason, 0),
            keep_item_up_to=MappingProxyType(dict(keep.get(reason, {}))),
        )
        for reason, rule in rules.items()
    }
    auto = values["RETURNS_AUTO_AUTHORIZE"]
    return ReturnPolicy(
        window_days=values["RETURNS_WINDOW_DAYS"],
        category_window_days=values["RETURNS_CATEGORY_WINDOW_DAYS"],
        country_window_days=values["RETURNS_COUNTRY_WINDOW_DAYS"],
        final_sale_skus=frozenset(values["RETURNS_FINAL_SALE_SKUS"]),
        final_sale_categories=frozenset(values["RETURNS_FINAL_SALE_CATEGORIES"]),
        reasons=reasons,
        reason_rules=rules,
        return_shipping_cost=values["RETURNS_RETURN_SHIPPING_COST"],
        refund_timing=values["RETURNS_REFUND_TIMING"],
        refund_days=values.get("RETURNS_REFUND_DAYS", 10),
        auto_authorization=(
            AutoAuthorization(
                max_total=dict(auto["max_total"]),
                except_reasons=frozenset(auto.get("except_reasons", ("damaged",))),
            )
            if auto
            else None
        ),
    )
