"""Reply templates: canned answers chosen in the admin's language, sent in the customer's.

A template's title and body are English messages in our catalogs (the shipped set)
or the shop's own (``RETURNS_REPLY_TEMPLATES``: English translated by the shop's
catalogs, or the words per language). The body's placeholders are filled with the
return's facts, formatted for the language being written: the RMA, the customer's
name, the order number, the refund's amount and the dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..i18n import current_locale_code, format_date, format_money, using_locale
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import RefundStatus, Resolution, ReturnRequest, utcnow
from ..money import round_down
from ..resolutions import refund_value
from ..state import get_state

# The words a template may use, each filled in the customer's language.
PLACEHOLDERS = ("rma", "name", "order", "amount", "refund_date", "drop_off_date")


@dataclass(frozen=True)
class ReplyTemplate:
    """One canned reply: a key, a title for the admin's menu, the body sent."""

    key: str
    title: Any
    body: Any
    # Whether sending it asks the customer for something (the return waits for them).
    asks_customer: bool = False


SHIPPED: tuple[ReplyTemplate, ...] = (
    ReplyTemplate(
        "serial_number_photo",
        _l("Ask for a photo of the serial number"),
        _l(
            "Hello %(name)s, thank you for your return %(rma)s. Could you send us a photo "
            "of the serial number on the item? You can add it below this message."
        ),
        asks_customer=True,
    ),
    ReplyTemplate(
        "which_colour",
        _l("Ask which colour or size instead"),
        _l(
            "Hello %(name)s, we can exchange the item from order %(order)s. Which colour "
            "or size would you like instead? Please answer below this message."
        ),
        asks_customer=True,
    ),
    ReplyTemplate(
        "refund_on_its_way",
        _l("Say when the refund arrives"),
        _l(
            "Hello %(name)s, your refund of %(amount)s for return %(rma)s is on its way. "
            "It should reach your account by %(refund_date)s."
        ),
    ),
    ReplyTemplate(
        "send_by_date",
        _l("Remind to send the parcel"),
        _l(
            "Hello %(name)s, your return %(rma)s is authorized. Please hand the parcel to "
            "the carrier by %(drop_off_date)s, with the label from your e-mail."
        ),
    ),
    ReplyTemplate(
        "parcel_arrived",
        _l("Say the parcel arrived"),
        _l(
            "Hello %(name)s, your parcel for return %(rma)s has arrived and we are "
            "checking it now. We will write again as soon as it is settled."
        ),
    ),
)


def reply_templates() -> dict[str, ReplyTemplate]:
    """Every template offered to admins: ours, then the shop's (same key: the shop's)."""
    found = {template.key: template for template in SHIPPED}
    for key, spec in get_state().settings["RETURNS_REPLY_TEMPLATES"].items():
        found[key] = ReplyTemplate(
            key, spec["title"], spec["body"], asks_customer=bool(spec.get("asks_customer"))
        )
    return found


def _words(text: Any) -> str:
    """A template's text in the current language: ours or the shop's catalogs, or by
    language for a shop's template given as ``{"en": ..., "el": ...}``."""
    if isinstance(text, Mapping):
        code = current_locale_code()
        for candidate in (code, code.split("_")[0], "en"):
            if candidate in text:
                return str(text[candidate])
        return str(next(iter(text.values())))
    if isinstance(text, str):
        return _(text)  # the shop's English, translated by its catalogs merged over ours
    return str(text)  # ours: a lazy message, read in the language now in use


def refund_amount(ret: ReturnRequest) -> int:
    """The refund the customer hears of: the last one made, else what the policy will
    pay for the refund lines once they are back (units authorized, else requested)."""
    made = [r for r in ret.refunds if r.status != RefundStatus.FAILED]
    if made:
        return made[-1].amount
    policy = get_state().policy
    return round_down(
        sum(
            refund_value(
                line.unit_amount,
                line.quantity_authorized
                if line.quantity_authorized is not None
                else line.quantity_requested,
                policy.fee_percent(line.reason),
            )
            for line in ret.lines
            if line.resolution == Resolution.REFUND
        ),
        ret.currency,
    )


def facts(ret: ReturnRequest) -> dict[str, str]:
    """The return's facts for the placeholders, formatted for the current language."""
    policy = get_state().policy
    settings = get_state().settings
    refunds = [r for r in ret.refunds if r.status != RefundStatus.FAILED]
    since = refunds[-1].created_at if refunds else utcnow()
    authorized = ret.authorized_at or utcnow()
    return {
        "rma": ret.rma,
        # Never an empty greeting: the address the customer ordered with, at worst.
        "name": ret.customer_name or ret.customer_email,
        "order": ret.order_number,
        "amount": format_money(refund_amount(ret), ret.currency),
        "refund_date": format_date(since + timedelta(days=policy.refund_days)),
        "drop_off_date": format_date(
            authorized + timedelta(days=settings["RETURNS_DROP_OFF_DAYS"])
        ),
    }


def render_reply(template: ReplyTemplate, ret: ReturnRequest, locale: str) -> tuple[str, str]:
    """(title, body) of ``template`` in ``locale``, filled with the return's facts."""
    with using_locale(locale):
        title = _words(template.title)
        body = _words(template.body) % facts(ret)
    return title, body
