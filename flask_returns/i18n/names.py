"""Names of reasons, statuses, history actions and actors, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, has_app_context

from ..models import EventAction, ReturnStatus
from .domain import current_locale_code
from .domain import gettext as _
from .domain import lazy_gettext as _l

REASON_LABELS = {
    "damaged": _l("Arrived damaged"),
    "defective": _l("Defective or does not work"),
    "wrong_item": _l("Wrong item sent"),
    "not_as_described": _l("Not as described"),
    "size_fit": _l("Wrong size or fit"),
    "changed_mind": _l("Changed my mind"),
    "arrived_late": _l("Arrived too late"),
    "other": _l("Other reason"),
}


def reason_label(code: str) -> str:
    """The reason's name in the reader's language: the shop's own, else ours.

    A code nobody named (a shop's reason without ``RETURNS_REASON_LABELS``)
    shows as written, ``broken_zipper`` as "Broken zipper".
    """
    if has_app_context():
        named = current_app.config.get("RETURNS_REASON_LABELS", {}).get(code)
        if named is not None:
            return _shops_name(named)
    label = REASON_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ").capitalize()


def _shops_name(named: str | Mapping[str, str]) -> str:
    if isinstance(named, str):
        return _(named)  # the shop's catalogs, merged over ours, may translate it
    code = current_locale_code()
    for candidate in (code, code.split("_")[0], current_app.config["RETURNS_DEFAULT_LOCALE"], "en"):
        if candidate in named:
            return named[candidate]
    return next(iter(named.values()))


def status_labels() -> dict[str, str]:
    """Each status as staff read it (customers' pages word some of them their own way)."""
    return {
        ReturnStatus.REQUESTED: _("Requested"),
        ReturnStatus.AUTHORIZED: _("Authorized"),
        ReturnStatus.RECEIVED: _("Received"),
        ReturnStatus.REFUNDED: _("Refunded"),
        ReturnStatus.REJECTED: _("Rejected"),
        ReturnStatus.CANCELLED: _("Cancelled"),
        ReturnStatus.RESOLVED: _("Resolved"),
    }


def line_resolution_label(resolution: str, exchange_name: str | None = None) -> str:
    """A line's resolution as the customer reads it, naming an exchange's variant."""
    if resolution == "exchange" and exchange_name:
        return _("Exchange for %(variant)s", variant=exchange_name)
    return resolution_label(resolution)


def resolution_label(code: str) -> str:
    """A resolution's name, as a customer chooses it and staff read it."""
    labels = {
        "refund": _("Refund"),
        "replacement": _("Replacement"),
        "exchange": _("Exchange"),
        "store_credit": _("Store credit"),
    }
    return labels.get(code, code)


def action_label(action: str) -> str:
    """What an event did, in words; an action we do not know shows as written."""
    A = EventAction
    labels = {
        A.REQUESTED: _("Return requested"),
        A.AUTHORIZED: _("Authorized"),
        A.REJECTED: _("Rejected"),
        A.CANCELLED: _("Cancelled"),
        A.RECEIVED: _("Goods received"),
        A.REFUNDED: _("Return refunded"),
        A.REOPENED: _("Reopened after a failed refund"),
        A.REFUND_REQUESTED: _("Refund requested"),
        A.POLICY_OVERRIDDEN: _("Policy overridden"),
        A.REFUND_PENDING: _("Refund pending"),
        A.REFUND_REQUIRES_ACTION: _("Refund needs action"),
        A.REFUND_SUCCEEDED: _("Refund succeeded"),
        A.REFUND_FAILED: _("Refund failed"),
        A.REFUND_CANCELED: _("Refund canceled"),
        A.LABEL_REPRINTED: _("Label reprinted"),
        A.RESOLVED: _("Return resolved"),
        A.RESOLUTION_CHANGED: _("Resolution changed"),
        A.OUTBOUND_ORDER_REQUESTED: _("Replacement order requested"),
        A.OUTBOUND_ORDER_CREATED: _("Replacement order created"),
        A.OUTBOUND_ORDER_SHIPPED: _("Replacement order shipped"),
        A.STORE_CREDIT_REQUESTED: _("Store credit requested"),
        A.STORE_CREDIT_ISSUED: _("Store credit issued"),
        A.FULFILMENT_DELAYED: _("The shop's system did not answer"),
        A.MESSAGE_RECEIVED: _("Customer wrote"),
        A.MESSAGE_SENT: _("Shop wrote"),
        A.LABEL_BOOKED: _("Carrier label issued"),
        A.LABEL_DELAYED: _("The carrier did not issue the label"),
        A.LABEL_VOIDED: _("Unused carrier label voided"),
        A.PARCEL_IN_TRANSIT: _("Parcel in transit"),
        A.PARCEL_DELIVERED: _("Parcel delivered to the shop"),
    }
    return labels.get(action, action)


def actor_label(kind: str) -> str:
    """Who acted, by kind (the id is shown beside it)."""
    labels = {
        "customer": _("Customer"),
        "admin": _("Admin"),
        "system": _("System"),
        "stripe": _("Stripe"),
    }
    return labels.get(kind, kind)
