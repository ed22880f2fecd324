"""Initial index schema: networks, contracts, tokens, streams, stream events, indexer state.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from flowfi_desktop.store.types import I128

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "networks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False, unique=True),
        sa.Column("passphrase", sa.String, nullable=False),
        sa.Column("rpc_url", sa.String),
    )
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "network_id",
            sa.Integer,
            sa.ForeignKey("networks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("contract_id", sa.String, nullable=False),
        sa.Column("start_ledger", sa.Integer),
        sa.UniqueConstraint("network_id", "contract_id"),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "network_id",
            sa.Integer,
            sa.ForeignKey("networks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("address", sa.String, nullable=False),
        sa.Column("symbol", sa.String),
        sa.Column("name", sa.String),
        sa.Column("decimals", sa.Integer),
        sa.Column("fetched_at", sa.Integer),
        sa.UniqueConstraint("network_id", "address"),
    )
    op.create_table(
        "streams",
        sa.Column(
            "contract_ref",
            sa.Integer,
            sa.ForeignKey("contracts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("stream_id", sa.Integer, primary_key=True),
        sa.Column("sender", sa.String, nullable=False),
        sa.Column("recipient", sa.String, nullable=False),
        sa.Column("token_address", sa.String, nullable=False),
        sa.Column("rate_per_second", I128, nullable=False),
        sa.Column("deposited_amount", I128, nullable=False),
        sa.Column("withdrawn_amount", I128, nullable=False),
        sa.Column("start_time", sa.Integer, nullable=False),
        sa.Column("last_update_time", sa.Integer, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("paused_at", sa.Integer),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("end_time", I128, nullable=False),
        sa.Column("fees_paid", I128, nullable=False),
        sa.Column("refunded_amount", I128, nullable=False),
        sa.Column("created_ledger", sa.Integer),
        sa.Column("last_event_id", sa.String),
        sa.Column("updated_ledger", sa.Integer, nullable=False),
    )
    op.create_index("ix_streams_sender", "streams", ["contract_ref", "sender"])
    op.create_index("ix_streams_recipient", "streams", ["contract_ref", "recipient"])
    op.create_table(
        "stream_events",
        sa.Column(
            "contract_ref",
            sa.Integer,
            sa.ForeignKey("contracts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("ledger", sa.Integer, nullable=False),
        sa.Column("close_time", sa.Integer, nullable=False),
        sa.Column("tx_hash", sa.String, nullable=False),
        sa.Column("tx_index", sa.Integer, nullable=False),
        sa.Column("op_index", sa.Integer, nullable=False),
        sa.Column("type", sa.String, nullable=False),
        sa.Column("stream_id", sa.Integer),
        sa.Column("fields", sa.Text),
        sa.Column("topic_xdr", sa.Text, nullable=False),
        sa.Column("value_xdr", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_stream_events_stream", "stream_events", ["contract_ref", "stream_id"])
    op.create_table(
        "indexer_state",
        sa.Column(
            "contract_ref",
            sa.Integer,
            sa.ForeignKey("contracts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("cursor", sa.String),
        sa.Column("last_ledger", sa.Integer, nullable=False, server_default="0"),
        sa.Column("latest_ledger_seen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("oldest_ledger", sa.Integer, nullable=False, server_default="0"),
        sa.Column("retention_window", sa.Integer, nullable=False, server_default="0"),
        sa.Column("event_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    for table in ("indexer_state", "stream_events", "streams", "tokens", "contracts", "networks"):
        op.drop_table(table)
