"""The public return policy page: generated from the policy the code enforces."""

from __future__ import annotations

from flask import Blueprint, url_for

from ..i18n import format_percentage
from ..models import Resolution
from ..policy import country_name, merchant_return_policy, reason_terms, shipping_costs
from ..state import ReturnsState, get_state
from ..templating import render_page


def policy_page() -> str:
    state = get_state()
    policy = state.policy
    settings = state.settings
    address = settings["RETURNS_RETURN_ADDRESS"]
    country = address.country if address is not None else None
    return render_page(
        "returns/policy.html",
        policy=policy,
        terms=reason_terms(policy),
        beyond_refunds=policy.offered_resolutions != {Resolution.REFUND},
        format_percentage=format_percentage,
        shipping_costs=shipping_costs(policy),
        country_name=country_name,
        contact=settings["RETURNS_SHOP_CONTACT"] or {},
        json_ld=merchant_return_policy(
            policy,
            url=url_for("returns.policy", _external=True),
            shop_name=settings["RETURNS_SHOP_NAME"],
            country=country,
        ),
    )


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    blueprint.add_url_rule("/policy", "policy", policy_page)
