"""Everything a label document prints, gathered once, and its fingerprint.

The fingerprint is a hash of these facts, so "has anything printed changed?" is a
comparison of two strings: a stored PDF is served as long as the facts it was
made from are the facts of now. Whatever the templates show must come from here,
or a change to it would not make the document again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta

from ..i18n import text_direction, using_locale
from ..links import status_url
from ..models import ReturnRequest, Shipment, ShipmentStatus
from ..orders import Address
from ..state import get_state
from .providers import LabelProvider, LabelRequest, PackLine, provider_from

# Raise when the templates change what they print, so stored documents are made again.
DOCUMENT_VERSION = 1


@dataclass(frozen=True)
class LabelFacts:
    """What one label and packing document shows, and nothing else."""

    rma: str
    order_number: str
    locale: str
    direction: str
    page_size: str
    provider: str
    shop_name: str
    return_address: Address
    sender: Address
    lines: tuple[PackLine, ...]
    authorized_on: date
    drop_off_by: date
    status_url: str
    authorization_note: str
    carrier_name: str
    carrier_account: str
    carrier_service: str
    refund_days: int
    refund_on_authorization: bool
    contact_email: str
    contact_phone: str
    # A label bought from a carrier platform (``RETURNS_CARRIER``): stored files.
    carrier_label_key: str = ""
    carrier_label_type: str = ""
    drop_off_qr_key: str = ""
    tracking_number: str = ""
    version: int = DOCUMENT_VERSION

    @property
    def fingerprint(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def label_request(self) -> LabelRequest:
        return LabelRequest(
            rma=self.rma,
            order_number=self.order_number,
            sender=self.sender,
            recipient=self.return_address,
            lines=self.lines,
            drop_off_by=self.drop_off_by,
            page_size=self.page_size,
            locale=self.locale,
        )


def sender_address(ret: ReturnRequest) -> Address:
    """The order's shipping address; without one, the name and blank lines to write on."""
    order = get_state().orders.get_order(ret.order_reference)
    if order is not None and order.shipping_address is not None:
        return order.shipping_address
    name = ret.customer_name or (order.customer_name if order is not None else "")
    return Address(name=name, line1="", city="", postal_code="", country="")


def packed_lines(ret: ReturnRequest) -> tuple[PackLine, ...]:
    """What goes in the box: the authorized units of lines the customer does not keep."""
    return tuple(
        PackLine(line.name, line.sku, line.quantity_authorized)
        for line in ret.lines
        if line.quantity_authorized and not line.keep_item
    )


def booked_shipment(ret: ReturnRequest) -> Shipment | None:
    """The carrier label bought for ``ret`` and not voided, if any."""
    booked = [s for s in ret.shipments if s.status == ShipmentStatus.BOOKED]
    return booked[-1] if booked else None


def current_provider() -> LabelProvider:
    return provider_from(get_state().settings["RETURNS_LABEL_PROVIDER"])


def gather_facts(ret: ReturnRequest) -> LabelFacts:
    """The facts of ``ret``'s document now. Needs RETURNS_PUBLIC_URL outside a request."""
    settings = get_state().settings
    if ret.authorized_at is None:
        raise ValueError(f"return {ret.rma} has not been authorized")
    contact = settings["RETURNS_SHOP_CONTACT"] or {}
    policy = get_state().policy
    with using_locale(ret.customer_locale) as locale:
        direction = text_direction(locale)
    shipment = booked_shipment(ret) if get_state().carrier is not None else None
    carrier = {}
    if shipment is not None:
        carrier = {
            "provider": shipment.provider,
            "carrier_name": shipment.carrier,
            "carrier_service": shipment.service,
            "carrier_account": "",
            "carrier_label_key": shipment.label_key,
            "carrier_label_type": shipment.label_media_type,
            "drop_off_qr_key": shipment.qr_key,
            "tracking_number": shipment.tracking_number,
        }
    facts = LabelFacts(
        rma=ret.rma,
        order_number=ret.order_number,
        locale=str(locale),
        direction=direction,
        page_size=settings["RETURNS_LABEL_PAGE_SIZE"],
        provider=current_provider().name,
        shop_name=settings["RETURNS_SHOP_NAME"],
        return_address=settings["RETURNS_RETURN_ADDRESS"],
        sender=sender_address(ret),
        lines=packed_lines(ret),
        authorized_on=ret.authorized_at.date(),
        drop_off_by=(ret.authorized_at + timedelta(days=settings["RETURNS_DROP_OFF_DAYS"])).date(),
        status_url=status_url(ret),
        authorization_note=ret.authorization_note or "",
        carrier_name=settings["RETURNS_CARRIER_NAME"] or "",
        carrier_account=settings["RETURNS_CARRIER_ACCOUNT"] or "",
        carrier_service=settings["RETURNS_CARRIER_SERVICE"] or "",
        # Policy facts come from the policy object (a host's RETURNS_POLICY may differ
        # from the RETURNS_* settings): the packing page promises what the code does.
        refund_days=policy.refund_days,
        refund_on_authorization=policy.refund_timing == "authorization",
        contact_email=contact.get("email", ""),
        contact_phone=contact.get("phone", ""),
    )
    return replace(facts, **carrier) if carrier else facts
