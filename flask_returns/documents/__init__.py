"""The prepaid return label and packing instructions, one PDF per authorized return.

``label_pdf(ret)`` is the way in for other code (the e-mail outbox attaches it):
it returns the stored PDF, rendering and storing it first when it is missing or
what it prints has changed. Importing this package does not import WeasyPrint.
"""

from __future__ import annotations

from .facts import booked_shipment
from .pdf import DocumentError
from .providers import CarrierLabel, LabelProvider, LabelRequest, PackLine, PermitLabelProvider
from .store import (
    LabelUnavailable,
    current_document,
    label_available,
    label_due,
    label_pdf,
    label_pdf_key,
    labels_enabled,
    prepare_label,
    reprint_label,
)

__all__ = [
    "CarrierLabel",
    "DocumentError",
    "LabelProvider",
    "LabelRequest",
    "LabelUnavailable",
    "PackLine",
    "PermitLabelProvider",
    "booked_shipment",
    "current_document",
    "label_available",
    "label_due",
    "label_pdf",
    "label_pdf_key",
    "labels_enabled",
    "prepare_label",
    "reprint_label",
]
