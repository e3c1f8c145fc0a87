"""Index for exports: refunds by (created_at, id)

Exports read every refund created in a range of days, a batch at a time in
(created_at, id) order; without this index each batch would scan the table.
Returns are read the same way through 0004's ``ix_returns_request_created_insights``.

Revision ID: 0005_exports
Revises: 0004_dashboard
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0005_exports"
down_revision = "0004_dashboard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_returns_refund_created", "returns_refund", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_returns_refund_created", table_name="returns_refund")
