"""A booked shipment row as the platform's answer again, for voiding and tracking."""

from __future__ import annotations

from ..documents.providers import CarrierLabel
from ..models import Shipment
from ..state import get_state
from .provider import BookedShipment


def booked_from_row(shipment: Shipment, *, with_label: bool = False) -> BookedShipment:
    """What was bought, as the provider sees it; the label's bytes only when asked for."""
    label = CarrierLabel(b"%PDF-", "application/pdf")  # voiding and tracking need no label
    if with_label and shipment.label_key:
        label = CarrierLabel(
            get_state().storage.load(shipment.label_key), shipment.label_media_type
        )
    return BookedShipment(
        reference=shipment.reference,
        tracking_number=shipment.tracking_number,
        tracking_url=shipment.tracking_url,
        carrier=shipment.carrier,
        service=shipment.service,
        label=label,
        cost=shipment.cost,
        currency=shipment.currency,
        pay_on_use=shipment.pay_on_use,
    )
