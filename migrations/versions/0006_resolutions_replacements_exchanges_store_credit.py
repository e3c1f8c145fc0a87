"""Resolutions per line: replacements, exchanges and store credit

Each return line records what the customer asked for and what the shop decided;
``returns_fulfilment`` records each outbound order and store credit the host makes,
written before the host is called, like a refund. A return settled by anything but
a refund alone ends ``resolved``.

Revision ID: 0006_resolutions
Revises: 0005_exports
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_resolutions"
down_revision = "0005_exports"
branch_labels = None
depends_on = None

OLD_STATUSES = "'requested','authorized','rejected','cancelled','received','refunded'"
RESOLUTIONS = "'refund','replacement','exchange','store_credit'"


def upgrade() -> None:
    with op.batch_alter_table("returns_request") as batch:
        batch.add_column(sa.Column("resolved_at", sa.DateTime(), nullable=True))
        batch.drop_constraint("status_known", type_="check")
        batch.create_check_constraint("status_known", f"status IN ({OLD_STATUSES},'resolved')")
    with op.batch_alter_table("returns_line") as batch:
        for name in ("resolution_requested", "resolution"):
            batch.add_column(
                sa.Column(name, sa.String(length=16), nullable=False, server_default="refund")
            )
        batch.add_column(sa.Column("resolution_note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("exchange_sku", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("exchange_name", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("exchange_unit_amount", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("keep_item", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_check_constraint(
            "resolution_known",
            f"resolution IN ({RESOLUTIONS}) AND resolution_requested IN ({RESOLUTIONS})",
        )
    # The defaults filled the existing rows; new rows get theirs from the models.
    with op.batch_alter_table("returns_line") as batch:
        for name in ("resolution_requested", "resolution", "resolution_note", "keep_item"):
            batch.alter_column(name, server_default=None)
    op.create_table(
        "returns_fulfilment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("bonus", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("host_reference", sa.String(length=128), nullable=True),
        sa.Column("host_number", sa.String(length=128), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("tracking_number", sa.String(length=128), nullable=False),
        sa.Column("tracking_url", sa.String(length=500), nullable=False),
        sa.Column("shipped_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("call_started_at", sa.DateTime(), nullable=True),
        sa.Column("call_ended_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('outbound_order','store_credit')",
            name=op.f("ck_returns_fulfilment_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('pending','succeeded')", name=op.f("ck_returns_fulfilment_status_known")
        ),
        sa.CheckConstraint(
            "amount IS NULL OR amount > 0", name=op.f("ck_returns_fulfilment_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns_request.id"],
            name=op.f("fk_returns_fulfilment_return_id_returns_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_fulfilment")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_returns_fulfilment_idempotency_key")),
        sa.UniqueConstraint("return_id", "kind", "attempt", name="uq_returns_fulfilment_attempt"),
    )
    op.create_index("ix_returns_fulfilment_return_id", "returns_fulfilment", ["return_id"])
    op.create_index("ix_returns_fulfilment_created", "returns_fulfilment", ["created_at", "id"])
    op.create_index("ix_returns_fulfilment_status", "returns_fulfilment", ["status", "created_at"])
    op.create_index(
        "ix_returns_fulfilment_succeeded",
        "returns_fulfilment",
        ["kind", "succeeded_at", "id"],
        postgresql_include=["status", "currency", "amount", "bonus"],
    )


def downgrade() -> None:
    op.drop_table("returns_fulfilment")
    with op.batch_alter_table("returns_line") as batch:
        batch.drop_constraint("resolution_known", type_="check")
        for name in (
            "keep_item",
            "exchange_unit_amount",
            "exchange_name",
            "exchange_sku",
            "resolution_note",
            "resolution",
            "resolution_requested",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("returns_request") as batch:
        batch.drop_constraint("status_known", type_="check")
        batch.create_check_constraint("status_known", f"status IN ({OLD_STATUSES})")
        batch.drop_column("resolved_at")
