"""The indexer's CLI commands as library functions (``flowfi_desktop/cli`` wires them).

- ``sync(target, follow=...)``: ``flowfi-desktop sync [--follow]``
- ``stream_list(...)``: ``stream list [--account NAME | --all] [--role ...] [--json]``
- ``stream_show(...)``: ``stream show ID [--json]``
- ``export_csv(...)``: ``export csv --out FILE [--account NAME]``
- ``verify(target)``: compare every indexed stream with chain storage

Rows follow the JSON shapes of shared/specs/cli.md: amounts are decimal strings of base units,
times Unix seconds, ``claimable`` computed at the current time from the indexed state.
Errors: ``InputError`` (exit 1) for an unknown stream, ``NetworkError`` (exit 3) when the RPC
fails, ``RefusedError`` (exit 1) when the RPC serves another network.
"""

from __future__ import annotations

import asyncio
import csv
import gc
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowfi_desktop.app.queries import IndexReader, StreamQuery, token_rows
from flowfi_desktop.errors import InputError
from flowfi_desktop.indexer.notify import Listener, Notifier
from flowfi_desktop.indexer.state import StreamState
from flowfi_desktop.store.damage import DamagedIndexError, damage_reason
from flowfi_desktop.store.revision import HEAD_REVISION, recorded_revision
from flowfi_desktop.store.rows import StreamRow

if TYPE_CHECKING:
    # sync and verify need the RPC client and stellar-sdk (~0.3 s of imports each), and the
    # store's SQLAlchemy engine (~0.2 s); the index's reads (stream list/show, export) need
    # none of them: plain sqlite3. Each is imported where it runs.
    from flowfi_desktop.indexer.rpc_port import RpcCaller
    from flowfi_desktop.indexer.sync import Indexer, SyncConfig, SyncReport
    from flowfi_desktop.indexer.verify import VerifyReport
    from flowfi_desktop.store.db import Store

INDEX_FILE = "index.sqlite3"
PAGE_LIMIT_ENV = "FLOWFI_SYNC_PAGE_LIMIT"  # getEvents page size of `sync` (default 10,000)


def index_path(data_dir: Path) -> Path:
    """Where the index lives inside the data dir."""
    return Path(data_dir) / INDEX_FILE


@dataclass(frozen=True)
class IndexTarget:
    """What to index: the CLI fills it from --data-dir, --network and the network's settings."""

    db_path: Path
    network: str
    passphrase: str
    rpc_url: str
    contract_id: str
    start_ledger: int | None = None  # the deploy ledger, when known


def freeze_startup_objects() -> None:
    """For a process about to run a long sync (the CLI's ``sync`` and ``verify``): imports the
    sync stack, then takes every object alive now out of the cyclic GC's sight (``gc.freeze``).
    A catch-up allocates enough to trigger full collections, and each one rescanned every
    module, class and function start-up made: 30-35 ms with the loop held, the longest hold of
    a CLI catch-up. Those objects live as long as the process anyway. (The GUI does the same
    once its window is built, in ``ui.app.build_window``.)"""
    from flowfi_desktop.indexer import chain_state, rpc_port, sync, token_meta, verify  # noqa: F401

    gc.freeze()


def _open(target: IndexTarget) -> tuple[Store, int]:
    from flowfi_desktop.indexer.writer import ensure_contract
    from flowfi_desktop.store.db import open_store

    store = open_store(target.db_path)
    ref = ensure_contract(
        store,
        target.network,
        target.passphrase,
        target.contract_id,
        rpc_url=target.rpc_url,
        start_ledger=target.start_ledger,
    )
    return store, ref


async def sync(
    target: IndexTarget,
    *,
    follow: bool = False,
    stop: asyncio.Event | None = None,
    on_notification: Listener | None = None,
    rpc: RpcCaller | None = None,
    config: SyncConfig | None = None,
    indexer_ready: Callable[[Indexer], None] | None = None,
) -> SyncReport | None:
    """Indexes up to the latest ledger (``follow``: keeps following until ``stop``).

    Uses getHealth, getNetwork and getEvents; only after a gap (history older than the RPC
    keeps) does it read stream entries with getLedgerEntries. ``indexer_ready`` receives the
    running ``Indexer`` (e.g. to call ``nudge()`` after sending a transaction)."""
    from flowfi_desktop.indexer.chain_state import ChainStateReader
    from flowfi_desktop.indexer.rpc_port import indexer_rpc
    from flowfi_desktop.indexer.sync import Indexer, SyncConfig
    from flowfi_desktop.indexer.token_meta import SorobanTokenReader

    # Off the loop: opening runs the migrations (~100 ms on a new file).
    store, ref = await asyncio.to_thread(_open, target)
    if config is None and os.environ.get(PAGE_LIMIT_ENV):
        # A knob for tests (many commit points in a small history) and diagnostics.
        config = SyncConfig(page_limit=max(1, min(int(os.environ[PAGE_LIMIT_ENV]), 10_000)))
    client = None
    if rpc is None:
        # Also off the loop: the first client imports the HTTP stack and loads the CA bundle
        # (~75 ms with the GIL held).
        rpc = client = await asyncio.to_thread(indexer_rpc, target.rpc_url)
    notifier = Notifier()
    if on_notification is not None:
        notifier.subscribe(on_notification)
    tokens = SorobanTokenReader(target.network, target.rpc_url, target.passphrase)
    indexer = Indexer(
        store,
        ref,
        rpc,
        passphrase=target.passphrase,
        notifier=notifier,
        config=config,
        chain_reader=ChainStateReader(rpc, target.contract_id),
        token_reader=tokens,
    )
    if indexer_ready is not None:
        indexer_ready(indexer)
    try:
        if follow:
            await indexer.follow(stop)
            return None
        return await indexer.sync_once()
    finally:
        await indexer.aclose()
        await tokens.close()
        if client is not None:
            await client.close()
        # Closing the last connection checkpoints the WAL (tens of ms after a catch-up).
        await asyncio.to_thread(store.close)


async def verify(target: IndexTarget, *, rpc: RpcCaller | None = None) -> VerifyReport:
    """Syncs, then compares every indexed stream with its on-chain state."""
    from flowfi_desktop.indexer.chain_state import ChainStateReader
    from flowfi_desktop.indexer.rpc_port import indexer_rpc
    from flowfi_desktop.indexer.sync import Indexer
    from flowfi_desktop.indexer.verify import verify_streams

    # Off the loop: opening runs the migrations (~100 ms on a new file).
    store, ref = await asyncio.to_thread(_open, target)
    client = None
    if rpc is None:
        rpc = client = indexer_rpc(target.rpc_url)
    reader = ChainStateReader(rpc, target.contract_id)
    indexer = Indexer(store, ref, rpc, passphrase=target.passphrase, chain_reader=reader)
    try:
        return await verify_streams(store, ref, reader, indexer)
    finally:
        await indexer.aclose()
        if client is not None:
            await client.close()
        # Closing the last connection checkpoints the WAL (tens of ms after a catch-up).
        await asyncio.to_thread(store.close)


# ---------------------------------------------------------------------- reads


@contextmanager
def _reading(db_path: Path) -> Iterator[IndexReader | None]:
    """The GUI's plain-``sqlite3`` reader on the index (None: there is no index yet). An index
    at an older schema is migrated first (``open_store``), as every open does; a damaged file
    is a ``DamagedIndexError`` (what to do), not a crash."""
    path = Path(db_path)
    if not path.exists():
        yield None
        return
    reader = IndexReader(path)
    try:
        if recorded_revision(reader.connection) != HEAD_REVISION:
            from flowfi_desktop.store.db import open_store

            open_store(path).close()
        yield reader
    except sqlite3.DatabaseError as error:
        reason = damage_reason(error)
        if reason is None:
            raise
        raise DamagedIndexError(path, reason) from None
    finally:
        reader.close()


def _streams(
    reader: IndexReader, ref: int, accounts: list[str] | None, role: str | None = None
) -> list[StreamRow]:
    """The streams ``accounts`` (None: every stream) take part in as ``role``, by id."""
    if accounts is not None and not accounts:
        return []
    query = StreamQuery(addresses=tuple(accounts or ()), role=role or "all", descending=False)
    return reader.page(ref, query, 0, -1)  # LIMIT -1: all of them


def _state(row: StreamRow) -> StreamState:
    return StreamState(
        stream_id=row.stream_id,
        sender=row.sender,
        recipient=row.recipient,
        token_address=row.token_address,
        rate_per_second=row.rate_per_second,
        deposited_amount=row.deposited_amount,
        withdrawn_amount=row.withdrawn_amount,
        start_time=row.start_time,
        last_update_time=row.last_update_time,
        is_active=row.is_active,
        paused=row.paused,
        paused_at=row.paused_at,
        status=row.status,
    )


def stream_json(row: StreamRow, now: int) -> dict[str, Any]:
    """One stream in the CLI's JSON shape (``stream show`` / items of ``stream list``)."""
    state = _state(row)
    return {
        "id": row.stream_id,
        "sender": row.sender,
        "recipient": row.recipient,
        "token": row.token_address,
        "rate_per_second": str(row.rate_per_second),
        "deposited": str(row.deposited_amount),
        "withdrawn": str(row.withdrawn_amount),
        "start_time": row.start_time,
        "last_update_time": row.last_update_time,
        "status": row.status,
        "claimable": str(state.claimable(now)),
        "end_time": state.end_time(now),
    }


def stream_list(
    db_path: Path,
    network: str,
    contract_id: str,
    *,
    accounts: list[str] | None = None,
    role: str | None = None,
    now: int | None = None,
) -> list[dict[str, Any]]:
    """Streams where one of ``accounts`` is sender or recipient (``None``: every stream,
    ``--all``); ``role``: ``incoming`` (accounts receive) or ``outgoing`` (accounts send)."""
    if role not in (None, "incoming", "outgoing"):
        raise InputError(f"--role must be incoming or outgoing, not {role!r}")
    if accounts is None and role is not None:
        raise InputError("--role needs accounts (--account NAME or the wallet's accounts)")
    now = int(time.time()) if now is None else now
    with _reading(db_path) as reader:
        ref = reader.contract_ref(network, contract_id) if reader is not None else None
        if reader is None or ref is None:
            return []
        return [stream_json(row, now) for row in _streams(reader, ref, accounts, role)]


def token_labels(db_path: Path, network: str) -> dict[str, tuple[str | None, int]]:
    """Symbol and decimals of the tokens the index knows (for text output; JSON stays in
    base units)."""
    with _reading(db_path) as reader:
        if reader is None:
            return {}
        return {
            a: (symbol, decimals) for a, symbol, decimals in token_rows(reader.connection, network)
        }


def stream_show(
    db_path: Path, network: str, contract_id: str, stream_id: int, *, now: int | None = None
) -> dict[str, Any]:
    now = int(time.time()) if now is None else now
    with _reading(db_path) as reader:
        ref = reader.contract_ref(network, contract_id) if reader is not None else None
        row = reader.stream(ref, stream_id) if reader is not None and ref is not None else None
        if row is None:
            raise InputError(
                f"stream {stream_id} is not in the index of {network}; run `sync` first "
                "or check the id"
            )
        return stream_json(row, now)


CSV_COLUMNS = (
    "event_id",
    "ledger",
    "time",
    "time_utc",
    "tx_hash",
    "type",
    "stream_id",
    "sender",
    "recipient",
    "token",
    "amount",
    "fields",
)
# The main amount of each event type (base units).
_AMOUNT_FIELD = {
    "stream_created": "deposited_amount",
    "stream_topped_up": "amount",
    "tokens_withdrawn": "amount",
    "stream_cancelled": "refunded_amount",
    "stream_completed": "total_withdrawn",
    "fee_collected": "fee_amount",
}


def export_csv(
    db_path: Path,
    network: str,
    contract_id: str,
    out: Path,
    *,
    accounts: list[str] | None = None,
) -> int:
    """Writes the events of the streams involving ``accounts`` (``None``: all) to ``out`` as
    CSV, oldest first; returns the number of rows. Amounts are integers of base units."""
    with _reading(db_path) as reader:
        ref = reader.contract_ref(network, contract_id) if reader is not None else None
        streams: dict[int, StreamRow] = {}
        events: Iterator[tuple[Any, ...]] = iter(())
        if reader is not None and ref is not None:
            streams = {row.stream_id: row for row in _streams(reader, ref, accounts)}
            events = reader.connection.execute(
                "SELECT id, ledger, close_time, tx_hash, type, stream_id, fields "
                "FROM stream_events WHERE contract_ref = ? ORDER BY id",
                (ref,),
            )
        count = 0
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for event_id, ledger, close_time, tx_hash, kind, stream_id, fields_text in events:
                stream = streams.get(stream_id) if stream_id is not None else None
                if accounts is not None and stream is None:
                    continue
                fields = json.loads(fields_text) if fields_text else {}
                amount_field = _AMOUNT_FIELD.get(kind)
                writer.writerow(
                    (
                        event_id,
                        ledger,
                        close_time,
                        datetime.fromtimestamp(close_time, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        tx_hash,
                        kind,
                        "" if stream_id is None else stream_id,
                        stream.sender if stream else fields.get("sender", ""),
                        stream.recipient if stream else fields.get("recipient", ""),
                        stream.token_address if stream else fields.get("token", ""),
                        fields.get(amount_field, "") if amount_field else "",
                        fields_text or "",
                    )
                )
                count += 1
        return count
