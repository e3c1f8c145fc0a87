"""Which step of a return e-mails the customer, and what the e-mail says.

The receivers hang on the workflow's signals, which are sent inside the
transaction of the step; each composes its message there and then (in the
customer's stored language, whoever pressed the button) and queues it in the
outbox in that same transaction. So the e-mail reports the return as it was at
that step, and exists exactly when the step was committed.

Bodies come from ``returns/email/<kind>.html`` and ``.txt`` through the app's
template loader, so a host template at the same path wins. A host that tells
its customers through its own channels leaves kinds out of
``RETURNS_MAIL_KINDS`` and connects its own receivers to the same signals.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import render_template
from sqlalchemy.orm import object_session
from werkzeug.routing import BuildError

from .. import links, signals
from ..carriers.parcel import parcel_view
from ..i18n import format_money, line_resolution_label, reason_label, using_locale
from ..i18n import gettext as _
from ..models import (
    Fulfilment,
    Message,
    OutboxMessage,
    Refund,
    Resolution,
    ReturnLine,
    ReturnRequest,
    Shipment,
)
from ..state import get_state
from ..templating import template_context
from . import outbox
from .mailer import one_line

log = logging.getLogger("flask_returns.notifications")


@dataclass(frozen=True)
class Composed:
    """A message ready for the outbox."""

    subject: str
    text: str
    html: str
    locale: str
    attach_label: bool


@dataclass(frozen=True)
class Item:
    quantity: int
    name: str
    note: str = ""
    # What the line is settled with, when the shop offers more than refunds.
    outcome: str = ""


def connect_receivers() -> None:
    """Hang the receivers on the workflow's signals (connecting twice changes nothing)."""
    signals.return_requested.connect(_on_requested)
    signals.return_authorized.connect(_on_authorized)
    signals.return_rejected.connect(_on_rejected)
    signals.return_received.connect(_on_received)
    signals.refund_succeeded.connect(_on_refund_succeeded)
    signals.refund_failed.connect(_on_refund_failed)
    signals.resolution_changed.connect(_on_resolution_changed)
    signals.outbound_order_created.connect(_on_outbound_created)
    signals.outbound_order_shipped.connect(_on_outbound_shipped)
    signals.store_credit_issued.connect(_on_store_credit)
    signals.message_sent.connect(_on_message_sent)
    signals.message_received.connect(_on_message_received)
    signals.label_booked.connect(_on_label_booked)
    signals.parcel_delivered.connect(_on_parcel_delivered)


def _on_requested(ret: ReturnRequest, **_kw: Any) -> None:
    notify(ret, "request_received")


def _on_authorized(ret: ReturnRequest, **_kw: Any) -> None:
    notify(ret, "authorized")


def _on_rejected(ret: ReturnRequest, **_kw: Any) -> None:
    notify(ret, "rejected")


def _on_received(ret: ReturnRequest, **_kw: Any) -> None:
    notify(ret, "goods_received")


def _on_refund_succeeded(ret: ReturnRequest, *, refund: Refund, **_kw: Any) -> None:
    notify(ret, "refund_issued", refund=refund)


def _on_refund_failed(ret: ReturnRequest, *, refund: Refund, **_kw: Any) -> None:
    notify(ret, "refund_failed", refund=refund)


def _on_resolution_changed(ret: ReturnRequest, **_kw: Any) -> None:
    notify(ret, "resolution_changed")


def _on_outbound_created(ret: ReturnRequest, *, fulfilment: Fulfilment, **_kw: Any) -> None:
    if not fulfilment.tracking_number:  # shipped at once: one message says both
        notify(ret, "replacement_ordered", fulfilment=fulfilment)


def _on_outbound_shipped(ret: ReturnRequest, *, fulfilment: Fulfilment, **_kw: Any) -> None:
    notify(ret, "replacement_shipped", fulfilment=fulfilment)


def _on_store_credit(ret: ReturnRequest, *, fulfilment: Fulfilment, **_kw: Any) -> None:
    notify(ret, "store_credit_issued", fulfilment=fulfilment)


def _on_message_sent(ret: ReturnRequest, *, message: Message, **_kw: Any) -> None:
    notify(ret, "shop_message", message=message)


def _on_message_received(ret: ReturnRequest, *, message: Message, **_kw: Any) -> None:
    notify_support(ret, message)


def _on_label_booked(ret: ReturnRequest, **_kw: Any) -> None:
    notify(ret, "label_ready")


def _on_parcel_delivered(ret: ReturnRequest, *, shipment: Shipment, **_kw: Any) -> None:
    if get_state().settings["RETURNS_PARCEL_ARRIVED_NOTICE"]:
        notify_support(ret, shipment=shipment)


def notify_support(
    ret: ReturnRequest, message: Message | None = None, *, shipment: Shipment | None = None
) -> OutboxMessage | None:
    """Tell the support address of a customer's message (or that a parcel arrived),
    in the shop's language."""
    settings = get_state().settings
    recipient = settings["RETURNS_SUPPORT_EMAIL"]
    if not recipient:
        return None
    with using_locale(settings["RETURNS_DEFAULT_LOCALE"]) as locale:
        context = {
            **template_context(),
            "ret": ret,
            "message": message,
            "shipment": shipment,
            "admin_link": _absolute(
                lambda: (
                    links.external_url("returns.admin_detail", rma=ret.rma)
                    + ("#messages" if message is not None else "")
                )
            ),
        }
        if message is not None:
            kind = "support_notice"
            subject = one_line(_("Customer message on return %(rma)s", rma=ret.rma))
        else:
            kind = "parcel_arrived"
            subject = one_line(_("Return parcel %(rma)s delivered to the shop", rma=ret.rma))
        html = render_template(f"returns/email/{kind}.html", subject=subject, **context)
        text = render_template(f"returns/email/{kind}.txt", subject=subject, **context)
    return outbox.queue(
        object_session(ret) or get_state().session(),
        ret,
        kind=kind,
        recipient=recipient,
        locale=str(locale),
        subject=subject,
        text_body=_tidy(text),
        html_body=html,
        attach_label=False,
        message_id=new_message_id(kind),
    )


def notify(
    ret: ReturnRequest,
    kind: str,
    *,
    refund: Refund | None = None,
    fulfilment: Fulfilment | None = None,
    message: Message | None = None,
) -> OutboxMessage | None:
    """Compose ``kind`` for ``ret`` and queue it in ``ret``'s transaction (unless left out)."""
    if kind not in get_state().settings["RETURNS_MAIL_KINDS"]:
        return None
    composed = compose(ret, kind, refund=refund, fulfilment=fulfilment, message=message)
    session = object_session(ret) or get_state().session()
    return outbox.queue(
        session,
        ret,
        kind=kind,
        recipient=ret.customer_email,
        locale=composed.locale,
        subject=composed.subject,
        text_body=composed.text,
        html_body=composed.html,
        attach_label=composed.attach_label,
        message_id=new_message_id(kind),
    )


def compose(
    ret: ReturnRequest,
    kind: str,
    *,
    refund: Refund | None = None,
    fulfilment: Fulfilment | None = None,
    message: Message | None = None,
) -> Composed:
    """Subject, text and HTML of ``kind`` in the customer's language."""
    with using_locale(ret.customer_locale) as locale:
        context = _context(ret, kind, refund)
        context["fulfilment"] = fulfilment
        context["message"] = message
        if message is not None and context["status_link"]:
            context["status_link"] += "#messages"
        if fulfilment is not None and fulfilment.amount:
            context["amount"] = format_money(fulfilment.amount, fulfilment.currency)
        subject = one_line(SUBJECTS[kind](ret, context))
        html = render_template(f"returns/email/{kind}.html", subject=subject, **context)
        text = render_template(f"returns/email/{kind}.txt", subject=subject, **context)
    return Composed(subject, _tidy(text), html, str(locale), context["attach_label"])


SUBJECTS: dict[str, Callable[[ReturnRequest, dict[str, Any]], str]] = {
    "request_received": lambda ret, c: _(
        "We have received your return request %(rma)s", rma=ret.rma
    ),
    "authorized": lambda ret, c: _("Your return %(rma)s has been authorized", rma=ret.rma),
    "label_ready": lambda ret, c: _("Your return label for %(rma)s", rma=ret.rma),
    "rejected": lambda ret, c: _("Your return %(rma)s could not be accepted", rma=ret.rma),
    "goods_received": lambda ret, c: _("Your items for return %(rma)s have arrived", rma=ret.rma),
    "refund_issued": lambda ret, c: _(
        "%(amount)s refunded for your return %(rma)s", amount=c["amount"], rma=ret.rma
    ),
    "refund_failed": lambda ret, c: _(
        "Your refund for return %(rma)s did not go through", rma=ret.rma
    ),
    "resolution_changed": lambda ret, c: _(
        "We have changed how your return %(rma)s is settled", rma=ret.rma
    ),
    "replacement_ordered": lambda ret, c: _(
        "Your replacement for return %(rma)s is being prepared", rma=ret.rma
    ),
    "replacement_shipped": lambda ret, c: _(
        "Your replacement for return %(rma)s is on its way", rma=ret.rma
    ),
    "shop_message": lambda ret, c: _("A message about your return %(rma)s", rma=ret.rma),
    "store_credit_issued": lambda ret, c: _(
        "%(amount)s store credit for your return %(rma)s", amount=c["amount"], rma=ret.rma
    ),
}


def _context(ret: ReturnRequest, kind: str, refund: Refund | None) -> dict[str, Any]:
    settings = get_state().settings.values
    attach = kind in ("authorized", "label_ready") and _label_available(ret)
    parcel = parcel_view(ret) if kind in ("authorized", "label_ready") else None
    drop_off_days = settings.get("RETURNS_DROP_OFF_DAYS")
    drop_off_by: datetime | None = None
    if kind in ("authorized", "label_ready") and drop_off_days and ret.authorized_at is not None:
        drop_off_by = ret.authorized_at + timedelta(days=drop_off_days)
    return {
        **template_context(),
        "ret": ret,
        "kind": kind,
        "name": one_line(ret.customer_name, 200),
        "items": _items(ret, kind),
        "status_link": _absolute(lambda: links.status_url(ret)),
        "label_link": _absolute(
            lambda: links.external_url("returns.label_pdf", token=links.status_token(ret))
        )
        if attach
        else None,
        "attach_label": attach,
        "parcel": parcel,
        "label_follows": bool(parcel and parcel.label_pending),
        "drop_off_link": _absolute(
            lambda: links.external_url("returns.drop_off_code", token=links.status_token(ret))
        )
        if parcel is not None and parcel.has_drop_off_code
        else None,
        "drop_off_by": drop_off_by,
        "refund": refund,
        "amount": format_money(refund.amount, refund.currency) if refund is not None else "",
        "refund_days": get_state().policy.refund_days,
        "refunded": any(r.status == "succeeded" for r in ret.refunds),
        "nothing_to_send": ret.nothing_travels,
    }


def _items(ret: ReturnRequest, kind: str) -> list[Item]:
    """The lines the message is about, with the quantity that matters at this step."""
    if kind in ("authorized", "resolution_changed"):
        return [
            Item(n.quantity_authorized or n.quantity_requested, n.name, outcome=_decided(n))
            for n in ret.lines
            if n.quantity_authorized != 0
        ]
    if kind == "goods_received":
        return [
            Item(n.quantity_received, n.name, outcome=_decided(n))
            for n in ret.lines
            if n.quantity_received
        ]
    if kind.startswith(("refund", "replacement", "store_credit", "shop_message")):
        return []  # the news is the amount or the parcel; the lines were in earlier messages
    return [
        Item(n.quantity_requested, n.name, reason_label(n.reason), outcome=_asked(n))
        for n in ret.lines
    ]


def _choosing() -> bool:
    """Whether the shop offers more than refunds (else no line says "Refund")."""
    return get_state().policy.offered_resolutions != {Resolution.REFUND}


def _kept(line: ReturnLine) -> str:
    if not line.keep_item:
        return ""
    return " " + _("You do not need to send this item back: keep it, or give it away.")


def _asked(line: ReturnLine) -> str:
    if not _choosing():
        return ""
    return line_resolution_label(line.resolution_requested, line.exchange_name) + _kept(line)


def _decided(line: ReturnLine) -> str:
    """What the line is settled with; when that is not what was asked, both, and why."""
    decision = line_resolution_label(line.resolution, line.exchange_name)
    if line.resolution == line.resolution_requested:
        return (decision + _kept(line)) if _choosing() else ""
    words = [
        _("You asked for: %(wish)s.", wish=line_resolution_label(line.resolution_requested)),
        _("We decided: %(decision)s.", decision=decision),
    ]
    if line.resolution_note:
        words.append(line.resolution_note)
    return " ".join(words) + _kept(line)


def _label_available(ret: ReturnRequest) -> bool:
    from ..documents import label_available

    return label_available(ret)


def _absolute(build: Callable[[], str]) -> str | None:
    """An absolute link, or None where none can be made (no request, no RETURNS_PUBLIC_URL)."""
    try:
        return build()
    except (RuntimeError, BuildError) as problem:
        log.info("flask-returns: e-mail written without a link: %s", problem)
        return None


def new_message_id(kind: str) -> str:
    """A Message-ID fixed when the row is written, so a resend is recognisably the same."""
    settings = get_state().settings
    domain = parseaddr(settings["RETURNS_MAIL_FROM"] or "")[1].rpartition("@")[2]
    if not domain and settings["RETURNS_PUBLIC_URL"]:
        domain = urlsplit(settings["RETURNS_PUBLIC_URL"]).hostname or ""
    return make_msgid(idstring=kind.replace("_", "-"), domain=domain or "localhost")


def _tidy(text: str) -> str:
    """Plain text without the blank lines and trailing spaces template tags leave."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
