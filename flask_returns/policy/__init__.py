"""The shop's return policy: the rules, who may return what, and the words for it.

:class:`ReturnPolicy` is the one source of policy facts (windows, fees, timing of
refunds); :func:`assess_order` applies it to an order; :mod:`.wording` turns it
into sentences and schema.org data for the policy page, the forms and the label.
"""

from __future__ import annotations

from .claims import claimed_quantities
from .eligibility import Eligibility, LineVerdict, assess_order
from .return_policy import ReturnPolicy, WindowDecision, policy_from_settings
from .wording import (
    country_name,
    merchant_return_policy,
    reason_hints,
    reason_terms,
    shipping_costs,
)

__all__ = [
    "Eligibility",
    "LineVerdict",
    "ReturnPolicy",
    "WindowDecision",
    "assess_order",
    "claimed_quantities",
    "country_name",
    "merchant_return_policy",
    "policy_from_settings",
    "reason_hints",
    "reason_terms",
    "shipping_costs",
]
