"""What was paid back or sent out for a return, each written before the outside call."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from .base import Base
from .statuses import FulfilmentStatus, RefundStatus

if TYPE_CHECKING:
    from .returns import ReturnRequest


class Refund(Base):
    """One refund attempt. Written before Stripe is called, so no attempt is ever lost."""

    __tablename__ = "returns_refund"
    __table_args__ = (
        sa.UniqueConstraint("return_id", "attempt", name="uq_returns_refund_return_attempt"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "status IN ('pending','requires_action','succeeded','failed','canceled')",
            name="status_known",
        ),
        # Exports read a range of days in (created_at, id) order.
        sa.Index("ix_returns_refund_created", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("returns_request.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int]
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(sa.String(16), default=RefundStatus.PENDING)
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    failure_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Why the admin refunded less than proposed, when they did.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[str] = mapped_column(sa.String(128), default="")
    # A reconcile runner's claim: nobody else asks Stripe about it before this time.
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    return_request: Mapped[ReturnRequest] = relationship(back_populates="refunds")


class StripeEvent(Base):
    """Stripe webhook events already handled: Stripe delivers some more than once."""

    __tablename__ = "returns_stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    type: Mapped[str] = mapped_column(sa.String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Fulfilment(Base):
    """One thing the host makes for a return: an outbound order or a store credit.

    Like a :class:`Refund`, written with its stable ``idempotency_key`` before the
    host is called, so an answer lost in between is settled by looking it up under
    that key, never by making the thing twice. ``items`` lists the return lines it
    covers (``{"line": id, "sku": ..., "quantity": n}``); ``call_started_at`` and
    ``call_ended_at`` tell a call that may still be running from one that is over.
    """

    __tablename__ = "returns_fulfilment"
    __table_args__ = (
        sa.UniqueConstraint("return_id", "kind", "attempt", name="uq_returns_fulfilment_attempt"),
        sa.CheckConstraint("kind IN ('outbound_order','store_credit')", name="kind_known"),
        sa.CheckConstraint("status IN ('pending','succeeded')", name="status_known"),
        sa.CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        # Exports read a range of days in (created_at, id) order.
        sa.Index("ix_returns_fulfilment_created", "created_at", "id"),
        sa.Index("ix_returns_fulfilment_status", "status", "created_at"),
        # Exports and the dashboard read what was made in a range of days, per kind,
        # from this index alone (PostgreSQL).
        sa.Index(
            "ix_returns_fulfilment_succeeded",
            "kind",
            "succeeded_at",
            "id",
            postgresql_include=["status", "currency", "amount", "bonus"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("returns_request.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    attempt: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16), default=FulfilmentStatus.PENDING)
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # Store credit only: what was credited, bonus included, and the bonus part of it.
    amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    bonus: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3))
    # The host's answer: its reference, the number or code the customer sees.
    host_reference: Mapped[str | None] = mapped_column(sa.String(128))
    host_number: Mapped[str] = mapped_column(sa.String(128), default="")
    carrier: Mapped[str] = mapped_column(sa.String(64), default="")
    tracking_number: Mapped[str] = mapped_column(sa.String(128), default="")
    tracking_url: Mapped[str] = mapped_column(sa.String(500), default="")
    shipped_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    call_started_at: Mapped[datetime | None]
    call_ended_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(sa.String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    succeeded_at: Mapped[datetime | None]

    return_request: Mapped[ReturnRequest] = relationship(back_populates="fulfilments")

    def covers(self, line_id: int) -> bool:
        return any(item.get("line") == line_id for item in self.items or ())
