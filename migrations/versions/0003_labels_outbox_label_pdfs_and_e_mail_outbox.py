"""Label PDFs and the e-mail outbox

Revision ID: 0003_labels_outbox
Revises: 0002_stripe_events
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_labels_outbox"
down_revision = "0002_stripe_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "returns_label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("page_size", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns_request.id"],
            name=op.f("fk_returns_label_return_id_returns_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_label")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_returns_label_storage_key")),
    )
    with op.batch_alter_table("returns_label") as batch_op:
        batch_op.create_index(batch_op.f("ix_returns_label_return_id"), ["return_id"])

    op.create_table(
        "returns_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("attach_label", sa.Boolean(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending','sending','sent','failed')",
            name=op.f("ck_returns_outbox_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns_request.id"],
            name=op.f("fk_returns_outbox_return_id_returns_request"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_returns_outbox_message_id")),
    )
    with op.batch_alter_table("returns_outbox") as batch_op:
        batch_op.create_index(batch_op.f("ix_returns_outbox_return_id"), ["return_id"])
        batch_op.create_index("ix_returns_outbox_status_due", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("returns_outbox")
    op.drop_table("returns_label")
