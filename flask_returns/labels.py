"""Names of reasons and statuses, in the reader's language."""

from __future__ import annotations

from .i18n import gettext as _
from .i18n import lazy_gettext as _l
from .models import ReturnStatus

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
    """The translated name; a host's own reason code shows as written."""
    label = REASON_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ").capitalize()


def status_labels() -> dict[str, str]:
    """Each status as staff read it (customers' pages word some of them their own way)."""
    return {
        ReturnStatus.REQUESTED: _("Requested"),
        ReturnStatus.AUTHORIZED: _("Authorized"),
        ReturnStatus.RECEIVED: _("Received"),
        ReturnStatus.REFUNDED: _("Refunded"),
        ReturnStatus.REJECTED: _("Rejected"),
        ReturnStatus.CANCELLED: _("Cancelled"),
    }
