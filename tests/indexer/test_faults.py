"""Faults of the RPC, served for real over HTTP by the local server: each is survived, the
status says what is happening, and the index stays exact."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from flowfi_desktop.errors import NetworkError, RefusedError
from flowfi_desktop.indexer.chain_state import ChainStateReader
from flowfi_desktop.indexer.notify import EventsAdded, SyncProgress
from flowfi_desktop.indexer.rpc_server import Fault, LocalRpc
from flowfi_desktop.indexer.synthetic import SyntheticHistory, generate_history
from flowfi_desktop.indexer.verify import verify_streams
from flowfi_desktop.indexer.writer import IndexWriter, ensure_contract
from flowfi_desktop.store import open_store
from tests.indexer.helpers import FAST, Rig, assert_exact, indexed_ids, make_rig, stream_mismatches

SPLIT = 700


@pytest.fixture(scope="module")
def history() -> SyntheticHistory:
    return generate_history(2_000, seed=21, snapshot_ledgers=(SPLIT,))


@pytest.fixture
def server(history: SyntheticHistory) -> Iterator[LocalRpc]:
    with LocalRpc(history) as rpc:
        yield rpc


def first_calls(method: str, count: int, fault: Fault) -> Any:
    """A fault hook: ``fault`` for the first ``count`` calls of ``method``."""
    seen = {"n": 0}

    def hook(name: str, params: dict[str, Any], number: int) -> Fault | None:
        if name != method:
            return None
        seen["n"] += 1
        return fault if seen["n"] <= count else None

    return hook


def sync(rig: Rig) -> None:
    async def run() -> None:
        try:
            await rig.indexer.sync_once()
        finally:
            await rig.close()

    asyncio.run(run())


def states(rig: Rig) -> list[str]:
    return [s.state for s in rig.statuses()]


@pytest.mark.parametrize(
    ("method", "fault", "words"),
    [
        ("getEvents", Fault(status=503, body=b"busy"), "HTTP 503"),
        ("getEvents", Fault(status=500, body=b"{}"), "HTTP 500"),
        ("getHealth", Fault(status=502, body=b""), "HTTP 502"),
        ("getEvents", Fault(status=200, body=b'{"jsonrpc":"2.0","result":{"ev'), "not JSON"),
        (
            "getEvents",
            Fault(status=200, body=b'{"jsonrpc":"2.0","result":{}}'),
            "no event list",
        ),
        ("getEvents", Fault(status=200, body=b"[1, 2]"), "not a JSON-RPC object"),
        (
            "getEvents",
            Fault(
                status=200,
                body=b'{"jsonrpc":"2.0","result":{"cursor":"0000000004294967296-0000000000",'
                b'"latestLedger":5,"events":[{"id":5}]}}',
            ),
            "malformed answer (Expected `str`, got `int` - at `$.events[0].id`)",
        ),
        ("getEvents", Fault(delay=0.6, passthrough=True), "did not answer"),
        (
            "getEvents",
            Fault(status=200, body=b'{"jsonrpc":"2.0","error":{"code":-32603,"message":"db"}}'),
            "-32603",
        ),
    ],
)
def test_transient_faults_are_retried_and_reported(
    tmp_path: Path,
    server: LocalRpc,
    history: SyntheticHistory,
    method: str,
    fault: Fault,
    words: str,
) -> None:
    server.fault = first_calls(method, 3, fault)
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=300), timeout=0.3)
    sync(rig)
    retrying = [s.message for s in rig.statuses() if s.state == "retrying"]
    assert len(retrying) == 3
    assert words in retrying[0]
    assert states(rig)[-1] == "caught_up"
    assert_exact(rig, history)


def test_a_one_shot_sync_gives_up_with_a_network_error(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    server.fault = first_calls("getEvents", 10**9, Fault(status=500, body=b""))
    rig = make_rig(tmp_path, server, replace(FAST, attempts=3))
    with pytest.raises(NetworkError) as caught:
        sync(rig)
    assert caught.value.exit_code == 3
    assert states(rig)[-1] == "failed"
    assert "gave up after 3 attempts" in rig.statuses()[-1].message
    assert indexed_ids(rig.store) == []


def test_pages_that_landed_before_a_failure_are_announced(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    """The RPC fails for good after a few pages, while the last page before it is still being
    written (the next page is planned during that write): that page lands, and the GUI is told
    about it like every other page, before the failure is raised."""
    calls = {"n": 0}

    def hook(name: str, params: dict[str, Any], number: int) -> Fault | None:
        if name != "getEvents":
            return None
        calls["n"] += 1
        return Fault(status=500, body=b"") if calls["n"] > 3 else None

    server.fault = hook
    rig = make_rig(tmp_path, server, replace(FAST, attempts=2, page_limit=300))
    with pytest.raises(NetworkError):
        sync(rig)
    stored = indexed_ids(rig.store)
    announced = [n for n in rig.seen if isinstance(n, EventsAdded)]
    assert len(stored) == 900  # three pages landed
    assert sum(n.count for n in announced) == len(stored)
    assert announced[-1].last_event_id == stored[-1]
    progress = [n for n in rig.seen if isinstance(n, SyncProgress)]
    assert progress[-1].events_indexed == len(stored)


def _page_with(server: LocalRpc, params: dict[str, Any], change: Any) -> Fault:
    text, error = server._events(params)
    assert text is not None, error
    result = json.loads(text)
    change(result)
    return Fault(200, json.dumps({"jsonrpc": "2.0", "result": result}).encode())


def test_invalid_xdr_is_not_written_and_asked_again(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    count = {"n": 0}

    def corrupt(result: dict[str, Any]) -> None:
        result["events"][5]["value"] = "AAAAEQAAAAEAAAAC////"  # a map cut short

    def hook(name: str, params: dict[str, Any], number: int) -> Fault | None:
        if name == "getEvents" and count["n"] < 2:
            count["n"] += 1
            return _page_with(server, params, corrupt)
        return None

    server.fault = hook
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=400))
    sync(rig)
    assert any("invalid XDR" in s.message for s in rig.statuses() if s.state == "retrying")
    assert_exact(rig, history)
    writer = IndexWriter(rig.store, rig.contract_ref)
    assert writer.status().unknown_count == 0
    writer.close()


def test_xdr_that_stays_invalid_is_kept_raw_and_counted(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    bad_id = history.events[10]["id"]

    def corrupt(result: dict[str, Any]) -> None:
        for event in result["events"]:
            if event["id"] == bad_id:
                event["value"] = "not base64 at all!"

    def hook(name: str, params: dict[str, Any], number: int) -> Fault | None:
        return _page_with(server, params, corrupt) if name == "getEvents" else None

    server.fault = hook
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=400))
    sync(rig)
    assert indexed_ids(rig.store) == [e["id"] for e in history.events]  # nothing lost
    with sqlite3.connect(rig.store.path) as connection:
        row = connection.execute(
            "SELECT type, value_xdr, fields FROM stream_events WHERE id = ?", (bad_id,)
        ).fetchone()
        unknown = connection.execute("SELECT unknown_count FROM indexer_state").fetchone()[0]
    assert row == ("unknown", "not base64 at all!", None)
    assert unknown == 1
    assert "1 events of unknown shape" in rig.statuses()[-1].message


def test_an_empty_page_that_makes_no_progress_is_followed_by_the_rest(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    def hook(name: str, params: dict[str, Any], number: int) -> Fault | None:
        if name != "getEvents" or number > 4:
            return None

        def empty(result: dict[str, Any]) -> None:
            result["events"] = []
            result["cursor"] = params["pagination"]["cursor"]

        return _page_with(server, params, empty)

    server.fault = hook
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=500))
    sync(rig)
    assert_exact(rig, history)


def test_a_page_out_of_order_is_refused(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    def swap(result: dict[str, Any]) -> None:
        result["events"][3], result["events"][4] = result["events"][4], result["events"][3]

    calls = {"n": 0}

    def hook(name: str, params: dict[str, Any], number: int) -> Fault | None:
        if name == "getEvents" and calls["n"] == 0:
            calls["n"] += 1
            return _page_with(server, params, swap)
        return None

    server.fault = hook
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=500))
    sync(rig)
    assert any("out of order" in s.message for s in rig.statuses())
    assert_exact(rig, history)


def test_latest_ledger_going_backwards_is_waited_for(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=300))

    async def run() -> None:
        await rig.indexer.sync_once()
        server.latest = SPLIT  # e.g. a load balancer now answering from a node far behind
        report = await rig.indexer.sync_once()
        assert report.status.state == "waiting"
        assert f"at ledger {SPLIT}, behind the index" in report.status.message
        server.latest = history.last_ledger
        report = await rig.indexer.sync_once()
        assert report.status.state == "caught_up"
        await rig.close()

    asyncio.run(run())
    assert_exact(rig, history)


def test_latest_ledger_going_backwards_in_the_middle_of_a_sync(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    def hook(name: str, params: dict[str, Any], number: int) -> Fault | None:
        if name == "getEvents" and number == 4:
            server.latest = history.first_ledger  # the RPC "forgets" ledgers under our cursor
        return None

    server.fault = hook
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=200))

    async def run() -> None:
        report = await rig.indexer.sync_once()
        assert report.status.state == "waiting"
        server.latest = history.last_ledger
        await rig.indexer.sync_once()
        await rig.close()

    asyncio.run(run())
    assert_exact(rig, history)


async def _sync_to_split_then_lose_history(rig: Rig, server: LocalRpc) -> None:
    server.latest = SPLIT
    await rig.indexer.sync_once()
    server.latest = server.history.last_ledger
    server.oldest = SPLIT + 400  # the app was closed for longer than the retention window


def test_a_cursor_older_than_retention_is_a_gap_rebuilt_from_chain(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=300), chain_reader=True)

    async def run() -> None:
        await _sync_to_split_then_lose_history(rig, server)
        report = await rig.indexer.sync_once()
        assert report.gaps == [(SPLIT + 1, SPLIT + 399)]
        verified = await verify_streams(
            rig.store, rig.contract_ref, ChainStateReader(rig.rpc, history.contract_id)
        )
        assert verified.ok, verified.summary()
        assert verified.checked == len(history.model.streams)
        await rig.close()

    asyncio.run(run())
    gap_states = [s for s in rig.statuses() if s.state == "gap"]
    assert gap_states
    assert f"ledgers {SPLIT + 1}-{SPLIT + 399}" in gap_states[0].message
    writer = IndexWriter(rig.store, rig.contract_ref)
    assert writer.gaps() == [
        (SPLIT + 1, SPLIT + 399, "the RPC no longer has these ledgers", history.last_ledger)
    ]
    got = writer.load_streams()
    writer.close()
    # Stream state equals the chain's; history says what is missing instead of pretending.
    assert stream_mismatches(got, history.model.streams, derived=False) == []
    ids = indexed_ids(rig.store)
    assert ids == [e["id"] for e in history.events if not SPLIT < e["ledger"] < SPLIT + 400]


def test_without_chain_access_a_gap_is_marked_and_verification_finds_the_damage(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=300), chain_reader=False)

    async def run() -> None:
        await _sync_to_split_then_lose_history(rig, server)
        report = await rig.indexer.sync_once()
        assert report.gaps == [(SPLIT + 1, SPLIT + 399)]
        verified = await verify_streams(
            rig.store, rig.contract_ref, ChainStateReader(rig.rpc, history.contract_id)
        )
        assert not verified.ok
        assert verified.differences or verified.missing_in_index
        await rig.close()

    asyncio.run(run())
    assert "marking it missing" in next(s.message for s in rig.statuses() if s.state == "gap")
    assert "whose history is missing" in rig.statuses()[-1].message
    writer = IndexWriter(rig.store, rig.contract_ref)
    assert writer.gaps()[0][3] is None  # not rebuilt
    writer.close()


def test_retention_passing_the_cursor_during_a_sync(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    def hook(name: str, params: dict[str, Any], number: int) -> Fault | None:
        if name == "getEvents" and number == 5:
            server.oldest = SPLIT + 400  # getEvents now answers -32600 for our cursor
        return None

    server.fault = hook
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=100))
    sync(rig)
    writer = IndexWriter(rig.store, rig.contract_ref)
    gaps = writer.gaps()
    got = writer.load_streams()
    writer.close()
    assert len(gaps) == 1
    assert gaps[0][1] == SPLIT + 399
    assert stream_mismatches(got, history.model.streams, derived=False) == []


def test_follow_mode_rides_out_an_outage(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    server.fault = first_calls("getEvents", 6, Fault(status=503, body=b""))
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=400, poll_interval=0.05))

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(rig.indexer.follow(stop))
        for _ in range(300):
            await asyncio.sleep(0.02)
            if len(indexed_ids(rig.store)) == len(history.events):
                break
        stop.set()
        await asyncio.wait_for(task, 5)
        await rig.close()

    asyncio.run(run())
    assert "retrying" in states(rig)
    assert "caught_up" in states(rig)
    assert_exact(rig, history)


def test_the_same_network_name_with_another_passphrase_is_refused(
    tmp_path: Path, server: LocalRpc
) -> None:
    store = open_store(tmp_path / "index.db")
    ensure_contract(store, "local", "one passphrase", server.history.contract_id)
    with pytest.raises(RefusedError, match="another passphrase"):
        ensure_contract(store, "local", "another passphrase", server.history.contract_id)
    store.close()
