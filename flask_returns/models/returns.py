"""A return, its lines and photos, and its append-only history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from .base import Base
from .statuses import ReturnStatus

if TYPE_CHECKING:
    from .conversation import Message
    from .settlements import Fulfilment, Refund
    from .shipments import Shipment


class ReturnRequest(Base):
    """One return: what a customer sends back from one order, and where it stands."""

    __tablename__ = "returns_request"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('requested','authorized','rejected','cancelled','received','refunded',"
            "'resolved')",
            name="status_known",
        ),
        sa.Index("ix_returns_request_status_created", "status", "created_at", "id"),
        # The queue's "waiting for us" and "waiting for the customer", oldest first.
        sa.Index("ix_returns_request_awaiting", "awaiting", "awaiting_since", "id"),
        # The dashboard counts a period's returns from this index alone (PostgreSQL);
        # exports read a range of days through it in (created_at, id) order.
        sa.Index(
            "ix_returns_request_created_insights",
            "created_at",
            "id",
            postgresql_include=[
                "status",
                "resolution",
                "currency",
                "authorized_at",
                "received_at",
                "refunded_at",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rma: Mapped[str] = mapped_column(sa.String(16), unique=True)
    order_reference: Mapped[str] = mapped_column(sa.String(64), index=True)
    order_number: Mapped[str] = mapped_column(sa.String(64), index=True)
    customer_email: Mapped[str] = mapped_column(sa.String(254), index=True)
    customer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    customer_locale: Mapped[str] = mapped_column(sa.String(16))
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(sa.String(16), default=ReturnStatus.REQUESTED)
    # How the return is settled, in one word for lists and the dashboard: the lines'
    # resolution when they share one, else "mixed" (each line holds its own).
    resolution: Mapped[str] = mapped_column(sa.String(16), default="refund")
    # Part of every signed customer link; replacing it revokes links already sent.
    access_key: Mapped[str] = mapped_column(sa.String(32))
    customer_comment: Mapped[str] = mapped_column(sa.Text, default="")
    authorization_note: Mapped[str] = mapped_column(sa.Text, default="")
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    authorized_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # Who the conversation waits for: "shop" (a customer message unanswered),
    # "customer" (the shop asked something), or "" (nobody); and since when.
    awaiting: Mapped[str] = mapped_column(sa.String(16), default="")
    awaiting_since: Mapped[datetime | None]

    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="return_request", cascade="all, delete-orphan", order_by="ReturnLine.id"
    )
    photos: Mapped[list[Photo]] = relationship(
        back_populates="return_request", cascade="all, delete-orphan", order_by="Photo.id"
    )
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="return_request", cascade="all, delete-orphan", order_by="Refund.id"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="return_request",
        cascade="all, delete-orphan",
        order_by="(Message.created_at, Message.id)",
    )
    fulfilments: Mapped[list[Fulfilment]] = relationship(
        back_populates="return_request", cascade="all, delete-orphan", order_by="Fulfilment.id"
    )
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="return_request", cascade="all, delete-orphan", order_by="Shipment.id"
    )
    # History rows are never deleted through the ORM; the database cascade removes
    # them only when the host deletes a whole return.
    events: Mapped[list[Event]] = relationship(
        back_populates="return_request",
        cascade="save-update, merge",
        passive_deletes="all",
        order_by="Event.id",
    )

    @property
    def nothing_travels(self) -> bool:
        """Whether the customer keeps every line that is (or may be) authorized: no
        label, no parcel. Lines authorized with 0 units do not count."""
        lines = [line for line in self.lines if line.quantity_authorized != 0]
        return bool(lines) and all(line.keep_item for line in lines)

    def __repr__(self) -> str:
        return f"<ReturnRequest {self.rma} {self.status}>"


class ReturnLine(Base):
    """One order line (or part of it) in a return; amounts in the return's currency."""

    __tablename__ = "returns_line"
    __table_args__ = (
        sa.CheckConstraint("quantity_requested > 0", name="quantity_requested_positive"),
        sa.CheckConstraint("unit_amount >= 0", name="unit_amount_not_negative"),
        sa.CheckConstraint(
            "quantity_authorized IS NULL OR quantity_authorized BETWEEN 0 AND quantity_requested",
            name="quantity_authorized_range",
        ),
        sa.CheckConstraint(
            "quantity_received IS NULL OR quantity_received >= 0", name="quantity_received_range"
        ),
        sa.CheckConstraint(
            "resolution IN ('refund','replacement','exchange','store_credit') AND "
            "resolution_requested IN ('refund','replacement','exchange','store_credit')",
            name="resolution_known",
        ),
        # The dashboard reads a period's lines from this index alone (PostgreSQL).
        sa.Index(
            "ix_returns_line_requested_insights",
            "requested_at",
            postgresql_include=["return_id", "sku", "reason", "quantity_requested", "name"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("returns_request.id", ondelete="CASCADE"), index=True
    )
    order_line_reference: Mapped[str] = mapped_column(sa.String(64))
    sku: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(255))
    unit_amount: Mapped[int] = mapped_column(sa.BigInteger)
    quantity_requested: Mapped[int]
    quantity_authorized: Mapped[int | None]
    quantity_received: Mapped[int | None]
    reason: Mapped[str] = mapped_column(sa.String(32))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    condition: Mapped[str | None] = mapped_column(sa.String(32))
    resellable: Mapped[bool | None]
    # What the customer asked for, and what the shop decided (the same unless an
    # admin changed it, with ``resolution_note`` saying why to the customer).
    resolution_requested: Mapped[str] = mapped_column(sa.String(16), default="refund")
    resolution: Mapped[str] = mapped_column(sa.String(16), default="refund")
    resolution_note: Mapped[str] = mapped_column(sa.Text, default="")
    # The variant chosen for an exchange, copied from the host's offer when chosen.
    exchange_sku: Mapped[str | None] = mapped_column(sa.String(64))
    exchange_name: Mapped[str | None] = mapped_column(sa.String(255))
    exchange_unit_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The policy let the customer keep the item: settled without it coming back.
    keep_item: Mapped[bool] = mapped_column(default=False)
    # A copy of the return's created_at, set on insert (see _copy_request_time), so
    # the lines of a period are one index range instead of a join over every line.
    requested_at: Mapped[datetime | None]

    return_request: Mapped[ReturnRequest] = relationship(back_populates="lines")

    def __init__(self, **values: Any) -> None:
        # A line settles by refund unless told otherwise, before it is ever flushed
        # (the column defaults apply only on insert).
        for name, default in (
            ("resolution", "refund"),
            ("resolution_requested", "refund"),
            ("resolution_note", ""),
            ("keep_item", False),
        ):
            values.setdefault(name, default)
        super().__init__(**values)


@event.listens_for(ReturnLine, "before_insert")
def _copy_request_time(mapper: Any, connection: Any, target: ReturnLine) -> None:
    if target.requested_at is None:
        target.requested_at = (  # type: ignore[assignment]
            sa.select(ReturnRequest.created_at)
            .where(ReturnRequest.id == target.return_id)
            .scalar_subquery()
        )


class Photo(Base):
    """A customer's photo; ``storage_key`` is our random name, never the uploaded one."""

    __tablename__ = "returns_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("returns_request.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("returns_line.id", ondelete="SET NULL")
    )
    # A photo sent with a message (none for the photos of the return form).
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("returns_message.id", ondelete="SET NULL")
    )
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    thumbnail_key: Mapped[str] = mapped_column(sa.String(80))
    width: Mapped[int]
    height: Mapped[int]
    byte_size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    return_request: Mapped[ReturnRequest] = relationship(back_populates="photos")
    line: Mapped[ReturnLine | None] = relationship()
    message: Mapped[Message | None] = relationship(back_populates="photos")


class Event(Base):
    """Append-only history: who did what to a return, from which status to which."""

    __tablename__ = "returns_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("returns_request.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[str] = mapped_column(sa.String(128), default="")
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str | None] = mapped_column(sa.String(16))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    return_request: Mapped[ReturnRequest] = relationship(back_populates="events")


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _history_is_append_only(mapper: Any, connection: Any, target: Event) -> None:
    raise ValueError("returns_event rows are append-only")
