"""What goes out to the customer: label PDFs and e-mails."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from .base import Base
from .statuses import OutboxStatus

if TYPE_CHECKING:
    from .returns import ReturnRequest


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
