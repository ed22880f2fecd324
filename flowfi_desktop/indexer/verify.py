"""Verification: every indexed stream against its on-chain state.

The index is a cache of the chain, so it must agree with contract storage at the ledger it has
reached. ``verify_streams`` first brings the index up to the RPC's latest ledger (when given an
``Indexer``), then reads every ``DataKey::Stream(id)`` entry and compares field by field. If
the chain moved on between the two (new ledgers closed), it syncs and reads again (a few
times) so both sides describe the same ledger.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from flowfi_desktop.indexer.chain_state import ChainStateReader, ChainStreams
from flowfi_desktop.indexer.sync import Indexer
from flowfi_desktop.indexer.writer import IndexWriter
from flowfi_desktop.store.db import Store


@dataclass(frozen=True)
class StreamDifference:
    stream_id: int
    field: str
    indexed: Any
    on_chain: Any


@dataclass
class VerifyReport:
    checked: int = 0
    differences: list[StreamDifference] = field(default_factory=list)
    missing_in_index: list[int] = field(default_factory=list)
    missing_on_chain: list[int] = field(default_factory=list)  # archived or never created
    index_ledger: int = 0
    chain_ledger: int = 0
    same_ledger: bool = True

    @property
    def ok(self) -> bool:
        return not (self.differences or self.missing_in_index)

    def summary(self) -> str:
        if self.ok:
            return f"all {self.checked} streams match the chain at ledger {self.chain_ledger}"
        return (
            f"{len(self.differences)} differing fields, {len(self.missing_in_index)} streams "
            f"missing from the index (of {self.checked} checked at ledger {self.chain_ledger})"
        )


async def verify_streams(
    store: Store,
    contract_ref: int,
    reader: ChainStateReader,
    indexer: Indexer | None = None,
    rounds: int = 3,
) -> VerifyReport:
    # Its own connection, used on one worker thread (reading every stream would hold the loop).
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-verify")
    loop = asyncio.get_running_loop()
    writer = await loop.run_in_executor(pool, IndexWriter, store, contract_ref)
    try:
        chain: ChainStreams | None = None
        index_ledger = 0
        for _ in range(rounds):
            if indexer is not None:
                await indexer.sync_once()
            chain = await reader.read_all()
            index_ledger = (await loop.run_in_executor(pool, writer.status)).last_ledger
            if index_ledger >= chain.latest_ledger:
                break
        assert chain is not None
        indexed = await loop.run_in_executor(pool, writer.load_streams)
    finally:
        await loop.run_in_executor(pool, writer.close)
        pool.shutdown(wait=False)
    report = VerifyReport(
        index_ledger=index_ledger,
        chain_ledger=chain.latest_ledger,
        same_ledger=index_ledger >= chain.latest_ledger,
    )
    for sid in sorted(set(indexed) | set(chain.streams)):
        ours, theirs = indexed.get(sid), chain.streams.get(sid)
        report.checked += 1
        if ours is None:
            report.missing_in_index.append(sid)
            continue
        if theirs is None:
            report.missing_on_chain.append(sid)
            continue
        on_chain = theirs.chain_fields()
        for name, value in ours.chain_fields().items():
            if on_chain[name] != value:
                report.differences.append(StreamDifference(sid, name, value, on_chain[name]))
    return report
