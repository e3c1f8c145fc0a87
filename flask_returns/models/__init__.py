"""The returns tables, on a declarative base of their own.

The host's Flask-SQLAlchemy ``db.session`` works with these classes (it falls back
to the default engine for metadata without a bind key), so returns are written in
the same transaction as the host's own rows, yet the host's ``db.metadata`` and
migrations never see them. Every table name starts with ``returns_``.
"""

from __future__ import annotations

from ..clock import utcnow
from .base import NAMING_CONVENTION, Base, UTCDateTime
from .conversation import Message
from .outgoing import LabelDocument, OutboxMessage
from .returns import Event, Photo, ReturnLine, ReturnRequest
from .settlements import Fulfilment, Refund, StripeEvent
from .shipments import Shipment
from .statuses import (
    ActorKind,
    EventAction,
    FulfilmentKind,
    FulfilmentStatus,
    OutboxStatus,
    RefundStatus,
    Resolution,
    ReturnStatus,
    ShipmentStatus,
)

__all__ = [
    "NAMING_CONVENTION",
    "ActorKind",
    "Base",
    "Event",
    "EventAction",
    "Fulfilment",
    "FulfilmentKind",
    "FulfilmentStatus",
    "LabelDocument",
    "Message",
    "OutboxMessage",
    "OutboxStatus",
    "Photo",
    "Refund",
    "RefundStatus",
    "Resolution",
    "ReturnLine",
    "ReturnRequest",
    "ReturnStatus",
    "Shipment",
    "ShipmentStatus",
    "StripeEvent",
    "UTCDateTime",
    "utcnow",
]
