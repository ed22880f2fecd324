"""The sync loop's threads: SQLite on the writer thread, notifications on the loop, the stream
cache replanned when another writer moved the cursor, the loop never held for a whole page."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from flowfi_desktop.indexer import page as page_module
from flowfi_desktop.indexer import sync
from flowfi_desktop.indexer.notify import Notification
from flowfi_desktop.indexer.page import RawEvent
from flowfi_desktop.indexer.plan import SLICE, PagePlanner
from flowfi_desktop.indexer.rpc_server import LocalRpc
from flowfi_desktop.indexer.synthetic import SyntheticHistory, generate_history
from flowfi_desktop.indexer.writer import IndexWriter
from tests.indexer.helpers import FAST, assert_exact, make_rig

SNAPSHOTS = (300, 700)


@pytest.fixture(scope="module")
def history() -> SyntheticHistory:
    return generate_history(12_000, seed=21, snapshot_ledgers=SNAPSHOTS)


@pytest.fixture
def server(history: SyntheticHistory) -> Iterator[LocalRpc]:
    with LocalRpc(history) as rpc:
        yield rpc


def test_notifications_come_on_the_loop_thread_and_sql_runs_on_the_writer_thread(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=1_000))
    loop_thread = threading.get_ident()
    threads: set[int] = set()
    sql_threads: set[int] = set()

    def listener(_: Notification) -> None:
        threads.add(threading.get_ident())

    rig.indexer.notifier.subscribe(listener)
    # Every statement on the writer connection reports the thread it ran on.
    rig.indexer._db.submit(  # type: ignore[union-attr]
        rig.indexer.writer.connection.set_trace_callback,
        lambda _sql: sql_threads.add(threading.get_ident()),
    ).result()

    async def run() -> None:
        report = await rig.indexer.sync_once()
        assert report.events == len(history.events)
        await rig.close()

    asyncio.run(run())
    assert threads == {loop_thread}
    assert len(sql_threads) == 1
    assert loop_thread not in sql_threads
    assert_exact(rig, history)


@pytest.mark.parametrize("reader", ["native", "python"])
def test_the_loop_is_never_held_for_a_whole_page(
    tmp_path: Path,
    server: LocalRpc,
    history: SyntheticHistory,
    monkeypatch: pytest.MonkeyPatch,
    reader: str,
) -> None:
    """10,000-event pages; between two turns of the loop the indexer works through at most one
    slice of events (checking, decoding, applying, building stream rows), never a whole page.
    Counted, not timed: the page steps report how many events they handle, and a task beside
    the sync takes every turn the loop gives it. With the native reader, the Python objects of
    its page are made a slice at a time; without it, the Python readers check and decode."""
    if reader == "python":
        monkeypatch.setattr(page_module, "flowfi_native", None)
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=10_000))
    handled = [0]
    native_events = [0]

    def counting_raw_event(*args: Any) -> RawEvent:
        handled[0] += 1
        native_events[0] += 1
        return RawEvent(*args)

    monkeypatch.setattr(sync, "RawEvent", counting_raw_event)

    def counting(name: str, size: Any) -> None:
        original = getattr(sync, name)

        def step(*args: Any) -> Any:
            handled[0] += size(*args)
            return original(*args)

        monkeypatch.setattr(sync, name, step)

    counting("parse_events", lambda items, *_: len(items))
    counting("decode_page", len)
    feed = PagePlanner.feed

    def counting_feed(planner: PagePlanner, start: int, stop: int) -> None:
        handled[0] += len(planner.events[start:stop])
        feed(planner, start, stop)

    monkeypatch.setattr(PagePlanner, "feed", counting_feed)
    add_rows = PagePlanner.add_stream_rows

    def counting_rows(planner: PagePlanner, ids: list[int]) -> None:
        handled[0] += len(ids)
        add_rows(planner, ids)

    monkeypatch.setattr(PagePlanner, "add_stream_rows", counting_rows)
    most = 0

    async def run() -> None:
        nonlocal most
        task = asyncio.get_running_loop().create_task(rig.indexer.sync_once())
        seen = 0
        while not task.done():
            await asyncio.sleep(0)  # runs again at the loop's next turn
            most = max(most, handled[0] - seen)
            seen = handled[0]
        await task
        await rig.close()

    asyncio.run(run())
    assert_exact(rig, history)
    # The counting saw the work: each event is read (natively or not) and applied.
    assert handled[0] >= 2 * len(history.events)
    if reader == "native":
        assert native_events[0] == len(history.events), "the native reader was not used"
    else:
        assert native_events[0] == 0
    assert most <= SLICE, f"{most} events handled in one turn of the loop (slice: {SLICE})"


def test_the_cached_streams_and_page_events_are_not_tracked_by_the_gc(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    """The cyclic GC scans every tracked object at a full collection, on whichever thread
    allocates: over 100,000 cached streams that held the loop for 50-150 ms. Stream state and a
    page's events cannot be in a cycle, so they are kept out of it."""
    rig = make_rig(tmp_path, server, replace(FAST, page_limit=1_000))
    pages: list[Any] = []
    read_page = rig.indexer._read_page

    async def keep(result: Any, after: str) -> Any:
        page = await read_page(result, after)
        pages.append(page)
        return page

    rig.indexer._read_page = keep  # type: ignore[method-assign]

    async def run() -> None:
        await rig.indexer.sync_once()
        await rig.close()

    asyncio.run(run())
    assert_exact(rig, history)
    streams = list(rig.indexer._cache.streams.values())
    assert len(streams) > 100
    assert not any(gc.is_tracked(s) for s in streams)
    events = [e for page in pages for e in page.events]
    decoded = [d for page in pages for d in page.decoded]
    assert len(events) == len(decoded) == len(history.events)
    assert not any(gc.is_tracked(e) for e in events)
    assert not any(gc.is_tracked(d) for d in decoded)


def test_another_writer_moving_the_cursor_makes_the_indexer_replan(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    """The stream cache is valid for one stored cursor: a second indexer on the same file
    (the GUI and `flowfi-desktop sync` at once) advances the cursor; the first one must notice
    under the write lock, drop its cache and index the rest exactly."""
    first = make_rig(tmp_path, server, replace(FAST, page_limit=700))
    second = make_rig(tmp_path, server, replace(FAST, page_limit=900))

    async def run() -> None:
        server.latest = SNAPSHOTS[0]
        await first.indexer.sync_once()  # first's cache now holds the streams at SNAPSHOTS[0]
        server.latest = SNAPSHOTS[1]
        await second.indexer.sync_once()  # moves the cursor behind first's back
        server.latest = history.last_ledger
        await first.indexer.sync_once()
        await first.indexer.aclose()
        await second.close()
        await first.rpc.close()

    asyncio.run(run())
    assert_exact(first, history)
    writer = IndexWriter(first.store, first.contract_ref)
    assert writer.status().event_count == len(history.events)
    writer.close()
    first.store.close()


def test_two_indexers_syncing_at_once_on_one_file_both_end_exact(
    tmp_path: Path, server: LocalRpc, history: SyntheticHistory
) -> None:
    """The GUI and `flowfi-desktop sync` catching up together: each keeps finding the cursor
    moved by the other (under the write lock, or when it reads stream state) and starts over
    from the stored cursor; neither may lose, repeat or misapply an event, and neither gives
    up. (Before session 5 this raised IntegrityError: a page planned on a fresh read could
    move the cursor back, and the next page then inserted events again.)"""
    first = make_rig(tmp_path, server, replace(FAST, page_limit=700))
    second = make_rig(tmp_path, server, replace(FAST, page_limit=900))
    status_reads: list[bool] = []

    for indexer in (first.indexer, second.indexer):
        original = indexer.writer.status

        def counting_status(original: Any = original) -> Any:
            status_reads.append(True)
            return original()

        indexer.writer.status = counting_status  # type: ignore[method-assign]

    async def run() -> list[Any]:
        reports = await asyncio.gather(first.indexer.sync_once(), second.indexer.sync_once())
        await first.indexer.aclose()
        await second.close()
        await first.rpc.close()
        return reports

    reports = asyncio.run(run())
    assert_exact(first, history)
    assert sum(r.events for r in reports) == len(history.events)  # each event landed once
    # Each run reads status() twice, and once more when it starts over: they did race.
    assert len(status_reads) > 4
    first.store.close()
