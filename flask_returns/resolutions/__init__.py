"""What a customer may get instead of (or besides) money, and the host's part in it.

The rules only: :func:`line_offers` lists what the policy offers a line,
:func:`check_choice` is the one check of a choice (the customer's or an admin's),
and the protocols in :mod:`.host` say what the host's adapter does to make an
outbound order or a store credit. Making them, exactly once, is
:mod:`flask_returns.fulfilment`.
"""

from __future__ import annotations

from .host import (
    ExchangeOption,
    ExchangeSource,
    OutboundItem,
    OutboundOrder,
    OutboundOrders,
    StoreCredit,
    StoreCreditIssuer,
    missing_capabilities,
)
from .offers import (
    Choice,
    Offer,
    check_choice,
    exchange_options,
    line_offers,
    refund_value,
    store_credit_value,
)
from .refusals import Refusal, ResolutionRefused, refusal_message

__all__ = [
    "Choice",
    "ExchangeOption",
    "ExchangeSource",
    "Offer",
    "OutboundItem",
    "OutboundOrder",
    "OutboundOrders",
    "Refusal",
    "ResolutionRefused",
    "StoreCredit",
    "StoreCreditIssuer",
    "check_choice",
    "exchange_options",
    "line_offers",
    "missing_capabilities",
    "refund_value",
    "refusal_message",
    "store_credit_value",
]
