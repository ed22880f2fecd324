"""The sync loop against a real local HTTP JSON-RPC server and a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from flowfi_desktop.errors import RefusedError
from flowfi_desktop.indexer.notify import EventsAdded, StreamsChanged, SyncProgress
from flowfi_desktop.indexer.page import RawEvent, parse_close_time
from flowfi_desktop.indexer.rpc_server import LocalRpc
from flowfi_desktop.indexer.state import PAUSED, StreamApplier, StreamState
from flowfi_desktop.indexer.synthetic import SyntheticHistory, generate_history
from flowfi_desktop.indexer.writer import IndexWriter
from tests.indexer.helpers import FAST, assert_exact, indexed_ids, indexed_streams, make_rig

SNAPSHOTS = (400, 900, 1500)


@pytest.fixture(scope="module")
def history() -> SyntheticHistory:
    return generate_history(3_000, seed=7, snapshot_ledgers=SNAPSHOTS)


@pytest.fixture
def server(history: SyntheticHistory) -> Iterator[LocalRpc]:
    with LocalRpc(history) as rpc:
        yield rpc


def test_history_exercises_every_event_type_and_the_dry_top_up(history: SyntheticHistory) -> None:
    # Guards the other tests against a history too tame to catch anything.
    from flowfi_desktop.indexer.decode import EVENT_SHAPES, decode_event

    names = [decode_event(e["topic"], e["value"]).name for e in history.events]
    assert set(names) >= set(EVENT_SHAPES) - {"admin_transferred"}
    dry = [
        i
        for i in range(len(names) - 1)
        if names[i] == "tokens_withdrawn"
        and names[i + 1] == "stream_topped_up"
        and history.events[i]["txHash"] == history.events[i + 1]["txHash"]
    ]
    assert len(dry) >= 5


def test_sync_indexes_every_event_once_and_every_stream_exactly(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=500))

    async def run() -> None:
        report = await rig.indexer.sync_once()
        assert report.events == len(history.events)
        assert report.pages >= len(history.events) // 500
        assert report.status.state == "caught_up"
        again = await rig.indexer.sync_once()
        assert again.events == 0
        await rig.close()

    asyncio.run(run())
    assert_exact(rig, history)


@pytest.mark.parametrize("limit", [1, 2, 3, 10_000])
def test_page_size_does_not_matter(tmp_path: Path, history: SyntheticHistory, limit: int) -> None:
    small = generate_history(300, seed=11)
    with LocalRpc(small) as server:
        rig = make_rig(tmp_path, server, replace(FAST, page_limit=limit))

        async def run() -> None:
            await rig.indexer.sync_once()
            await rig.close()

        asyncio.run(run())
        assert_exact(rig, small)


def test_a_growing_chain_is_followed_exactly_at_every_step(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=97))

    async def run() -> None:
        for ledger in SNAPSHOTS:
            server.latest = ledger
            await rig.indexer.sync_once()
            assert_exact(rig, history, up_to_ledger=ledger)
        server.latest = history.last_ledger
        await rig.indexer.sync_once()
        await rig.close()

    asyncio.run(run())
    assert_exact(rig, history)


def test_replaying_a_page_changes_nothing(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    rig = make_rig(tmp_path, server)

    async def run() -> None:
        await rig.indexer.sync_once()
        await rig.close()

    asyncio.run(run())
    before_streams = indexed_streams(rig.store, rig.contract_ref)
    writer = IndexWriter(rig.store, rig.contract_ref)
    status = writer.status()
    page = [
        RawEvent(
            e["id"],
            e["ledger"],
            parse_close_time(e["ledgerClosedAt"]),
            e["txHash"],
            e["transactionIndex"],
            e["operationIndex"],
            e["topic"],
            ",".join(e["topic"]),
            e["value"],
        )
        for e in history.events[1000:1600]
    ]
    outcome = writer.commit_page(page, status.cursor or "", history.last_ledger, 1)
    assert (outcome.new_events, outcome.skipped) == (0, 600)
    assert writer.status() == status
    writer.close()
    assert indexed_streams(rig.store, rig.contract_ref) == before_streams
    assert_exact(rig, history)


def test_empty_scan_windows_are_paged_through(tmp_path: Path, history: SyntheticHistory) -> None:
    small = generate_history(200, seed=5)
    with LocalRpc(small) as server:
        server.latest = small.last_ledger + 35_000  # three and a half empty 10,000-ledger windows
        rig = make_rig(tmp_path, server)

        async def run() -> None:
            report = await rig.indexer.sync_once()
            assert report.ledger == server.latest
            await rig.close()

        asyncio.run(run())
        pages = [p for m, p in server.requests if m == "getEvents"]
        assert len(pages) >= 1 + 35_000 // 10_000
        assert_exact(rig, small)


def test_notifications(tmp_path: Path, server: LocalRpc, history: SyntheticHistory) -> None:
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=1000))

    async def run() -> None:
        queue = rig.indexer.notifier.queue()
        await rig.indexer.sync_once()
        drained = []
        while not queue.empty():
            drained.append(queue.get_nowait())
        assert drained == rig.seen
        await rig.close()

    asyncio.run(run())
    added = [n for n in rig.seen if isinstance(n, EventsAdded)]
    assert sum(n.count for n in added) == len(history.events)
    changed = set().union(*(n.stream_ids for n in rig.seen if isinstance(n, StreamsChanged)))
    assert changed == set(history.model.streams)
    progress = [n for n in rig.seen if isinstance(n, SyncProgress)]
    assert progress[-1].ledger == history.last_ledger
    assert [s.state for s in rig.statuses()][-1] == "caught_up"


def test_follow_polls_and_nudge_makes_it_quick(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    server.latest = SNAPSHOTS[0]
    rig = make_rig(tmp_path, server, replace(FAST, poll_interval=30.0, fast_poll_interval=0.05))

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(rig.indexer.follow(stop))
        for _ in range(200):
            await asyncio.sleep(0.02)
            if rig.indexer.status.state == "caught_up":
                break
        first_part = [e["id"] for e in history.events if e["ledger"] <= SNAPSHOTS[0]]
        assert indexed_ids(rig.store) == first_part
        server.latest = history.last_ledger
        rig.indexer.nudge()  # a transaction was just sent: do not wait 30 s
        for _ in range(200):  # 4 s at most, far less than the 30 s poll interval
            await asyncio.sleep(0.02)
            if len(indexed_ids(rig.store)) == len(history.events):
                break
        assert len(indexed_ids(rig.store)) == len(history.events)
        stop.set()
        await asyncio.wait_for(task, 5)
        await rig.close()

    asyncio.run(run())
    assert_exact(rig, history)
    assert rig.statuses()[-1].state == "stopped"


def test_a_wrong_network_is_refused(tmp_path: Path, server: LocalRpc) -> None:
    server.passphrase = "Test SDF Network ; September 2015"
    rig = make_rig(tmp_path, server)

    async def run() -> None:
        with pytest.raises(RefusedError, match="Test SDF Network"):
            await rig.indexer.sync_once()
        await rig.close()

    asyncio.run(run())
    assert indexed_ids(rig.store) == []


def test_dry_top_up_of_a_paused_stream_reanchors_at_the_pause() -> None:
    stream = StreamState(1, "S", "R", "T", 10, 100, 0, 0, 0)
    streams = {1: stream}
    applier = StreamApplier(streams, {})
    applier.apply("a", 1, 50, "stream_paused", {"stream_id": 1, "paused_at": 40})
    assert stream.status == PAUSED
    # Dry: all 100 accrued by t=10. The contract pays it out, re-anchors at paused_at.
    applier.apply("b", 2, 60, "tokens_withdrawn", {"stream_id": 1, "amount": 100, "timestamp": 60})
    applier.apply(
        "c", 2, 60, "stream_topped_up", {"stream_id": 1, "amount": 50, "new_deposited_amount": 150}
    )
    assert (stream.withdrawn_amount, stream.deposited_amount) == (100, 150)
    assert stream.last_update_time == 40
    assert stream.is_active
    assert stream.claimable(1_000) == 0  # still paused: nothing more accrues
    applier.apply("d", 3, 70, "stream_resumed", {"stream_id": 1})
    assert stream.last_update_time == 70
    assert stream.claimable(72) == 20
    assert applier.result.anomalies == []


def test_index_is_readable_while_syncing(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=50))
    counts: list[int] = []

    def on_change(_: object) -> None:
        with sqlite3.connect(rig.store.path, timeout=0.2) as reader:
            counts.append(reader.execute("SELECT count(*) FROM stream_events").fetchone()[0])

    rig.indexer.notifier.subscribe(on_change)

    async def run() -> None:
        await rig.indexer.sync_once()
        await rig.close()

    asyncio.run(run())
    assert counts == sorted(counts)
    assert counts[-1] == len(history.events)
    assert len(set(counts)) > 10


def test_a_sync_uses_only_the_four_read_methods(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=700))

    async def run() -> None:
        await rig.indexer.sync_once()
        await rig.indexer.sync_once()
        await rig.close()

    asyncio.run(run())
    used = {method for method, _ in server.requests}
    assert used <= {"getHealth", "getNetwork", "getLatestLedger", "getEvents"}
    assert "getEvents" in used
    for method, params in server.requests:
        if method == "getEvents":
            assert params["filters"] == [{"type": "contract", "contractIds": [history.contract_id]}]
            assert params["pagination"]["limit"] == 700
