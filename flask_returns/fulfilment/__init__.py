"""Replacement and exchange orders and store credit, made by the host exactly once.

:func:`carry_out` makes what a return's lines are owed now (after authorization,
after receipt, or when an admin asks again); :func:`settle_fulfilments` finishes
what a lost answer or a host outage left; :func:`record_shipment` is how the host
says an outbound order left its warehouse. Refunds, including an exchange's price
difference, stay with :mod:`flask_returns.refunds`.
"""

from __future__ import annotations

from .making import Outcome, carry_out, due_items, lock_return
from .sweep import SweepSummary, record_shipment, returns_owed_something, settle_fulfilments

__all__ = [
    "Outcome",
    "SweepSummary",
    "carry_out",
    "due_items",
    "lock_return",
    "record_shipment",
    "returns_owed_something",
    "settle_fulfilments",
]
