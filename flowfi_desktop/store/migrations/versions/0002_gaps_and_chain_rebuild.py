"""Gaps in history, stream state rebuilt from chain storage, count of unknown events.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gaps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "contract_ref",
            sa.Integer,
            sa.ForeignKey("contracts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_ledger", sa.Integer, nullable=False),
        sa.Column("to_ledger", sa.Integer, nullable=False),
        sa.Column("detected_at", sa.Integer, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("rebuilt_at_ledger", sa.Integer),
    )
    with op.batch_alter_table("streams") as batch:
        batch.add_column(sa.Column("source", sa.String, nullable=False, server_default="events"))
        batch.add_column(sa.Column("as_of_ledger", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("indexer_state") as batch:
        batch.add_column(sa.Column("unknown_count", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("indexer_state") as batch:
        batch.drop_column("unknown_count")
    with op.batch_alter_table("streams") as batch:
        batch.drop_column("as_of_ledger")
        batch.drop_column("source")
    op.drop_table("gaps")
