"""Statuses and history actions, as enums: stored as their values, named in code."""

from __future__ import annotations

import enum


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    RECEIVED = "received"
    REFUNDED = "refunded"
    # Settled per line, not (only) by a refund: replaced, exchanged, credited, or a mix.
    RESOLVED = "resolved"


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class EventAction(enum.StrEnum):
    """What an :class:`Event` records (stored as its value; the names say it in code)."""

    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REOPENED = "reopened"
    REFUND_REQUESTED = "refund_requested"
    POLICY_OVERRIDDEN = "policy_overridden"
    REFUND_PENDING = "refund_pending"
    REFUND_REQUIRES_ACTION = "refund_requires_action"
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_FAILED = "refund_failed"
    REFUND_CANCELED = "refund_canceled"
    LABEL_REPRINTED = "label_reprinted"
    RESOLVED = "resolved"
    RESOLUTION_CHANGED = "resolution_changed"
    OUTBOUND_ORDER_REQUESTED = "outbound_order_requested"
    OUTBOUND_ORDER_CREATED = "outbound_order_created"
    OUTBOUND_ORDER_SHIPPED = "outbound_order_shipped"
    STORE_CREDIT_REQUESTED = "store_credit_requested"
    STORE_CREDIT_ISSUED = "store_credit_issued"
    FULFILMENT_DELAYED = "fulfilment_delayed"
    MESSAGE_RECEIVED = "message_received"
    MESSAGE_SENT = "message_sent"
    LABEL_BOOKED = "label_booked"
    LABEL_DELAYED = "label_delayed"
    LABEL_VOIDED = "label_voided"
    PARCEL_IN_TRANSIT = "parcel_in_transit"
    PARCEL_DELIVERED = "parcel_delivered"

    @classmethod
    def for_refund(cls, status: RefundStatus) -> EventAction:
        """The history entry for a refund reaching ``status``."""
        return cls(f"refund_{status.value}")


class ActorKind(enum.StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"
    SYSTEM = "system"
    STRIPE = "stripe"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    # Gave up after the last retry; an admin can queue it again.
    FAILED = "failed"


class Resolution(enum.StrEnum):
    """What a returned line is settled with; stored on the line as its value."""

    REFUND = "refund"
    # The same item again.
    REPLACEMENT = "replacement"
    # Another variant of the product (size, colour), same price or cheaper.
    EXCHANGE = "exchange"
    # The refund amount, plus the policy's bonus, as the shop's own credit.
    STORE_CREDIT = "store_credit"

    @property
    def ships_goods(self) -> bool:
        """Whether the shop sends an item out for this line (an outbound order)."""
        return self in (Resolution.REPLACEMENT, Resolution.EXCHANGE)


class FulfilmentKind(enum.StrEnum):
    """What a :class:`~flask_returns.models.Fulfilment` asks of the host."""

    OUTBOUND_ORDER = "outbound_order"
    STORE_CREDIT = "store_credit"


class ShipmentStatus(enum.StrEnum):
    # Written, the platform not yet heard from (or its answer lost, or it refused).
    PENDING = "pending"
    BOOKED = "booked"
    # The unused label was given back (cancelled return).
    VOIDED = "voided"


class FulfilmentStatus(enum.StrEnum):
    # Written, the host not yet heard from (or its answer lost): looked up by key.
    PENDING = "pending"
    SUCCEEDED = "succeeded"
