"""Writing on a return's thread, and who the return waits for afterwards.

A customer's message leaves the return waiting for the shop (the queue's "waiting
for us", oldest first); a shop message that asks something leaves it waiting for
the customer until they answer; any other shop message answers the customer.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import signals
from ..models import EventAction, Message, ReturnRequest, utcnow
from ..photos import StoredPhoto
from .inputs import Actor
from .returns import _session, photo_row, record_event

WAITING_FOR_SHOP = "shop"
WAITING_FOR_CUSTOMER = "customer"


def write_to_shop(
    ret: ReturnRequest, actor: Actor, body: str, photos: Sequence[StoredPhoto] = ()
) -> Message:
    """The customer writes (with photos already checked and stored); the shop is to answer."""
    now = utcnow()
    message = Message(
        return_request=ret,
        author_kind="customer",
        author_id=actor.id,
        body=body,
        locale=ret.customer_locale,
        created_at=now,
    )
    message.photos.extend(photo_row(photo, return_request=ret, created_at=now) for photo in photos)
    _session(ret).add(message)
    if ret.awaiting != WAITING_FOR_SHOP:
        ret.awaiting, ret.awaiting_since = WAITING_FOR_SHOP, now
    _session(ret).flush()
    record_event(ret, actor, EventAction.MESSAGE_RECEIVED, None, None, {"message": message.id})
    signals.message_received.send(ret, actor=actor, message=message)
    return message


def write_to_customer(
    ret: ReturnRequest,
    actor: Actor,
    body: str,
    *,
    asks_customer: bool = False,
    template: str | None = None,
) -> Message:
    """The shop writes, in the words the customer gets; it may ask them for something."""
    now = utcnow()
    message = Message(
        return_request=ret,
        author_kind="admin",
        author_id=actor.id,
        body=body,
        locale=ret.customer_locale,
        template=template,
        asks_customer=asks_customer,
        created_at=now,
    )
    _session(ret).add(message)
    if asks_customer:
        ret.awaiting, ret.awaiting_since = WAITING_FOR_CUSTOMER, now
    else:
        ret.awaiting, ret.awaiting_since = "", None
    _session(ret).flush()
    record_event(
        ret,
        actor,
        EventAction.MESSAGE_SENT,
        None,
        None,
        {"message": message.id, "template": template, "asks_customer": asks_customer},
    )
    signals.message_sent.send(ret, actor=actor, message=message)
    return message
