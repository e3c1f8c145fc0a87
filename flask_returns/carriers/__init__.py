"""Carrier labels booked per parcel: EasyPost, Shippo, DHL Parcel DE Returns, or the host's.

The platform is chosen by ``RETURNS_CARRIER``; each shipped platform is one module
behind :class:`ShipmentProvider`. :func:`make_label` books a return's label once and
renders the PDF around it, :func:`void_label` gives an unused one back,
:func:`apply_updates` and :func:`poll_tracking` keep the parcel's state.
"""

from __future__ import annotations

from .booking import Booking, book_label, carrier, open_shipment
from .labels import CatchUp, make_label, retry_labels
from .provider import (
    BookedShipment,
    CarrierError,
    CarrierRefused,
    CarrierUnavailable,
    Parcel,
    ShipmentProvider,
    ShipmentRequest,
    TrackingStatus,
    TrackingUpdate,
    VoidOutcome,
    WebhookRefused,
)
from .registry import carrier_from_settings
from .tracking import apply_updates, poll_tracking
from .voiding import void_label

__all__ = [
    "BookedShipment",
    "Booking",
    "CarrierError",
    "CarrierRefused",
    "CarrierUnavailable",
    "CatchUp",
    "Parcel",
    "ShipmentProvider",
    "ShipmentRequest",
    "TrackingStatus",
    "TrackingUpdate",
    "VoidOutcome",
    "WebhookRefused",
    "apply_updates",
    "book_label",
    "carrier",
    "carrier_from_settings",
    "make_label",
    "open_shipment",
    "poll_tracking",
    "retry_labels",
    "void_label",
]
