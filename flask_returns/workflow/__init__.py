"""Every change of a return's or a refund's status, and nothing else changes one.

Each step checks the transition, changes the rows, appends an :class:`Event`
naming who acted, and sends the step's signal. Steps add to the session but do
not commit: the caller commits, so a host's own writes (and a signal receiver's)
land in the same transaction.
"""

from __future__ import annotations

from .inputs import Actor, LineReceipt, LineRequest
from .refunds import REFUND_TRANSITIONS, settle_refund
from .returns import (
    REOPENING,
    RMA_ALPHABET,
    TRANSITIONS,
    authorize_return,
    can_receive,
    can_transition,
    cancel_return,
    find_return,
    mark_received,
    mark_refunded,
    new_rma,
    record_event,
    reject_return,
    reopen_after_failed_refund,
    request_return,
)

__all__ = [
    "REFUND_TRANSITIONS",
    "REOPENING",
    "RMA_ALPHABET",
    "TRANSITIONS",
    "Actor",
    "LineReceipt",
    "LineRequest",
    "authorize_return",
    "can_receive",
    "can_transition",
    "cancel_return",
    "find_return",
    "mark_received",
    "mark_refunded",
    "new_rma",
    "record_event",
    "reject_return",
    "reopen_after_failed_refund",
    "request_return",
    "settle_refund",
]
