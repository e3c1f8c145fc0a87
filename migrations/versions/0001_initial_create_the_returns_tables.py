"""Create the returns tables

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "returns_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rma", sa.String(length=16), nullable=False),
        sa.Column("order_reference", sa.String(length=64), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("customer_email", sa.String(length=254), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("customer_locale", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=False),
        sa.Column("access_key", sa.String(length=32), nullable=False),
        sa.Column("customer_comment", sa.Text(), nullable=False),
        sa.Column("authorization_note", sa.Text(), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("authorized_at", sa.DateTime(), nullable=True),
        sa.Column("rejected_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("refunded_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested','authorized','rejected','cancelled','received','refunded')",
            name=op.f("ck_returns_request_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_request")),
        sa.UniqueConstraint("rma", name=op.f("uq_returns_request_rma")),
    )
    with op.batch_alter_table("returns_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_returns_request_customer_email"), ["customer_email"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_returns_request_order_number"), ["order_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_returns_request_order_reference"), ["order_reference"], unique=False
        )
        batch_op.create_index(
            "ix_returns_request_status_created", ["status", "created_at", "id"], unique=False
        )

    op.create_table(
        "returns_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns_request.id"],
            name=op.f("fk_returns_event_return_id_returns_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_event")),
    )
    with op.batch_alter_table("returns_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_returns_event_return_id"), ["return_id"], unique=False)

    op.create_table(
        "returns_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("order_line_reference", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("unit_amount", sa.BigInteger(), nullable=False),
        sa.Column("quantity_requested", sa.Integer(), nullable=False),
        sa.Column("quantity_authorized", sa.Integer(), nullable=True),
        sa.Column("quantity_received", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("condition", sa.String(length=32), nullable=True),
        sa.Column("resellable", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "quantity_authorized IS NULL OR quantity_authorized BETWEEN 0 AND quantity_requested",
            name=op.f("ck_returns_line_quantity_authorized_range"),
        ),
        sa.CheckConstraint(
            "quantity_received IS NULL OR quantity_received >= 0",
            name=op.f("ck_returns_line_quantity_received_range"),
        ),
        sa.CheckConstraint(
            "quantity_requested > 0", name=op.f("ck_returns_line_quantity_requested_positive")
        ),
        sa.CheckConstraint(
            "unit_amount >= 0", name=op.f("ck_returns_line_unit_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns_request.id"],
            name=op.f("fk_returns_line_return_id_returns_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_line")),
    )
    with op.batch_alter_table("returns_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_returns_line_return_id"), ["return_id"], unique=False)

    op.create_table(
        "returns_refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("stripe_refund_id", sa.String(length=64), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending','requires_action','succeeded','failed','canceled')",
            name=op.f("ck_returns_refund_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_returns_refund_amount_positive")),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns_request.id"],
            name=op.f("fk_returns_refund_return_id_returns_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_refund")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_returns_refund_idempotency_key")),
        sa.UniqueConstraint("return_id", "attempt", name="uq_returns_refund_return_attempt"),
        sa.UniqueConstraint("stripe_refund_id", name=op.f("uq_returns_refund_stripe_refund_id")),
    )
    with op.batch_alter_table("returns_refund", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_returns_refund_return_id"), ["return_id"], unique=False
        )

    op.create_table(
        "returns_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=80), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["returns_line.id"],
            name=op.f("fk_returns_photo_line_id_returns_line"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns_request.id"],
            name=op.f("fk_returns_photo_return_id_returns_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_photo")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_returns_photo_storage_key")),
    )
    with op.batch_alter_table("returns_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_returns_photo_return_id"), ["return_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("returns_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_returns_photo_return_id"))

    op.drop_table("returns_photo")
    with op.batch_alter_table("returns_refund", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_returns_refund_return_id"))

    op.drop_table("returns_refund")
    with op.batch_alter_table("returns_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_returns_line_return_id"))

    op.drop_table("returns_line")
    with op.batch_alter_table("returns_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_returns_event_return_id"))

    op.drop_table("returns_event")
    with op.batch_alter_table("returns_request", schema=None) as batch_op:
        batch_op.drop_index("ix_returns_request_status_created")
        batch_op.drop_index(batch_op.f("ix_returns_request_order_reference"))
        batch_op.drop_index(batch_op.f("ix_returns_request_order_number"))
        batch_op.drop_index(batch_op.f("ix_returns_request_customer_email"))

    op.drop_table("returns_request")
