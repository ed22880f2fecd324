"""The window following a real indexer: a local JSON-RPC server (``LocalRpc``, a synthetic
contract history over HTTP), the real indexer on the session's loop, a real index file, the
real window. Many pages in quick succession must not mean as many refreshes of the views, and
what the views show at the end must be the index as it is: no row read during the catch-up
may outlive a later change of its stream."""

from __future__ import annotations

import random
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flowfi_desktop.app import session as session_module
from flowfi_desktop.app.dashboard import Dashboard
from flowfi_desktop.app.events import (
    AppEvent,
    EventHub,
    StreamsChanged,
    SyncProgressed,
    SyncStatusChanged,
    TransactionIndexed,
)
from flowfi_desktop.app.queries import IndexReader, StreamQuery
from flowfi_desktop.app.session import AppSession
from flowfi_desktop.indexer import notify
from flowfi_desktop.indexer.rpc_server import LocalRpc
from flowfi_desktop.indexer.synthetic import SyntheticHistory, generate_history, make_address
from flowfi_desktop.keys.accounts import Wallet
from flowfi_desktop.networks import Networks
from flowfi_desktop.paths import KEYSTORE_FILE
from flowfi_desktop.settings import SettingsFile
from flowfi_desktop.ui.bridge import Bridge
from flowfi_desktop.ui.main_window import MainWindow
from tests.ui.helpers import settle, until

EVENTS = 3_000
PAGE = 100  # ~30 pages for EVENTS


def _first_account(seed: int) -> str:
    """The first of ``generate_history``'s 60 accounts (its draws: the contract, then them)."""
    rng = random.Random(seed)
    make_address(rng, contract=True)
    return make_address(rng)


@dataclass
class Rig:
    window: MainWindow
    session: AppSession
    bridge: Bridge
    server: LocalRpc
    history: SyntheticHistory
    account: str
    refreshes: list[frozenset[int]]  # what each streams_changed signal carried
    pages: list[frozenset[int]]  # each StreamsChanged the session announced
    timeline: list[str]  # the bridge's signals, in order


@pytest.fixture
def make_rig(  # type: ignore[no-untyped-def]
    tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[int], Rig]]:
    """``make_rig(interval_ms)``: the rig, its bridge refreshing at most every
    ``interval_ms``. Each test shuts the window down inside its own scenario coroutine
    (``_run``): between two ``run()`` calls the loop stops, and httpx refuses to work then."""
    made: list[Rig] = []

    def make(interval_ms: int) -> Rig:
        made.append(_rig(tmp_path, qtbot, monkeypatch, interval_ms))
        return made[-1]

    yield make
    for rig in made:
        rig.server.stop()


def _run(run, rig: Rig, scenario: Coroutine[Any, Any, None]) -> None:  # type: ignore[no-untyped-def]
    async def whole() -> None:
        try:
            await scenario
        finally:
            await rig.window.shutdown()

    run(whole(), timeout=120)


@pytest.fixture
def rig(make_rig: Callable[[int], Rig]) -> Rig:
    # A minute between refreshes: during a catch-up of a few seconds only the refreshes that
    # do not wait for the interval can happen (the first, the end, the user's transaction).
    return make_rig(60_000)


def _rig(tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch, interval_ms: int) -> Rig:  # type: ignore[no-untyped-def]
    history = generate_history(EVENTS, seed=3)
    server = LocalRpc(history).start()
    account = _first_account(3)
    Networks(SettingsFile(tmp_path)).edit(
        "local", rpc_url=server.url, contract_id=history.contract_id
    )
    Wallet(tmp_path / KEYSTORE_FILE).watch("me", account)
    monkeypatch.setattr(session_module, "GUI_PAGE_LIMIT", PAGE)
    session = AppSession(tmp_path)
    bridge = Bridge(interval_ms=interval_ms)
    bridge.attach(session.events.subscribe)
    window = MainWindow(session, bridge, tray=False, first_run=False)
    qtbot.addWidget(window)
    refreshes: list[frozenset[int]] = []
    pages: list[frozenset[int]] = []
    timeline: list[str] = []
    bridge.streams_changed.connect(lambda ids: (refreshes.append(ids), timeline.append("streams")))
    bridge.sync_status_changed.connect(lambda e: timeline.append(f"status {e.state}"))

    def on_event(event: AppEvent) -> None:
        if isinstance(event, StreamsChanged):
            pages.append(event.stream_ids)

    session.events.subscribe(on_event)
    window.show()
    window.show_page("all")
    return Rig(window, session, bridge, server, history, account, refreshes, pages, timeline)


def _shown_equals_index(rig: Rig) -> None:
    """Every row of each list not waiting to be shown is the index's current row, in the
    index's order, and the dashboard's sums are the index's."""
    s = rig.session
    assert s.reader is not None
    assert s.contract_ref is not None
    reader = IndexReader(s.reader.path)
    try:
        checked = 0
        for model in (rig.window.streams.model, rig.window.dashboard.glance_model):
            if model.deferred:  # not shown: it refreshes when it is (see the test below)
                continue
            checked += 1
            ids = reader.ids(s.contract_ref, model.query)
            assert model.rowCount() == len(ids)
            shown = [model.stream_at(r) for r in range(model.rowCount())]
            assert shown == [reader.stream(s.contract_ref, i) for i in ids]
        assert checked
        board = Dashboard.from_index(reader, s.contract_ref, s.addresses)
        now = int(s.clock())
        assert rig.window.dashboard.dashboard.totals(now) == board.totals(now)
    finally:
        reader.close()


def test_many_pages_make_few_refreshes_and_the_end_shows_the_index(rig: Rig, run) -> None:  # type: ignore[no-untyped-def]
    window = rig.window

    async def scenario() -> None:
        await window.start()
        await until(lambda: rig.session.sync.state == "caught_up", timeout=60)
        await until(lambda: "status caught_up" in rig.timeline)
        await settle(window)
        _shown_equals_index(rig)

    _run(run, rig, scenario())
    assert len(rig.pages) >= 10  # the catch-up came in many pages...
    # ...and the views refreshed at the first one and when it ended, not at each.
    assert 1 <= len(rig.refreshes) <= 2
    assert set().union(*rig.refreshes) == set().union(*rig.pages)
    # The end's refresh came with the catch-up's end, not an interval later.
    assert rig.timeline.index("streams") < rig.timeline.index("status caught_up")
    assert rig.timeline[rig.timeline.index("status caught_up") - 1] == "streams"
    assert window.streams.model.rowCount() > 0


def test_rows_shown_during_a_catch_up_are_read_again_when_their_stream_changes(  # type: ignore[no-untyped-def]
    make_rig: Callable[[int], Rig], run
) -> None:
    """Refreshes every 20 ms while ~30 pages land, the list painted between them: at the end
    each row shown is the index's, though most were read while their streams still changed."""
    rig = make_rig(20)
    window = rig.window

    async def scenario() -> None:
        await window.start()
        await until(lambda: rig.session.sync.state == "caught_up", timeout=60)
        await settle(window)
        _shown_equals_index(rig)

    _run(run, rig, scenario())
    assert len(rig.refreshes) >= 3
    assert window.streams.model.queries_run >= 2  # rows were read during the catch-up


def test_the_users_transaction_is_shown_without_waiting_for_the_interval(  # type: ignore[no-untyped-def]
    rig: Rig, run
) -> None:
    """Caught up to an earlier ledger; then the chain moves on (the user's transaction in its
    last ledger) and the session is nudged with that ledger, as after a send: the lists show
    the new state though the bridge's interval (a minute) has not passed since the last
    refresh."""
    server, history, window = rig.server, rig.history, rig.window
    last = history.last_ledger
    earlier = history.events[len(history.events) * 9 // 10]["ledger"]
    server.latest = earlier

    async def scenario() -> None:
        await window.start()
        await until(lambda: rig.session.sync.state == "caught_up", timeout=60)
        await settle(window)
        before = len(rig.refreshes)
        server.latest = last
        rig.session.nudge(last)
        await until(lambda: rig.session.sync.ledger >= last, timeout=30)
        await until(lambda: len(rig.refreshes) > before)
        await settle(window)
        _shown_equals_index(rig)

    _run(run, rig, scenario())
    assert len(rig.refreshes) >= 2
    assert rig.refreshes[-1] >= rig.pages[-1]


def test_bridge_shows_the_users_transaction_and_the_catch_ups_end_at_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A refresh held back by the interval goes out as soon as the user's transaction is in
    the index, or the catch-up ends; while pages keep coming, it waits."""
    hub = EventHub()
    bridge = Bridge(interval_ms=60_000)
    bridge.attach(hub.subscribe)
    batches: list[frozenset[int]] = []
    bridge.streams_changed.connect(batches.append)
    hub.emit(StreamsChanged(frozenset({1})))
    qtbot.waitUntil(lambda: len(batches) == 1)
    hub.emit(StreamsChanged(frozenset({2})))
    hub.emit(SyncProgressed(10, 20, 5))
    hub.emit(SyncStatusChanged("syncing", "indexing"))
    with qtbot.waitSignal(bridge.sync_progressed):
        hub.emit(SyncProgressed(11, 20, 6))
    assert batches == [frozenset({1})]  # held: pages keep coming
    with qtbot.waitSignal(bridge.streams_changed, timeout=2_000) as own:
        hub.emit(TransactionIndexed(11))
    assert own.args == [frozenset({2})]
    hub.emit(StreamsChanged(frozenset({3, 4})))
    with qtbot.waitSignal(bridge.streams_changed, timeout=2_000) as end:
        hub.emit(SyncStatusChanged("caught_up", "indexed up to ledger 20"))
    assert end.args == [frozenset({3, 4})]
    bridge.detach_all()


def test_session_announces_the_users_transaction_once_the_index_covers_its_ledger(  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    session = AppSession(tmp_path)
    seen: list[AppEvent] = []
    session.events.subscribe(seen.append)
    session.nudge(120)
    session.nudge(118)
    session._on_indexer(notify.SyncProgress(110, 130, 5))
    assert not any(isinstance(e, TransactionIndexed) for e in seen)
    session._on_indexer(notify.SyncProgress(119, 130, 9))
    session._on_indexer(notify.SyncProgress(125, 130, 12))
    session._on_indexer(notify.SyncProgress(130, 130, 14))
    assert [e for e in seen if isinstance(e, TransactionIndexed)] == [
        TransactionIndexed(118),
        TransactionIndexed(120),
    ]


def test_rules_read_only_the_accounts_rows_of_a_page(tmp_path: Path) -> None:
    """A page's changed streams are mostly not the account's: the rules' read skips them."""
    from tests.ui.data import ME, demo_data_dir

    demo = demo_data_dir(tmp_path, 200)
    reader = IndexReader(demo.path)
    try:
        every = reader.ids(demo.contract_ref, StreamQuery())
        mine = reader.streams(demo.contract_ref, every, (ME,))
        assert mine
        assert len(mine) < len(every)
        assert all(ME in (s.sender, s.recipient) for s in mine)
        assert {s.stream_id for s in mine} == {
            s.stream_id
            for s in reader.streams(demo.contract_ref, every)
            if ME in (s.sender, s.recipient)
        }
        assert reader.streams(demo.contract_ref, every, ()) == []
    finally:
        reader.close()


def test_a_hidden_list_waits_and_refreshes_when_shown(make_rig: Callable[[int], Rig], run) -> None:  # type: ignore[no-untyped-def]
    """On the dashboard, the stream list page is not shown: a catch-up's refreshes skip it
    (no id scan, no model reset per refresh), and showing it shows the index as it is."""
    rig = make_rig(20)
    window = rig.window
    window.show_page("dashboard")
    listed = window.streams.model
    refreshed: list[frozenset[int] | None] = []
    refresh = listed.refresh

    def spy(changed: frozenset[int] | None = None) -> None:
        refreshed.append(changed)
        refresh(changed)

    listed.refresh = spy  # type: ignore[method-assign]
    during: list[int] = []

    async def scenario() -> None:
        await window.start()
        await until(lambda: rig.session.sync.state == "caught_up", timeout=60)
        await settle(window)
        during.append(len(refreshed))
        assert listed.deferred
        window.show_page("all")
        await settle(window)
        assert not listed.deferred
        _shown_equals_index(rig)

    _run(run, rig, scenario())
    assert len(rig.refreshes) >= 3
    assert during == [0]  # none of the refreshes while the list was hidden
    assert len(refreshed) == 1  # the one when shown


def test_the_rules_read_the_pages_changes_off_the_loop_and_miss_none(  # type: ignore[no-untyped-def]
    rig: Rig, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notification rules look at every stream of the account that a page changed, their
    rows read on a worker thread (pages that land during a read are folded into the next)."""
    import threading

    reads: list[bool] = []  # on the GUI thread?
    streams = IndexReader.streams

    def spy(self: IndexReader, ref: int, ids: Any, involving: Any = None) -> Any:
        if involving is not None:
            reads.append(threading.current_thread() is threading.main_thread())
        return streams(self, ref, ids, involving)

    monkeypatch.setattr(IndexReader, "streams", spy)
    session = rig.session

    async def scenario() -> None:
        await rig.window.start()
        await until(lambda: session.sync.state == "caught_up", timeout=60)
        await session.rules_checked()
        assert session.reader is not None
        assert session.contract_ref is not None
        mine = session.reader.involving(session.contract_ref, session.addresses)
        assert mine
        assert set(session.rules._known) == {s.stream_id for s in mine}

    _run(run, rig, scenario())
    assert reads
    assert not any(reads)
    assert len(reads) <= len(rig.pages)
