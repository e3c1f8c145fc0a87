"""Remember handled Stripe events

Revision ID: 0002_stripe_events
Revises: 0001_initial
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_stripe_events"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "returns_stripe_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_stripe_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_returns_stripe_event_event_id")),
    )


def downgrade() -> None:
    op.drop_table("returns_stripe_event")
