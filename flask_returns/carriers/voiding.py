"""Giving an unused label back when its return is cancelled, so the shop does not pay.

Voiding is claimed like a booking: the shipment's ``void_status`` becomes
``requesting`` with the return row held, and only the request that claimed it calls
the platform. A call whose answer was lost is asked again after the carrier
timeout (platforms answer a second refund of the same label with "already
refunded", which is recorded as done).
"""

from __future__ import annotations

from ..models import EventAction, ReturnRequest, ReturnStatus, Shipment, ShipmentStatus, utcnow
from ..state import get_state
from ..workflow import Actor, record_event
from .booking import call_may_be_running, carrier, held
from .provider import BookedShipment, CarrierError, VoidOutcome
from .stored import booked_from_row

REQUESTING = "requesting"


def _claimable(shipment: Shipment) -> bool:
    """A booked label nobody is voiding, or whose voiding call could no longer be running."""
    if shipment.status != ShipmentStatus.BOOKED:
        return False
    if shipment.void_status == "":
        return True
    return shipment.void_status == REQUESTING and not call_may_be_running(shipment)


def void_label(ret: ReturnRequest, actor: Actor) -> VoidOutcome | None:
    """Void the booked label of a cancelled (or rejected) return once.

    None when there is nothing to void, or the platform did not answer (tried again
    by ``flask returns labels retry``).
    """
    provider = carrier()
    if provider is None:
        return None
    session = get_state().session
    try:
        ret = held(ret)
        if ret.status not in (ReturnStatus.CANCELLED, ReturnStatus.REJECTED):
            session.rollback()
            return None
        shipment = next((s for s in reversed(ret.shipments) if _claimable(s)), None)
        if shipment is None:
            session.rollback()
            return None
        shipment.void_status = REQUESTING
        shipment.call_started_at = utcnow()
        shipment_id = shipment.id
        booked = booked_from_row(shipment)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _ask(ret, shipment_id, booked, actor)


def _ask(
    ret: ReturnRequest, shipment_id: int, booked: BookedShipment, actor: Actor
) -> VoidOutcome | None:
    provider = carrier()
    assert provider is not None
    error = ""
    try:
        outcome = VoidOutcome.NOT_NEEDED if booked.pay_on_use else provider.void(booked)
    except CarrierError as failed:
        outcome, error = None, failed.message
    session = get_state().session
    try:
        ret = held(ret)
        shipment = session.get(Shipment, shipment_id)
        assert shipment is not None
        shipment.call_ended_at = utcnow()
        if outcome is None:
            shipment.void_status = ""  # asked again by `flask returns labels retry`
            shipment.last_error = error[:2000]
            session.commit()
            return None
        shipment.void_status = outcome.value
        if outcome in (VoidOutcome.VOIDED, VoidOutcome.REQUESTED, VoidOutcome.NOT_NEEDED):
            shipment.status = ShipmentStatus.VOIDED
            shipment.voided_at = utcnow()
        record_event(
            ret,
            actor,
            EventAction.LABEL_VOIDED,
            None,
            None,
            {
                "outcome": outcome.value,
                "tracking_number": shipment.tracking_number,
                "cost": shipment.cost,
                "currency": shipment.currency,
            },
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return outcome
