"""stream_events as an ordinary (rowid) table, its primary key a unique index.

WITHOUT ROWID made every entry of the secondary index (contract, stream id) carry the 30-char
event id instead of an 8-byte rowid; measured on 200,000 rows, inserts cost 9.1 us a row
instead of 5.9. The primary key stays (contract row, RPC event id).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = (
    "contract_ref, id, ledger, close_time, tx_hash, tx_index, op_index, type, stream_id, "
    "fields, topic_xdr, value_xdr"
)


def _create(name: str, with_rowid: bool) -> None:
    op.create_table(
        name,
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
        sqlite_with_rowid=with_rowid,
    )


def _rebuild(with_rowid: bool) -> None:
    _create("stream_events_new", with_rowid)
    op.execute(
        f"INSERT INTO stream_events_new ({COLUMNS}) "  # noqa: S608 - constant column list
        f"SELECT {COLUMNS} FROM stream_events ORDER BY contract_ref, id"
    )
    op.drop_index("ix_stream_events_stream", table_name="stream_events")
    op.drop_table("stream_events")
    op.rename_table("stream_events_new", "stream_events")
    op.create_index("ix_stream_events_stream", "stream_events", ["contract_ref", "stream_id"])


def upgrade() -> None:
    _rebuild(with_rowid=True)


def downgrade() -> None:
    _rebuild(with_rowid=False)
