"""Conversations: messages on returns, and who a return waits for

``returns_message`` holds what the customer and the shop write; a photo may belong
to a message; ``returns_request.awaiting`` (and since when) feeds the queue's
"waiting for us" and "waiting for the customer", read through their own index.

Revision ID: 0007_conversations
Revises: 0006_resolutions
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_conversations"
down_revision = "0006_resolutions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "returns_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.String(length=254), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("asks_customer", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "author_kind IN ('customer','admin')",
            name=op.f("ck_returns_message_author_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns_request.id"],
            name=op.f("fk_returns_message_return_id_returns_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_message")),
    )
    op.create_index(
        "ix_returns_message_return_created", "returns_message", ["return_id", "created_at", "id"]
    )
    with op.batch_alter_table("returns_photo") as batch:
        batch.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_returns_photo_message_id_returns_message",
            "returns_message",
            ["message_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("returns_request") as batch:
        batch.add_column(
            sa.Column("awaiting", sa.String(length=16), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("awaiting_since", sa.DateTime(), nullable=True))
    with op.batch_alter_table("returns_request") as batch:
        batch.alter_column("awaiting", server_default=None)
    op.create_index(
        "ix_returns_request_awaiting", "returns_request", ["awaiting", "awaiting_since", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_returns_request_awaiting", table_name="returns_request")
    with op.batch_alter_table("returns_request") as batch:
        batch.drop_column("awaiting_since")
        batch.drop_column("awaiting")
    with op.batch_alter_table("returns_photo") as batch:
        batch.drop_constraint("fk_returns_photo_message_id_returns_message", type_="foreignkey")
        batch.drop_column("message_id")
    op.drop_index("ix_returns_message_return_created", table_name="returns_message")
    op.drop_table("returns_message")
