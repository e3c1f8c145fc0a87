"""What the platform is told about a return's parcel: gathered once, in one place."""

from __future__ import annotations

from ..documents.facts import packed_lines, sender_address
from ..models import ReturnRequest
from ..state import get_state
from .provider import Parcel, ShipmentRequest


def shipment_request(ret: ReturnRequest, key: str) -> ShipmentRequest:
    """The booking of ``ret``'s parcel under ``key``: from the customer to the shop."""
    settings = get_state().settings
    parcel = settings["RETURNS_PARCEL"]
    return ShipmentRequest(
        key=key,
        rma=ret.rma,
        order_number=ret.order_number,
        sender=sender_address(ret),
        recipient=settings["RETURNS_RETURN_ADDRESS"],
        customer_email=ret.customer_email,
        parcel=Parcel(
            weight_grams=int(parcel["weight_g"]),
            length_cm=float(parcel["length_cm"]),
            width_cm=float(parcel["width_cm"]),
            height_cm=float(parcel["height_cm"]),
        ),
        lines=packed_lines(ret),
        locale=ret.customer_locale,
    )
