"""Booking each return's label with the carrier platform exactly once.

The same order of things as a refund (:mod:`flask_returns.refunds.issue`):

1. hold the return row, so twenty simultaneous authorizations and reprints take turns;
2. find the open :class:`~flask_returns.models.Shipment`, or commit a new one with its
   stable key *before* the platform is called; a booked one is simply reused;
3. call the platform outside any transaction; a two-step platform's free draft is
   committed between its steps (``remember``);
4. record the answer with the row held again.

A call whose answer was lost leaves the row ``pending``; the next attempt asks the
platform what it has for the draft or key (:meth:`ShipmentProvider.find`) before it
books, and while a call may still be running (younger than
``REQUESTS_PER_ATTEMPT`` times ``RETURNS_CARRIER_TIMEOUT``, no end recorded) nobody
calls at all. A platform that
fails or refuses never undoes the authorization: the admin sees why the label is
missing, and ``flask returns labels retry`` (or the admin's button) books it later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from .. import signals
from ..models import EventAction, ReturnRequest, Shipment, ShipmentStatus, utcnow
from ..state import get_state
from ..storage import new_key
from ..workflow import Actor, record_event, take_write_lock
from .provider import (
    BookedShipment,
    CarrierError,
    CarrierRefused,
    ShipmentProvider,
    ShipmentRequest,
)
from .requests import shipment_request

log = logging.getLogger("flask_returns.carriers")

# One attempt may make this many requests, each given RETURNS_CARRIER_TIMEOUT: a
# look-up, the draft, the carrier account, the purchase, the label and the code.
# Until they could all have timed out, the attempt may still be buying.
REQUESTS_PER_ATTEMPT = 6


@dataclass(frozen=True)
class Booking:
    """What one call of :func:`book_label` came to for one return."""

    # booked, in_progress, delayed (will be retried), refused (needs the admin), none
    result: str
    shipment_id: int | None = None
    error: str = ""


def carrier() -> ShipmentProvider | None:
    """The shop's carrier platform (``RETURNS_CARRIER``), or None for drawn labels."""
    return get_state().carrier


def open_shipment(ret: ReturnRequest) -> Shipment | None:
    """The shipment a return's label is (being) booked under; voided ones are history."""
    live = [s for s in ret.shipments if s.status != ShipmentStatus.VOIDED]
    return live[-1] if live else None


def held(ret: ReturnRequest) -> ReturnRequest:
    """Hold ``ret``'s row until the next commit, its shipments read afresh."""
    session = get_state().session
    return_id = sa.inspect(ret).identity[0]
    take_write_lock(session, ReturnRequest.id == return_id)
    found = session.scalars(
        sa.select(ReturnRequest)
        .where(ReturnRequest.id == return_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    session.refresh(found, ["shipments"])
    return found


def call_may_be_running(shipment: Shipment) -> bool:
    """Whether an earlier call could still be at work: started, not ended, not timed out."""
    started, ended = shipment.call_started_at, shipment.call_ended_at
    if started is None or (ended is not None and ended >= started):
        return False
    timeout = get_state().settings["RETURNS_CARRIER_TIMEOUT"] * REQUESTS_PER_ATTEMPT
    return utcnow() - started < timedelta(seconds=timeout)


def book_label(ret: ReturnRequest, actor: Actor) -> Booking:
    """Make sure ``ret`` has a booked label; call the platform only when it has none.

    Call it after the authorization has committed. Commits its own rows.
    """
    from ..documents.store import label_due  # documents read shipments; not the reverse

    provider = carrier()
    if provider is None or not label_due(ret):
        return Booking("none")
    session = get_state().session
    try:
        ret = held(ret)
        if not label_due(ret):  # cancelled or changed while we waited for the row
            session.rollback()
            return Booking("none")
        shipment = open_shipment(ret)
        if shipment is not None and shipment.status == ShipmentStatus.BOOKED:
            session.rollback()
            return Booking("booked", shipment.id)
        if shipment is not None and call_may_be_running(shipment):
            session.rollback()
            return Booking("in_progress", shipment.id)
        if shipment is None:
            attempt = max((s.attempt for s in ret.shipments), default=0) + 1
            shipment = Shipment(
                return_request=ret,
                attempt=attempt,
                provider=provider.name,
                idempotency_key=f"flask-returns:{ret.rma}:label:{attempt}",
                created_by=actor.id,
            )
            session.add(shipment)
        shipment.call_started_at = utcnow()
        shipment.attempts = (shipment.attempts or 0) + 1
        look_up_first = shipment.attempts > 1
        session.flush()
        request = shipment_request(ret, shipment.idempotency_key)
        shipment_id, draft = shipment.id, shipment.draft
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _ask_platform(provider, ret, shipment_id, request, draft, look_up_first, actor)


def _ask_platform(
    provider: ShipmentProvider,
    ret: ReturnRequest,
    shipment_id: int,
    request: ShipmentRequest,
    draft: str,
    look_up_first: bool,
    actor: Actor,
) -> Booking:
    try:
        booked = provider.find(request, draft) if look_up_first else None
        if booked is None:
            booked = provider.book(request, lambda found: _remember_draft(shipment_id, found))
    except CarrierRefused as refused:
        return _record_failure(ret, shipment_id, refused.message, refused=True, actor=actor)
    except CarrierError as error:
        return _record_failure(ret, shipment_id, error.message, refused=False, actor=actor)
    except Exception as error:  # a bug or a broken connection: the outcome is unknown
        log.exception("carrier %s failed on %s", provider.name, request.rma)
        return _record_failure(ret, shipment_id, str(error), refused=False, actor=actor)
    return _record_booking(ret, shipment_id, booked, actor)


def _remember_draft(shipment_id: int, draft: str) -> None:
    """Commit the platform's draft id before the purchase, so a lost answer can be found."""
    session = get_state().session
    session.execute(
        sa.update(Shipment)
        .where(Shipment.id == shipment_id)
        .values(draft=draft[:128], updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _store_files(booked: BookedShipment) -> tuple[str, str]:
    storage = get_state().storage
    suffix = "pdf" if booked.label.media_type == "application/pdf" else "png"
    if booked.label.media_type == "image/jpeg":
        suffix = "jpg"
    label_key = new_key("carrier-labels", suffix)
    storage.save(label_key, booked.label.data)
    qr_key = ""
    if booked.qr_code is not None:
        qr_key = new_key("carrier-labels", "png")
        storage.save(qr_key, booked.qr_code.data)
    return label_key, qr_key


def _record_booking(
    ret: ReturnRequest, shipment_id: int, booked: BookedShipment, actor: Actor
) -> Booking:
    label_key, qr_key = _store_files(booked)  # before the row, so the row never points nowhere
    session = get_state().session
    try:
        ret = held(ret)
        shipment = session.get(Shipment, shipment_id)
        assert shipment is not None
        now = utcnow()
        shipment.status = ShipmentStatus.BOOKED
        shipment.reference = booked.reference[:128]
        shipment.tracking_number = booked.tracking_number[:128]
        shipment.tracking_url = booked.tracking_url[:500]
        shipment.carrier = booked.carrier[:64]
        shipment.service = booked.service[:128]
        shipment.cost = booked.cost
        shipment.currency = booked.currency
        shipment.pay_on_use = booked.pay_on_use
        shipment.label_key = label_key
        shipment.label_media_type = booked.label.media_type
        shipment.qr_key = qr_key
        shipment.last_error = ""
        shipment.refused = False
        shipment.call_ended_at = shipment.booked_at = now
        shipment.tracking_status = shipment.tracking_status or "pre_transit"
        record_event(
            ret,
            actor,
            EventAction.LABEL_BOOKED,
            None,
            None,
            {
                "carrier": shipment.carrier,
                "service": shipment.service,
                "tracking_number": shipment.tracking_number,
                "cost": shipment.cost,
                "currency": shipment.currency,
            },
        )
        signals.label_booked.send(ret, actor=actor, shipment=shipment)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return Booking("booked", shipment_id)


def _record_failure(
    ret: ReturnRequest, shipment_id: int, message: str, *, refused: bool, actor: Actor
) -> Booking:
    session = get_state().session
    message = message.strip()[:2000] or "no answer"
    try:
        ret = held(ret)
        shipment = session.get(Shipment, shipment_id)
        assert shipment is not None
        if shipment.status == ShipmentStatus.BOOKED:  # another attempt found it meanwhile
            session.rollback()
            return Booking("booked", shipment_id)
        # The history says each new reason once, not every retry of the same outage.
        if message != shipment.last_error or refused != shipment.refused:
            record_event(
                ret,
                actor,
                EventAction.LABEL_DELAYED,
                None,
                None,
                {"error": message[:500], "refused": refused},
            )
        shipment.last_error = message
        shipment.refused = refused
        shipment.call_ended_at = utcnow()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.warning("no label for %s yet: %s", ret.rma, message)
    return Booking("refused" if refused else "delayed", shipment_id, message)
