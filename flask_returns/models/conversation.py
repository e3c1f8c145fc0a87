"""What the customer and the shop write to each other about a return."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from .base import Base

if TYPE_CHECKING:
    from .returns import Photo, ReturnRequest


class Message(Base):
    """One message in a return's thread, plain text as written (escaped when shown).

    ``author_kind`` is ``customer`` or ``admin``; a shop message written from a reply
    template keeps its ``template`` key and is stored in the words the customer got
    (``locale``), so the thread shows what was sent. ``asks_customer`` marks a shop
    message that waits for the customer's answer.
    """

    __tablename__ = "returns_message"
    __table_args__ = (
        sa.CheckConstraint("author_kind IN ('customer','admin')", name="author_kind_known"),
        sa.Index("ix_returns_message_return_created", "return_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(sa.ForeignKey("returns_request.id", ondelete="CASCADE"))
    author_kind: Mapped[str] = mapped_column(sa.String(16))
    author_id: Mapped[str] = mapped_column(sa.String(254), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(16))
    template: Mapped[str | None] = mapped_column(sa.String(64))
    asks_customer: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    return_request: Mapped[ReturnRequest] = relationship(back_populates="messages")
    photos: Mapped[list[Photo]] = relationship(back_populates="message", order_by="Photo.id")
