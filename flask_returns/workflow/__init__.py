"""Every change of a return's or a refund's status, and nothing else changes one.

Each step checks the transition, changes the rows, appends an :class:`Event`
naming who acted, and sends the step's signal. Steps add to the session but do
not commit: the caller commits, so a host's own writes (and a signal receiver's)
land in the same transaction.
"""

from __future__ import annotations

from .fulfilments import (
    change_resolution,
    line_carried_out,
    record_delay,
    record_outbound_shipped,
    settle_fulfilment,
)
from .inputs import Actor, LineReceipt, LineRequest
from .messages import WAITING_FOR_CUSTOMER, WAITING_FOR_SHOP, write_to_customer, write_to_shop
from .refunds import REFUND_TRANSITIONS, settle_refund
from .returns import (
    REOPENING,
    RMA_ALPHABET,
    SETTLED,
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
    take_write_lock,
)
from .settling import (
    KIND_FOR,
    close_if_settled,
    due_units,
    line_settled,
    needs_refund,
    price_difference,
)

__all__ = [
    "KIND_FOR",
    "REFUND_TRANSITIONS",
    "REOPENING",
    "RMA_ALPHABET",
    "SETTLED",
    "TRANSITIONS",
    "WAITING_FOR_CUSTOMER",
    "WAITING_FOR_SHOP",
    "Actor",
    "LineReceipt",
    "LineRequest",
    "authorize_return",
    "can_receive",
    "can_transition",
    "cancel_return",
    "change_resolution",
    "close_if_settled",
    "due_units",
    "find_return",
    "line_carried_out",
    "line_settled",
    "mark_received",
    "mark_refunded",
    "needs_refund",
    "new_rma",
    "price_difference",
    "record_delay",
    "record_event",
    "record_outbound_shipped",
    "reject_return",
    "reopen_after_failed_refund",
    "request_return",
    "settle_fulfilment",
    "settle_refund",
    "take_write_lock",
    "write_to_customer",
    "write_to_shop",
]
