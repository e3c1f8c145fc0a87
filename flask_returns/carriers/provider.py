"""What a carrier platform does for a return, whatever its API looks like.

One module per platform (:mod:`.easypost`, :mod:`.shippo`, :mod:`.dhl`) turns these
calls into its API's requests. Booking, looking up, voiding and tracking are kept
apart because the rest of the module calls them at different times and with
different guarantees (:mod:`.booking` books each return's parcel once).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from ..documents.providers import CarrierLabel, PackLine
from ..errors import ReturnsError
from ..orders import Address


@dataclass(frozen=True)
class Parcel:
    """The box the customer sends, as the shop expects it (``RETURNS_PARCEL``)."""

    weight_grams: int
    length_cm: float
    width_cm: float
    height_cm: float


@dataclass(frozen=True)
class ShipmentRequest:
    """One return parcel to book, from the customer to the shop.

    ``key`` is ``flask-returns:<RMA>:label:<n>``: the same for every attempt at the
    same booking, sent where the API takes a reference or an idempotency key, so
    an attempt whose answer was lost can be found again.
    """

    key: str
    rma: str
    order_number: str
    # The customer, who sends the parcel, and the shop, who receives it.
    sender: Address
    recipient: Address
    customer_email: str
    parcel: Parcel
    lines: tuple[PackLine, ...]
    locale: str


@dataclass(frozen=True)
class BookedShipment:
    """What the platform answered for a booked (bought) return label."""

    # The platform's id of what was bought: used to look it up, void and track it.
    reference: str
    tracking_number: str
    tracking_url: str
    carrier: str
    service: str
    label: CarrierLabel
    # Integer amount in Stripe's units for ``currency``; None when the platform
    # bills later (pay on scan, DHL returns) and says no price now.
    cost: int | None = None
    currency: str = ""
    # A code the customer shows at the counter instead of a printed label.
    qr_code: CarrierLabel | None = None
    # Billed only if the parcel is handed in (Shippo's pay-on-scan, DHL returns).
    pay_on_use: bool = False


class VoidOutcome(enum.StrEnum):
    """What asking the platform to void an unused label came to."""

    VOIDED = "voided"  # refunded or cancelled now
    REQUESTED = "requested"  # the platform refunds later (EasyPost "submitted", Shippo "QUEUED")
    NOT_NEEDED = "not_needed"  # nothing to void: billed only on use
    REFUSED = "refused"  # already used, too late, or the platform does not allow it


class TrackingStatus(enum.StrEnum):
    """A parcel's state, as much as the status page tells the customer."""

    PRE_TRANSIT = "pre_transit"  # label made, parcel not yet handed in
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"  # at the shop
    FAILURE = "failure"  # lost, returned to the sender, refused
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class TrackingUpdate:
    """One tracking event of one parcel, as a platform reports it."""

    tracking_number: str
    status: TrackingStatus
    # When the carrier saw it; updates older than what is stored are ignored.
    occurred_at: datetime | None
    detail: str = ""
    # The platform's own shipment id when it says, to tell two carriers' numbers apart.
    reference: str = ""


class CarrierError(ReturnsError):
    """The platform did not book, look up or void; ``message`` is its words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CarrierUnavailable(CarrierError):
    """No answer, a timeout or a 5xx: whether anything happened is unknown."""


class CarrierRefused(CarrierError):
    """The platform said no (an address it cannot serve, a bad parcel); nothing was bought.

    ``field`` names what was refused when the platform says (``"sender"``,
    ``"recipient"``, ``"parcel"``), so the admin knows what to correct.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class WebhookRefused(ReturnsError):
    """A tracking webhook whose signature or secret does not check out."""


@runtime_checkable
class ShipmentProvider(Protocol):
    """A platform that books one return label per parcel (``RETURNS_CARRIER``).

    ``name`` is stored with each shipment. Calls raise :class:`CarrierUnavailable`
    when the outcome is unknown and :class:`CarrierRefused` when nothing was bought.
    """

    name: str

    def book(self, request: ShipmentRequest, remember: Callable[[str], None]) -> BookedShipment:
        """Buy the label. Platforms that book in two steps (a free draft, then the
        purchase) call ``remember(draft_id)`` between them; it is stored before the
        purchase, so :meth:`find` can ask about it after a lost answer."""

    def find(self, request: ShipmentRequest, draft: str) -> BookedShipment | None:
        """The label bought earlier for ``request`` (``draft`` as remembered, or ""),
        or None when the platform has nothing bought for it. Raises
        :class:`CarrierUnavailable` when it cannot tell."""

    def void(self, shipment: BookedShipment) -> VoidOutcome:
        """Ask for an unused label's money back."""

    def track(self, shipment: BookedShipment) -> TrackingUpdate | None:
        """The parcel's latest state, for ``flask returns labels track``."""

    def webhook_updates(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> list[TrackingUpdate]:
        """The tracking updates in one webhook call; raises :class:`WebhookRefused`
        when it is not from the platform. Other events give an empty list."""
