"""The label steps the views and commands call: book (once), render, void, catch up."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..documents import label_due, prepare_label
from ..models import ReturnRequest, ReturnStatus, Shipment, ShipmentStatus
from ..state import get_state
from ..workflow import Actor
from .booking import Booking, book_label, carrier
from .voiding import void_label


def make_label(ret: ReturnRequest, actor: Actor) -> Booking:
    """After an authorization has committed: book the carrier's label if the shop uses a
    platform, then render and store the PDF. A failure never undoes the authorization."""
    booking = book_label(ret, actor)
    prepare_label(ret)
    return booking


@dataclass(frozen=True)
class CatchUp:
    """What ``flask returns labels retry`` did."""

    booked: int
    still_missing: int
    voided: int


def retry_labels(*, refused_too: bool = False, limit: int = 500) -> CatchUp:
    """Book the labels that failed or were never asked for; void what cancelled returns left.

    Safe on every server at once: each booking and void is claimed under the return's
    row lock, so two copies never call the platform for the same return.
    """
    provider = carrier()
    if provider is None:
        return CatchUp(0, 0, 0)
    session = get_state().session
    has_open = (
        sa.select(Shipment.id)
        .where(Shipment.return_id == ReturnRequest.id, Shipment.status != ShipmentStatus.VOIDED)
        .exists()
    )
    pending = (
        sa.select(Shipment.id)
        .where(
            Shipment.return_id == ReturnRequest.id,
            Shipment.status == ShipmentStatus.PENDING,
            sa.true() if refused_too else Shipment.refused.is_(False),
        )
        .exists()
    )
    to_book = session.scalars(
        sa.select(ReturnRequest)
        .where(ReturnRequest.status == ReturnStatus.AUTHORIZED, pending | ~has_open)
        .order_by(ReturnRequest.id)
        .limit(limit)
    ).all()
    to_void = session.scalars(
        sa.select(ReturnRequest)
        .join(Shipment, Shipment.return_id == ReturnRequest.id)
        .where(
            ReturnRequest.status.in_((ReturnStatus.CANCELLED, ReturnStatus.REJECTED)),
            Shipment.status == ShipmentStatus.BOOKED,
        )
        .order_by(ReturnRequest.id)
        .limit(limit)
    ).all()
    session.rollback()
    booked = missing = voided = 0
    for ret in to_book:
        if not label_due(ret):
            continue
        result = make_label(ret, Actor.system("labels retry")).result
        booked += result == "booked"
        missing += result != "booked"
    for ret in to_void:
        voided += void_label(ret, Actor.system("labels retry")) is not None
    return CatchUp(booked, missing, voided)
