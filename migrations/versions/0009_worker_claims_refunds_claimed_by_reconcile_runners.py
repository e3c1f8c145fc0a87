"""Worker claims: a reconcile runner's claim on an open refund

``returns_refund.claimed_until``: set by one conditional UPDATE before Stripe is
asked about the refund, so runners on several servers each check a share and none
checks the same refund twice; a runner that dies loses its claim when it runs out.

Revision ID: 0009_worker_claims
Revises: 0008_carrier_labels
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_worker_claims"
down_revision = "0008_carrier_labels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("returns_refund") as batch:
        batch.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("returns_refund") as batch:
        batch.drop_column("claimed_until")
