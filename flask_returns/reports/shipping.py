"""What return labels cost: labels bought in a period, per carrier and currency.

Read from ``ix_returns_shipment_booked`` (a range of days). A voided label counts
apart: the platform gives (or will give) its money back. Labels billed only when
used (pay on scan, DHL returns) have no price when bought and are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Shipment, ShipmentStatus


@dataclass(frozen=True)
class ShippingSpend:
    """Labels of one carrier bought in the period, and what they cost in ``currency``."""

    carrier: str
    currency: str  # "" for labels billed on use, whose price is not known
    labels: int
    amount: int  # Stripe's units of ``currency``; voided labels left out
    voided: int


def shipping_spend(session: Session, since: datetime, until: datetime) -> list[ShippingSpend]:
    """Per carrier and currency, never added across currencies."""
    voided = Shipment.status == ShipmentStatus.VOIDED
    rows = session.execute(
        sa.select(
            Shipment.carrier,
            Shipment.currency,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((voided, 0), else_=Shipment.cost)), 0),
            sa.func.count().filter(voided),
        )
        .where(Shipment.booked_at >= since, Shipment.booked_at < until)
        .group_by(Shipment.carrier, Shipment.currency)
        .order_by(Shipment.carrier, Shipment.currency)
    )
    return [
        ShippingSpend(carrier, currency, int(labels), int(amount), int(n_voided))
        for carrier, currency, labels, amount, n_voided in rows
    ]
