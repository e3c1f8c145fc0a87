"""Where the parcel is: tracking updates from webhooks or polls, applied once each.

An update is applied only when it is newer than what is stored (or, from a poll
without a time, when it says something new), so a replayed or late webhook changes
nothing. The history notes the parcel's first scan and its delivery; the customer
reads the state on the status page and is not e-mailed for each scan.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from .. import signals
from ..models import EventAction, ReturnStatus, Shipment, ShipmentStatus, utcnow
from ..state import get_state
from ..workflow import Actor, record_event
from .booking import carrier, held
from .provider import CarrierError, TrackingStatus, TrackingUpdate
from .stored import booked_from_row

log = logging.getLogger("flask_returns.carriers")

_NOTED = {
    TrackingStatus.IN_TRANSIT: EventAction.PARCEL_IN_TRANSIT,
    TrackingStatus.DELIVERED: EventAction.PARCEL_DELIVERED,
}


def apply_updates(provider_name: str, updates: list[TrackingUpdate]) -> int:
    """Store each update on its parcel; how many changed anything."""
    return sum(_apply(provider_name, update) for update in updates)


def _apply(provider_name: str, update: TrackingUpdate) -> bool:
    session = get_state().session
    found = session.scalars(
        sa.select(Shipment)
        .where(
            Shipment.provider == provider_name,
            Shipment.tracking_number == update.tracking_number,
            Shipment.status == ShipmentStatus.BOOKED,
        )
        .order_by(Shipment.id.desc())
        .limit(1)
    ).first()
    if found is None:
        session.rollback()
        return False
    shipment_id = found.id
    try:
        ret = held(found.return_request)
        shipment = session.get(Shipment, shipment_id)
        assert shipment is not None
        if not _is_news(shipment, update):
            session.rollback()
            return False
        before = shipment.tracking_status
        shipment.tracking_status = update.status.value
        shipment.tracking_detail = update.detail[:255]
        shipment.tracking_at = update.occurred_at or utcnow()
        action = _NOTED.get(update.status)
        if action is not None and before != update.status.value:
            record_event(
                ret,
                Actor.system(provider_name),
                action,
                None,
                None,
                {"tracking_number": shipment.tracking_number, "detail": update.detail[:255]},
            )
        if update.status == TrackingStatus.DELIVERED and shipment.delivered_at is None:
            shipment.delivered_at = shipment.tracking_at
            signals.parcel_delivered.send(ret, shipment=shipment)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return True


def _is_news(shipment: Shipment, update: TrackingUpdate) -> bool:
    changed = update.status.value != shipment.tracking_status
    if update.occurred_at is not None and shipment.tracking_at is not None:
        # Carriers stamp whole seconds: two scans in one second are told apart by status.
        return update.occurred_at > shipment.tracking_at or (
            update.occurred_at == shipment.tracking_at and changed
        )
    return changed


def poll_tracking(limit: int = 500) -> tuple[int, int]:
    """Ask the platform about parcels still on their way: (asked, changed)."""
    provider = carrier()
    if provider is None:
        return 0, 0
    session = get_state().session
    rows = session.scalars(
        sa.select(Shipment)
        .where(
            Shipment.provider == provider.name,
            Shipment.status == ShipmentStatus.BOOKED,
            Shipment.delivered_at.is_(None),
            Shipment.tracking_status != TrackingStatus.FAILURE.value,
        )
        .order_by(Shipment.tracking_at.is_not(None), Shipment.tracking_at, Shipment.id)
        .limit(limit)
    ).all()
    wanted = [
        (s.tracking_number, booked_from_row(s))
        for s in rows
        if s.return_request.status == ReturnStatus.AUTHORIZED
    ]
    session.rollback()
    changed = 0
    for number, booked in wanted:
        try:
            update = provider.track(booked)
        except CarrierError as error:
            log.warning("tracking %s: %s", number, error.message)
            continue
        if update is not None:
            changed += _apply(provider.name, update)
    return len(wanted), changed
