"""The returns tables, on a declarative base of their own.

The host's Flask-SQLAlchemy ``db.session`` works with these classes (it falls back
to the default engine for metadata without a bind key), so returns are written in
the same transaction as the host's own rows, yet the host's ``db.metadata`` and
migrations never see them. Every table name starts with ``returns_``.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .clock import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no time zone of its own)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; flask-returns stores aware UTC datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    RECEIVED = "received"
    REFUNDED = "refunded"


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class EventAction(enum.StrEnum):
    """What an :class:`Event` records (stored as its value; the names say it in code)."""

    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REOPENED = "reopened"
    REFUND_REQUESTED = "refund_requested"
    POLICY_OVERRIDDEN = "policy_overridden"
    REFUND_PENDING = "refund_pending"
    REFUND_REQUIRES_ACTION = "refund_requires_action"
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_FAILED = "refund_failed"
    REFUND_CANCELED = "refund_canceled"
    LABEL_REPRINTED = "label_reprinted"

    @classmethod
    def for_refund(cls, status: RefundStatus) -> EventAction:
        """The history entry for a refund reaching ``status``."""
        return cls(f"refund_{status.value}")


class ActorKind(enum.StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"
    SYSTEM = "system"
    STRIPE = "stripe"


class ReturnRequest(Base):
    """One return: what a customer sends back from one order, and where it stands."""

    __tablename__ = "returns_request"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('requested','authorized','rejected','cancelled','received','refunded')",
            name="status_known",
        ),
        sa.Index("ix_returns_request_status_created", "status", "created_at", "id"),
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
    # What the customer wants back; exchange and store credit are left to the host.
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

    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="return_request", cascade="all, delete-orphan", order_by="ReturnLine.id"
    )
    photos: Mapped[list[Photo]] = relationship(
        back_populates="return_request", cascade="all, delete-orphan", order_by="Photo.id"
    )
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="return_request", cascade="all, delete-orphan", order_by="Refund.id"
    )
    # History rows are never deleted through the ORM; the database cascade removes
    # them only when the host deletes a whole return.
    events: Mapped[list[Event]] = relationship(
        back_populates="return_request",
        cascade="save-update, merge",
        passive_deletes="all",
        order_by="Event.id",
    )

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
    # A copy of the return's created_at, set on insert (see _copy_request_time), so
    # the lines of a period are one index range instead of a join over every line.
    requested_at: Mapped[datetime | None]

    return_request: Mapped[ReturnRequest] = relationship(back_populates="lines")


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
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    thumbnail_key: Mapped[str] = mapped_column(sa.String(80))
    width: Mapped[int]
    height: Mapped[int]
    byte_size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    return_request: Mapped[ReturnRequest] = relationship(back_populates="photos")
    line: Mapped[ReturnLine | None] = relationship()


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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    return_request: Mapped[ReturnRequest] = relationship(back_populates="refunds")


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


class StripeEvent(Base):
    """Stripe webhook events already handled: Stripe delivers some more than once."""

    __tablename__ = "returns_stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    type: Mapped[str] = mapped_column(sa.String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    # Gave up after the last retry; an admin can queue it again.
    FAILED = "failed"


class LabelDocument(Base):
    """One rendering of a return's label and packing PDF; the newest row is current.

    ``fingerprint`` hashes everything printed that can change (address, authorized
    lines, language, page size, provider), so the stored file is reused until one of
    them changes. Older rows stay as the record of what was printed before.
    """

    __tablename__ = "returns_label"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("returns_request.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    locale: Mapped[str] = mapped_column(sa.String(16))
    page_size: Mapped[str] = mapped_column(sa.String(16))
    provider: Mapped[str] = mapped_column(sa.String(64))
    byte_size: Mapped[int]
    created_by: Mapped[str] = mapped_column(sa.String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    return_request: Mapped[ReturnRequest] = relationship()


class OutboxMessage(Base):
    """An e-mail to a customer, written in the transaction of the change it reports.

    Sending happens after commit, so a rolled-back change sends nothing and an SMTP
    outage loses nothing: unsent rows wait here for ``flask returns outbox send``.
    ``message_id`` is fixed when the row is written, so a resend after a crash
    between "accepted by the server" and "marked sent" carries the same Message-ID
    and mail systems can drop the duplicate.
    """

    __tablename__ = "returns_outbox"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending','sending','sent','failed')", name="status_known"),
        sa.Index("ix_returns_outbox_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("returns_request.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(16))
    subject: Mapped[str] = mapped_column(sa.String(255))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    # The label PDF is attached at send time from storage, not copied into this row.
    attach_label: Mapped[bool] = mapped_column(default=False)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    # Lets a message be queued in the same flush as a return that has no id yet.
    return_request: Mapped[ReturnRequest | None] = relationship()
