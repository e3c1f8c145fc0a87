"""Carrier labels: each return parcel booked with a carrier platform

``returns_shipment`` records each label bought from EasyPost, Shippo or DHL, written
with its stable key before the platform is called, with the label and QR code's
storage keys, the cost, the tracking number and the parcel's last tracking state.

Revision ID: 0008_carrier_labels
Revises: 0007_conversations
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_carrier_labels"
down_revision = "0007_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = {"nullable": False}
    op.create_table(
        "returns_shipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=64), **text),
        sa.Column("status", sa.String(length=16), **text),
        sa.Column("idempotency_key", sa.String(length=80), **text),
        sa.Column("draft", sa.String(length=128), **text),
        sa.Column("reference", sa.String(length=128), **text),
        sa.Column("carrier", sa.String(length=64), **text),
        sa.Column("service", sa.String(length=128), **text),
        sa.Column("tracking_number", sa.String(length=128), **text),
        sa.Column("tracking_url", sa.String(length=500), **text),
        sa.Column("cost", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), **text),
        sa.Column("pay_on_use", sa.Boolean(), nullable=False),
        sa.Column("label_key", sa.String(length=80), **text),
        sa.Column("label_media_type", sa.String(length=32), **text),
        sa.Column("qr_key", sa.String(length=80), **text),
        sa.Column("last_error", sa.Text(), **text),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("call_started_at", sa.DateTime(), nullable=True),
        sa.Column("call_ended_at", sa.DateTime(), nullable=True),
        sa.Column("void_status", sa.String(length=16), **text),
        sa.Column("tracking_status", sa.String(length=16), **text),
        sa.Column("tracking_detail", sa.String(length=255), **text),
        sa.Column("tracking_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=128), **text),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=True),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending','booked','voided')",
            name=op.f("ck_returns_shipment_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns_request.id"],
            name=op.f("fk_returns_shipment_return_id_returns_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_shipment")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_returns_shipment_idempotency_key")),
        sa.UniqueConstraint("return_id", "attempt", name="uq_returns_shipment_attempt"),
    )
    op.create_index("ix_returns_shipment_return_id", "returns_shipment", ["return_id"])
    op.create_index("ix_returns_shipment_status", "returns_shipment", ["status", "created_at"])
    op.create_index("ix_returns_shipment_booked", "returns_shipment", ["booked_at", "id"])
    op.create_index("ix_returns_shipment_tracking", "returns_shipment", ["tracking_number"])


def downgrade() -> None:
    op.drop_index("ix_returns_shipment_tracking", table_name="returns_shipment")
    op.drop_index("ix_returns_shipment_booked", table_name="returns_shipment")
    op.drop_index("ix_returns_shipment_status", table_name="returns_shipment")
    op.drop_index("ix_returns_shipment_return_id", table_name="returns_shipment")
    op.drop_table("returns_shipment")
