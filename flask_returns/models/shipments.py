"""The parcel a customer sends back, as booked with a carrier platform."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from .base import Base
from .statuses import ShipmentStatus

if TYPE_CHECKING:
    from .returns import ReturnRequest


class Shipment(Base):
    """One return label bought from a carrier platform, written before it is asked.

    Like a :class:`Refund`, the row and its stable ``idempotency_key`` are committed
    before the platform hears of the booking; ``draft`` keeps the platform's id of
    a free first step (EasyPost's and Shippo's shipments, bought in a second call)
    so that a purchase whose answer was lost is found there, never bought again.
    ``call_started_at`` / ``call_ended_at`` tell a call that may still be running
    (nobody else calls) from one that is over. A reprint reads the stored label.
    """

    __tablename__ = "returns_shipment"
    __table_args__ = (
        sa.UniqueConstraint("return_id", "attempt", name="uq_returns_shipment_attempt"),
        sa.CheckConstraint("status IN ('pending','booked','voided')", name="status_known"),
        sa.Index("ix_returns_shipment_status", "status", "created_at"),
        # The dashboard sums what was bought in a range of days, per carrier.
        sa.Index("ix_returns_shipment_booked", "booked_at", "id"),
        # Tracking webhooks name the parcel by its number.
        sa.Index("ix_returns_shipment_tracking", "tracking_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("returns_request.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int]
    provider: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default=ShipmentStatus.PENDING)
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    draft: Mapped[str] = mapped_column(sa.String(128), default="")
    # The platform's answer.
    reference: Mapped[str] = mapped_column(sa.String(128), default="")
    carrier: Mapped[str] = mapped_column(sa.String(64), default="")
    service: Mapped[str] = mapped_column(sa.String(128), default="")
    tracking_number: Mapped[str] = mapped_column(sa.String(128), default="")
    tracking_url: Mapped[str] = mapped_column(sa.String(500), default="")
    cost: Mapped[int | None] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="")
    pay_on_use: Mapped[bool] = mapped_column(default=False)
    label_key: Mapped[str] = mapped_column(sa.String(80), default="")
    label_media_type: Mapped[str] = mapped_column(sa.String(32), default="")
    qr_key: Mapped[str] = mapped_column(sa.String(80), default="")
    # Why there is no label yet, in the platform's words; ``refused`` when it said no
    # (an address to correct) rather than not answering.
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    refused: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    call_started_at: Mapped[datetime | None]
    call_ended_at: Mapped[datetime | None]
    # Voiding an unused label: "", requested, voided, refused, not_needed.
    void_status: Mapped[str] = mapped_column(sa.String(16), default="")
    # Tracking, as the platform last reported it (TrackingStatus values).
    tracking_status: Mapped[str] = mapped_column(sa.String(16), default="")
    tracking_detail: Mapped[str] = mapped_column(sa.String(255), default="")
    tracking_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(sa.String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    booked_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]

    return_request: Mapped[ReturnRequest] = relationship(back_populates="shipments")
