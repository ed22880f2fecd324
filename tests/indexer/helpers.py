"""Shared helpers: a synthetic history served by a real local HTTP JSON-RPC server, an index
on disk, and exact comparisons with the contract model's state."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from flowfi_desktop.chain.rpc import RpcClient
from flowfi_desktop.indexer.chain_state import ChainStateReader
from flowfi_desktop.indexer.notify import Notification, Notifier, SyncStatus
from flowfi_desktop.indexer.rpc_port import indexer_rpc
from flowfi_desktop.indexer.rpc_server import STANDALONE, LocalRpc
from flowfi_desktop.indexer.state import StreamState
from flowfi_desktop.indexer.sync import Indexer, SyncConfig
from flowfi_desktop.indexer.synthetic import SyntheticHistory
from flowfi_desktop.indexer.writer import IndexWriter, ensure_contract
from flowfi_desktop.store import Store, open_store

FAST = SyncConfig(retry_initial=0.01, retry_max=0.05, attempts=8)


@dataclass
class Rig:
    store: Store
    contract_ref: int
    rpc: RpcClient
    indexer: Indexer
    seen: list[Notification]

    def statuses(self) -> list[SyncStatus]:
        return [n for n in self.seen if isinstance(n, SyncStatus)]

    async def close(self) -> None:
        self.indexer.close()
        await self.rpc.close()
        self.store.close()


def make_rig(
    tmp_path: Path,
    server: LocalRpc,
    config: SyncConfig = FAST,
    *,
    timeout: float = 10.0,
    chain_reader: bool = True,
    start_ledger: int | None = -1,
) -> Rig:
    store = open_store(tmp_path / "index.db")
    history = server.history
    ref = ensure_contract(
        store,
        "local",
        STANDALONE,
        history.contract_id,
        start_ledger=history.first_ledger if start_ledger == -1 else start_ledger,
    )
    rpc = indexer_rpc(server.url, timeout=timeout)
    notifier = Notifier()
    seen: list[Notification] = []
    notifier.subscribe(seen.append)
    indexer = Indexer(
        store,
        ref,
        rpc,
        passphrase=STANDALONE,
        notifier=notifier,
        config=config,
        chain_reader=ChainStateReader(rpc, history.contract_id) if chain_reader else None,
    )
    return Rig(store, ref, rpc, indexer, seen)


def indexed_streams(store: Store, ref: int) -> dict[int, StreamState]:
    writer = IndexWriter(store, ref)
    try:
        return writer.load_streams()
    finally:
        writer.close()


def stream_mismatches(
    got: dict[int, StreamState], expected: dict[int, StreamState], *, derived: bool = True
) -> list[str]:
    problems = []
    for sid in sorted(set(got) | set(expected)):
        g, e = got.get(sid), expected.get(sid)
        if g is None or e is None:
            problems.append(f"stream {sid}: indexed={g is not None} expected={e is not None}")
            continue
        if g.chain_fields() != e.chain_fields():
            problems.append(f"stream {sid}: {g.chain_fields()} != {e.chain_fields()}")
        if derived and (g.fees_paid, g.refunded_amount) != (e.fees_paid, e.refunded_amount):
            problems.append(f"stream {sid}: fees/refund {g.fees_paid, g.refunded_amount}")
    return problems


def indexed_ids(store: Store) -> list[str]:
    with sqlite3.connect(store.path) as connection:
        return [r[0] for r in connection.execute("SELECT id FROM stream_events ORDER BY id")]


def assert_exact(rig: Rig, history: SyntheticHistory, up_to_ledger: int | None = None) -> None:
    """No event missing or duplicated, and every stream equals the model's."""
    ids = indexed_ids(rig.store)
    wanted = [
        e["id"] for e in history.events if up_to_ledger is None or e["ledger"] <= up_to_ledger
    ]
    assert ids == wanted
    expected = history.model.streams if up_to_ledger is None else history.snapshots[up_to_ledger]
    assert stream_mismatches(indexed_streams(rig.store, rig.contract_ref), expected) == []
