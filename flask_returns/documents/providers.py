"""Where the label comes from: drawn here, or made by a carrier's system.

A shop with a merchant permit (pre-paid returns by account) prints the built-in
label: this module's :class:`PermitLabelProvider` says "draw it yourself" and the
template draws addresses, RMA, barcode and the prepaid mark. A shop whose carrier
issues one label per parcel (an API call that books the return shipment) plugs in
a :class:`LabelProvider` that returns the carrier's label as PDF, PNG or JPEG; it
then fills the label area of the page, and the packing page stays ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

from ..orders import Address

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
MEDIA_TYPES = (PDF, PNG, JPEG)

# How each kind of file starts: a label is recognised by its content, not its word.
_SIGNATURES = {PDF: (b"%PDF-",), PNG: (b"\x89PNG\r\n\x1a\n",), JPEG: (b"\xff\xd8\xff",)}


@dataclass(frozen=True)
class PackLine:
    """One line to put in the box: what the admin authorized, not what was asked for."""

    name: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class LabelRequest:
    """What a provider is told about the parcel it labels."""

    rma: str
    order_number: str
    # The customer, who sends the parcel, and the shop, who receives it.
    sender: Address
    recipient: Address
    lines: tuple[PackLine, ...]
    drop_off_by: date
    # ``4x6``, ``A4`` or ``Letter``; the label area is 4 x 6 in on each.
    page_size: str
    locale: str


@dataclass(frozen=True)
class CarrierLabel:
    """A carrier's label: the first page of a PDF, or a PNG/JPEG image.

    It is scaled to fit the 4 x 6 in label area, keeping its proportions. A PDF stays
    vector (its barcodes stay sharp); give images at 203 dpi or more.
    """

    data: bytes
    media_type: str

    def __post_init__(self) -> None:
        if self.media_type not in MEDIA_TYPES:
            raise ValueError(f"a carrier label is PDF, PNG or JPEG, not {self.media_type!r}")
        if not self.data.startswith(_SIGNATURES[self.media_type]):
            raise ValueError(f"the carrier label's bytes are not {self.media_type}")


@runtime_checkable
class LabelProvider(Protocol):
    """Where labels come from; set an instance as ``RETURNS_LABEL_PROVIDER``.

    ``name`` is recorded with every document and is part of its fingerprint:
    changing provider makes every label again the next time it is asked for.
    ``label_for`` is called whenever a document is rendered (at authorization,
    after the address or the authorized lines change, on an admin's reprint),
    so a provider that books shipments should reuse the one it booked for the
    same RMA rather than book (and pay for) another.
    """

    name: str

    def label_for(self, request: LabelRequest) -> CarrierLabel | None:
        """The carrier's label, or None to print the built-in merchant-permit label."""


class PermitLabelProvider:
    """The built-in label: drawn by the template from the ``RETURNS_CARRIER_*`` settings."""

    name = "merchant_permit"

    def label_for(self, request: LabelRequest) -> CarrierLabel | None:
        return None


BUILT_IN = PermitLabelProvider()


def provider_from(setting: LabelProvider | None) -> LabelProvider:
    return setting if setting is not None else BUILT_IN
