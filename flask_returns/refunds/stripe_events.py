"""Stripe's webhook events about refunds, applied once each, in whatever order they come.

Stripe delivers an event more than once and not in order. Each event id is
recorded (a unique row) so a repeat does nothing; a status older than the one we
hold (``pending`` arriving after ``succeeded``) is stale and ignored, since the
refund statuses only move forward.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import IllegalTransition
from ..models import Refund, RefundStatus, StripeEvent
from ..state import get_state
from ..workflow import Actor
from .settlement import open_refunds, record_refund_status, settle_from_stripe

log = logging.getLogger(__name__)

REFUND_EVENTS = frozenset(
    {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}
)
CHARGE_EVENTS = frozenset({"charge.refunded"})


def handle_stripe_event(event: dict[str, Any]) -> str:
    """Apply one verified event; returns ``handled``, ``duplicate`` or ``ignored``."""
    session = get_state().session
    event_id, kind = str(event.get("id", "")), str(event.get("type", ""))
    if not event_id:
        return "ignored"
    session.add(StripeEvent(event_id=event_id[:64], type=kind[:64]))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return "duplicate"
    obj = (event.get("data") or {}).get("object") or {}
    actor = Actor.stripe(event_id)
    outcome = "ignored"
    if kind in REFUND_EVENTS:
        outcome = "handled" if _apply_refund_object(obj, actor) is not None else "ignored"
    elif kind in CHARGE_EVENTS:
        embedded = ((obj.get("refunds") or {}).get("data")) or []
        for refund_obj in embedded:
            if _apply_refund_object(refund_obj, actor) is not None:
                outcome = "handled"
        session.commit()
        if not embedded:
            # Newer API versions send the charge without its refunds: ask Stripe.
            charge_id = obj.get("id")
            for refund in open_refunds():
                if settle_from_stripe(refund):
                    outcome = "handled"
            log.debug("charge %s refunded: open refunds settled by lookup", charge_id)
    session.commit()
    return outcome


def _our_refund(obj: dict[str, Any]) -> Refund | None:
    session = get_state().session
    stripe_id = obj.get("id")
    refund = None
    if stripe_id:
        refund = session.scalar(sa.select(Refund).filter_by(stripe_refund_id=stripe_id))
    ours = (obj.get("metadata") or {}).get("flask_returns_refund_id")
    if refund is None and ours and str(ours).isdigit():
        refund = session.get(Refund, int(ours))
    return refund


def _apply_refund_object(obj: dict[str, Any], actor: Actor) -> Refund | None:
    refund = _our_refund(obj)
    if refund is None:
        return None  # a refund made outside this module: nothing of ours to update
    try:
        status = RefundStatus(obj.get("status"))
    except ValueError:
        return None
    try:
        record_refund_status(
            refund,
            status,
            actor,
            stripe_refund_id=obj.get("id"),
            failure_reason=obj.get("failure_reason") or "",
        )
    except IllegalTransition:
        log.info("stale %s for refund %s ignored (we hold %s)", status, refund.id, refund.status)
    return refund
