"""Indexes for the owners' dashboard; lines remember when their return was requested

The dashboard reads the returns and the lines of a period. Returns come from a
(created_at, id) index that, on PostgreSQL, also carries every column the
dashboard counts, so the table is not read. Lines get ``requested_at``, a copy
of their return's ``created_at`` (filled here for existing lines, set on insert
afterwards), and an index on it: a period's lines are then one index range
instead of a join over the whole history of lines.

Revision ID: 0004_dashboard
Revises: 0003_labels_outbox
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_dashboard"
down_revision = "0003_labels_outbox"
branch_labels = None
depends_on = None

REQUEST_COLUMNS = [
    "status",
    "resolution",
    "currency",
    "authorized_at",
    "received_at",
    "refunded_at",
]
LINE_COLUMNS = ["return_id", "sku", "reason", "quantity_requested", "name"]


def upgrade() -> None:
    with op.batch_alter_table("returns_line") as batch_op:
        batch_op.add_column(sa.Column("requested_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE returns_line SET requested_at = ("
        "SELECT returns_request.created_at FROM returns_request "
        "WHERE returns_request.id = returns_line.return_id)"
    )
    op.create_index(
        "ix_returns_line_requested_insights",
        "returns_line",
        ["requested_at"],
        postgresql_include=LINE_COLUMNS,
    )
    op.create_index(
        "ix_returns_request_created_insights",
        "returns_request",
        ["created_at", "id"],
        postgresql_include=REQUEST_COLUMNS,
    )


def downgrade() -> None:
    op.drop_index("ix_returns_request_created_insights", table_name="returns_request")
    op.drop_index("ix_returns_line_requested_insights", table_name="returns_line")
    with op.batch_alter_table("returns_line") as batch_op:
        batch_op.drop_column("requested_at")
