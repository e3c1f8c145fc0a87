"""Names of the return reasons, in the customer's language."""

from __future__ import annotations

from .i18n import lazy_gettext as _l

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
