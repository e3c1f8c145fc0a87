"""The parcel as the status page, the e-mail and the admin show it: one reading."""

from __future__ import annotations

from dataclasses import dataclass

from ..documents import booked_shipment, label_due
from ..i18n import gettext as _
from ..models import ReturnRequest
from ..state import get_state
from .booking import open_shipment
from .provider import TrackingStatus


def tracking_words() -> dict[str, str]:
    """What each tracking state is called, in the current language."""
    return {
        TrackingStatus.PRE_TRANSIT: _("Label ready, parcel not yet handed in"),
        TrackingStatus.IN_TRANSIT: _("In transit"),
        TrackingStatus.DELIVERED: _("Delivered to the shop"),
        TrackingStatus.FAILURE: _("The carrier reports a problem with the parcel"),
        TrackingStatus.UNKNOWN: _("No news from the carrier yet"),
    }


@dataclass(frozen=True)
class ParcelView:
    """Where the customer's parcel stands, for the pages and e-mails."""

    # The label is due but the carrier has not issued it yet.
    label_pending: bool
    carrier: str = ""
    service: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    tracking_status: str = ""
    tracking_text: str = ""
    has_drop_off_code: bool = False
    # Why the label is missing, in the platform's words (admin only).
    problem: str = ""
    refused: bool = False


def parcel_view(ret: ReturnRequest) -> ParcelView | None:
    """None when the shop books no carrier labels or ``ret`` needs none."""
    if get_state().carrier is None or not label_due(ret):
        return None
    shipment = booked_shipment(ret)
    if shipment is None:
        pending = open_shipment(ret)
        return ParcelView(
            label_pending=True,
            problem=pending.last_error if pending else "",
            refused=bool(pending and pending.refused),
        )
    status = shipment.tracking_status or TrackingStatus.PRE_TRANSIT.value
    return ParcelView(
        label_pending=False,
        carrier=shipment.carrier,
        service=shipment.service,
        tracking_number=shipment.tracking_number,
        # A link the platform gave, shown only when it is a web address.
        tracking_url=shipment.tracking_url if _is_web(shipment.tracking_url) else "",
        tracking_status=status,
        tracking_text=tracking_words().get(status, status),
        has_drop_off_code=bool(shipment.qr_key),
    )


def _is_web(url: str) -> bool:
    return url.startswith(("https://", "http://"))
