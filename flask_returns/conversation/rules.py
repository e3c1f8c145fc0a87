"""The rules a message is held to: some words, not too many, not too often."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Message, ReturnRequest, utcnow
from ..state import get_state
from .refusals import MessageRefused, Refusal


def checked_body(body: str) -> str:
    """``body`` trimmed, when it has words and fits ``RETURNS_MESSAGE_MAX_LENGTH``."""
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise MessageRefused(Refusal.EMPTY)
    limit = get_state().settings["RETURNS_MESSAGE_MAX_LENGTH"]
    if len(text) > limit:
        raise MessageRefused(Refusal.TOO_LONG, max=limit)
    return text


def check_customer_pace(session: Session, ret: ReturnRequest) -> None:
    """At most ``RETURNS_CUSTOMER_MESSAGES_PER_HOUR`` customer messages per return an hour."""
    limit = get_state().settings["RETURNS_CUSTOMER_MESSAGES_PER_HOUR"]
    recent = session.scalar(
        sa.select(sa.func.count())
        .select_from(Message)
        .where(
            Message.return_id == ret.id,
            Message.author_kind == "customer",
            Message.created_at > utcnow() - timedelta(hours=1),
        )
    )
    if (recent or 0) >= limit:
        raise MessageRefused(Refusal.TOO_MANY, num=recent)
