"""The index schema (SQLAlchemy 2). The migrations in ``migrations/versions`` create exactly
this; a test compares the two.

Conventions: amounts are i128 in 16-byte BLOBs (``I128``, see ``i128.py``); times are Unix
seconds; ledger sequences are INTEGER. The index is a cache of the chain: stream events are
keyed by their RPC event id (unique per network, so scoped by the contract row), and every
stream row can be rebuilt from events or from on-chain storage.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flowfi_desktop.store.types import I128


class Base(DeclarativeBase):
    pass


class Network(Base):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    passphrase: Mapped[str] = mapped_column(String)
    rpc_url: Mapped[str | None] = mapped_column(String)


class Contract(Base):
    """A stream contract followed on a network."""

    __tablename__ = "contracts"
    __table_args__ = (UniqueConstraint("network_id", "contract_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    contract_id: Mapped[str] = mapped_column(String)  # C... strkey
    # First ledger worth indexing (the deploy ledger when known); None = the RPC's oldest.
    start_ledger: Mapped[int | None] = mapped_column(Integer)


class Token(Base):
    """Token metadata cache (SEP-41 name/symbol/decimals), fetched lazily."""

    __tablename__ = "tokens"
    __table_args__ = (UniqueConstraint("network_id", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String)  # C... strkey
    symbol: Mapped[str | None] = mapped_column(String)
    name: Mapped[str | None] = mapped_column(String)
    decimals: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[int | None] = mapped_column(Integer)


class Stream(Base):
    """The on-chain ``Stream`` of one stream id, plus derived fields."""

    __tablename__ = "streams"

    contract_ref: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True
    )
    stream_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # --- the contract's Stream struct
    sender: Mapped[str] = mapped_column(String)
    recipient: Mapped[str] = mapped_column(String)
    token_address: Mapped[str] = mapped_column(String)
    rate_per_second: Mapped[int] = mapped_column(I128)
    deposited_amount: Mapped[int] = mapped_column(I128)
    withdrawn_amount: Mapped[int] = mapped_column(I128)
    start_time: Mapped[int] = mapped_column(Integer)
    last_update_time: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean)
    paused: Mapped[bool] = mapped_column(Boolean)
    paused_at: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String)  # active | paused | cancelled | completed
    # --- derived
    end_time: Mapped[int] = mapped_column(I128)  # u64; may saturate at 2**64-1
    fees_paid: Mapped[int] = mapped_column(I128)
    refunded_amount: Mapped[int] = mapped_column(I128)
    created_ledger: Mapped[int | None] = mapped_column(Integer)
    last_event_id: Mapped[str | None] = mapped_column(String)
    updated_ledger: Mapped[int] = mapped_column(Integer)
    # Where the state came from: "events", or "chain" (read from storage after a gap); events at
    # or below ``as_of_ledger`` are already reflected and are not applied again.
    source: Mapped[str] = mapped_column(String, server_default="events")
    as_of_ledger: Mapped[int] = mapped_column(Integer, server_default="0")

    __table_args__ = (
        Index("ix_streams_sender", "contract_ref", "sender"),
        Index("ix_streams_recipient", "contract_ref", "recipient"),
    )


class StreamEvent(Base):
    """One contract event as the RPC gave it: decoded fields plus the raw XDR."""

    __tablename__ = "stream_events"

    contract_ref: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String, primary_key=True)  # RPC event id (TOID-index)
    ledger: Mapped[int] = mapped_column(Integer)
    close_time: Mapped[int] = mapped_column(Integer)
    tx_hash: Mapped[str] = mapped_column(String)
    tx_index: Mapped[int] = mapped_column(Integer)
    op_index: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String)  # event name, or "unknown"
    stream_id: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[str | None] = mapped_column(Text)  # JSON; i128/u64 as decimal strings
    topic_xdr: Mapped[str] = mapped_column(Text)  # base64 ScVals joined by ","
    value_xdr: Mapped[str] = mapped_column(Text)  # base64 ScVal

    __table_args__ = (Index("ix_stream_events_stream", "contract_ref", "stream_id"),)


class IndexerState(Base):
    """Where the indexer of one contract stands."""

    __tablename__ = "indexer_state"

    contract_ref: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True
    )
    cursor: Mapped[str | None] = mapped_column(String)  # getEvents paging cursor
    last_ledger: Mapped[int] = mapped_column(Integer, server_default="0")  # covered up to here
    latest_ledger_seen: Mapped[int] = mapped_column(Integer, server_default="0")
    oldest_ledger: Mapped[int] = mapped_column(Integer, server_default="0")  # RPC retention
    retention_window: Mapped[int] = mapped_column(Integer, server_default="0")
    event_count: Mapped[int] = mapped_column(Integer, server_default="0")
    unknown_count: Mapped[int] = mapped_column(Integer, server_default="0")
    updated_at: Mapped[int] = mapped_column(Integer, server_default="0")


class Gap(Base):
    """A stretch of ledgers whose events the index never saw (the RPC no longer had them)."""

    __tablename__ = "gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_ref: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    from_ledger: Mapped[int] = mapped_column(Integer)
    to_ledger: Mapped[int] = mapped_column(Integer)  # inclusive
    detected_at: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String)
    # Ledger at which stream state was rebuilt from on-chain storage; None = not rebuilt yet.
    rebuilt_at_ledger: Mapped[int | None] = mapped_column(Integer)
