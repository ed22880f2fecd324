"""The real window on a real index file: dashboard, lists, detail chart, status bar, dialogs."""

from __future__ import annotations

import asyncio
import csv
import os
import random
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from stellar_sdk import Keypair

from flowfi_desktop.app.dashboard import Dashboard, claimable, streamed
from flowfi_desktop.app.demo import populate
from flowfi_desktop.app.events import SyncProgressed, SyncStatusChanged
from flowfi_desktop.app.export import export_events, export_streams
from flowfi_desktop.app.queries import IndexReader, StreamQuery
from flowfi_desktop.app.session import INDEX_FILE, AppSession
from flowfi_desktop.indexer.synthetic import make_address
from flowfi_desktop.keys.accounts import Wallet
from flowfi_desktop.networks import LOCAL_PASSPHRASE, Networks
from flowfi_desktop.paths import KEYSTORE_FILE
from flowfi_desktop.settings import SettingsFile
from flowfi_desktop.tokens import TokenCache, TokenInfo
from flowfi_desktop.ui.accounts import AccountDialog, BackupDialog
from flowfi_desktop.ui.actions import ActionDialog
from flowfi_desktop.ui.bridge import Bridge
from flowfi_desktop.ui.main_window import MainWindow
from flowfi_desktop.ui.receive import qr_image, qr_modules
from flowfi_desktop.ui.settings_dialog import SettingsDialog
from flowfi_desktop.ui.stream_model import COLUMNS, PAGE_SIZE, StreamTableModel
from flowfi_desktop.ui.sync_status import SyncStatusBar
from flowfi_desktop.ui.tasks import spawn
from tests.conftest import REPO_ROOT
from tests.ui.data import ME, NATIVE, NOW, OTHER, TOKEN, demo_data_dir
from tests.ui.helpers import settle, until


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def demo_window(tmp_path: Path, qtbot, run):  # type: ignore[no-untyped-def]
    demo = demo_data_dir(tmp_path, 600)
    clock = Clock(NOW + 0.25)
    session = AppSession(tmp_path, clock=clock)
    bridge = Bridge()
    bridge.attach(session.events.subscribe)
    window = MainWindow(session, bridge, clock=clock, tray=False)
    qtbot.addWidget(window)

    async def start() -> None:
        await session.open_index()
        window.reload()
        window.show()
        await settle(window)

    run(start())
    yield window, session, demo, clock
    run(window.shutdown())


def _decimals(token: str) -> int:
    return 7 if token == NATIVE else 6


def test_dashboard_shows_the_arithmetic_and_ticks(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, session, _demo, clock = demo_window
    board = window.dashboard
    expected = Dashboard.load(
        frozenset({ME}), session.reader.involving(session.contract_ref, (ME,))
    ).totals(NOW)
    shown = board.totals_text()
    assert set(shown) == set(expected) == {NATIVE, TOKEN}
    for token, totals in expected.items():
        book = session.tokens
        assert shown[token][0] == book.format_fixed(token, totals.incoming_streamed)
        assert shown[token][1] == book.format_fixed(token, totals.withdrawable)
        assert shown[token][2] == book.format_fixed(token, totals.outgoing_remaining)
    before = board.totals_text()[NATIVE][1]
    clock.t += 30
    qtbot.waitUntil(lambda: board.totals_text()[NATIVE][1] != before, timeout=2000)
    later = Dashboard.load(
        frozenset({ME}), session.reader.involving(session.contract_ref, (ME,))
    ).totals(NOW + 30)
    assert board.totals_text()[NATIVE][1] == session.tokens.format_fixed(
        NATIVE, later[NATIVE].withdrawable
    )
    assert "USDC" in board.rows[TOKEN].title.text()


def test_dashboard_sums_are_read_off_the_gui_thread(demo_window, run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Folding an account's streams takes most of a second with 100,000 of them: the window
    reads the sums on a worker thread, one read at a time, and a change during a read is
    followed by one more read (not lost, not one per change)."""
    window, session, _demo, _clock = demo_window
    on_gui: list[bool] = []
    read = Dashboard.from_index

    def spy(reader: IndexReader, contract_ref: int, addresses: tuple[str, ...]) -> Any:
        on_gui.append(threading.current_thread() is threading.main_thread())
        return read(reader, contract_ref, addresses)

    monkeypatch.setattr(Dashboard, "from_index", spy)
    shown = window.dashboard.dashboard
    for stream_id in (1, 2, 3):
        window.on_streams_changed(frozenset({stream_id}))
    run(settle(window))
    assert on_gui == [False, False]
    assert window.dashboard.dashboard is not shown
    assert window.dashboard.dashboard.totals(NOW) == session.dashboard().totals(NOW)


def test_stream_model_pages_sorts_and_filters(tmp_path: Path, qtbot, qtmodeltester, run) -> None:  # type: ignore[no-untyped-def]
    demo = demo_data_dir(tmp_path, 1_000, watch=False)
    reader = IndexReader(demo.path)
    session = AppSession(tmp_path)
    model = StreamTableModel(clock=lambda: NOW)
    column = [k for k, _ in COLUMNS].index

    async def scenario() -> None:
        model.set_source(reader, demo.contract_ref, session.tokens)
        await model.settled()
        assert model.rowCount() == demo.streams
        model.stream_at(0)
        model.stream_at(PAGE_SIZE - 1)
        assert model.queries_run == 1  # one page read for the first PAGE_SIZE rows
        last = model.stream_at(demo.streams - 1)
        assert last is not None
        assert last.stream_id == 1  # default sort: newest id first
        assert model.queries_run == 2
        model.sort(column("deposited"), Qt.SortOrder.AscendingOrder)
        await model.settled()
        values = [model.stream_at(r).deposited_amount for r in range(model.rowCount())]  # type: ignore[union-attr]
        assert values == sorted(values)
        model.sort(column("claimable"), Qt.SortOrder.DescendingOrder)
        await model.settled()
        owed = [claimable(model.stream_at(r), NOW) for r in range(model.rowCount())]  # type: ignore[arg-type]
        assert owed == sorted(owed, reverse=True)
        assert owed[0] > 0
        model.set_query(StreamQuery((ME,), "incoming", ("active",)))
        await model.settled()

    run(scenario())
    raw = (
        sqlite3.connect(demo.path)
        .execute("SELECT count(*) FROM streams WHERE recipient = ? AND status = 'active'", (ME,))
        .fetchone()[0]
    )
    assert model.rowCount() == raw > 0
    index = model.index(0, column("claimable"))
    s = model.stream_at(0)
    assert s is not None
    assert model.data(index) == session.tokens.number(s.token_address, claimable(s, NOW))
    qtmodeltester.check(model, force_py=True)
    reader.close()


def test_filter_changes_read_ids_off_the_gui_thread_and_drop_stale_answers(  # type: ignore[no-untyped-def]
    tmp_path: Path, qtbot, run
) -> None:
    demo = demo_data_dir(tmp_path, 1_000, watch=False)
    reader = IndexReader(demo.path)
    session = AppSession(tmp_path)
    model = StreamTableModel(clock=lambda: NOW)
    loaded: list[int] = []
    model.ids_loaded.connect(lambda: loaded.append(model.rowCount()))
    queries = [
        StreamQuery((ME,), "incoming"),
        StreamQuery((ME,), "outgoing", sort="deposited"),
        StreamQuery((ME,), "all", ("cancelled",), sort="claimable"),
        StreamQuery((ME,), "all", ("active",), search="G", sort="sender", descending=False),
    ]

    async def scenario() -> None:
        model.set_source(reader, demo.contract_ref, session.tokens)
        await model.settled()
        assert model.rowCount() == demo.streams
        loaded.clear()
        for query in queries:  # faster than any scan returns: nothing has been awaited
            model.set_query(query)
            # The call returned before any id was read: the old rows are still shown.
            assert model.loading
            assert model.rowCount() == demo.streams
        await model.settled()

    run(scenario())
    assert not model.loading
    # Only the newest query's answer reached the screen, once; older scans were cancelled.
    expected = reader.ids_at(demo.contract_ref, queries[-1], NOW)
    assert 0 < len(expected) < demo.streams
    assert loaded == [len(expected)]
    assert [model.stream_at(r).stream_id for r in range(model.rowCount())] == expected  # type: ignore[union-attr]

    # Changes that come while a scan runs in its thread, or just after it has answered: an
    # older query's answer never reaches the screen (interrupted, or dropped on arrival).
    shown: list[StreamQuery] = []
    model.ids_loaded.connect(lambda: shown.append(model.query))

    async def racing() -> None:
        for delay in (0.0, 0.001, 0.002, 0.004, 0.008, 0.016):
            for query in queries:
                model.set_query(query)
                await asyncio.sleep(delay)
        await model.settled()

    run(racing())
    answers = {q: reader.ids_at(demo.contract_ref, q, NOW) for q in queries}
    assert shown[-1] == queries[-1]
    assert [model.stream_at(r).stream_id for r in range(model.rowCount())] == answers[queries[-1]]  # type: ignore[union-attr]
    assert model.scans_run >= 2
    reader.close()


def test_index_refreshes_during_a_scan_are_not_lost(tmp_path: Path, qtbot, run) -> None:  # type: ignore[no-untyped-def]
    demo = demo_data_dir(tmp_path, 300, watch=False)
    reader = IndexReader(demo.path)
    session = AppSession(tmp_path)
    model = StreamTableModel(clock=lambda: NOW)

    async def scenario() -> None:
        model.set_source(reader, demo.contract_ref, session.tokens)
        await model.settled()
        # A stream disappears from the index while refreshes pile up on one in-flight scan.
        model.refresh()
        with sqlite3.connect(demo.path) as db:
            db.execute("DELETE FROM stream_events WHERE stream_id = 300")
            db.execute("DELETE FROM streams WHERE stream_id = 300")
        model.refresh()
        model.refresh()
        await model.settled()

    run(scenario())
    assert model.rowCount() == demo.streams - 1
    assert model.stream_at(0).stream_id == 299  # type: ignore[union-attr]
    reader.close()


def test_direction_sorts_by_direction_relative_to_the_account(tmp_path: Path, qtbot, run) -> None:  # type: ignore[no-untyped-def]
    demo = demo_data_dir(tmp_path, 600, watch=False)
    with sqlite3.connect(demo.path) as db:  # one stream to oneself, for the third kind
        db.execute("UPDATE streams SET sender = ?, recipient = ? WHERE stream_id = 7", (ME, ME))
    reader = IndexReader(demo.path)
    session = AppSession(tmp_path)
    model = StreamTableModel(clock=lambda: NOW)
    column = [k for k, _ in COLUMNS].index("direction")

    def shown() -> list[str]:
        return [str(model.data(model.index(r, column))) for r in range(model.rowCount())]

    async def scenario() -> tuple[list[str], list[str]]:
        model.set_source(reader, demo.contract_ref, session.tokens)
        model.set_query(StreamQuery((ME,), "all"))
        model.sort(column, Qt.SortOrder.AscendingOrder)
        await model.settled()
        ascending = shown()
        model.sort(column, Qt.SortOrder.DescendingOrder)
        await model.settled()
        return ascending, shown()

    ascending, descending = run(scenario())
    assert set(ascending) == {"in", "out", "self"}
    rank = ["in", "out", "self", "—"].index
    assert [rank(d) for d in ascending] == sorted(rank(d) for d in ascending)
    assert descending == ascending[::-1] or [rank(d) for d in descending] == sorted(
        (rank(d) for d in descending), reverse=True
    )
    assert model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    reader.close()


def test_lists_search_and_role(demo_window, qtbot, run) -> None:  # type: ignore[no-untyped-def]
    window, _session, _demo, _clock = demo_window
    view = window.streams

    async def scenario() -> None:
        window.show_page("outgoing")
        await settle(window)
        assert view.model.query.role == "outgoing"
        outgoing = view.model.rowCount()
        assert view.count_label.text() == f"{outgoing:,} streams"
        window.show_page("incoming")
        assert view.count_label.text().endswith("updating…")  # until the scan returns
        await settle(window)
        assert view.model.query.role == "incoming"
        assert view.model.rowCount() != outgoing or outgoing == 0
        qtbot.keyClicks(view.search, "12")
        await until(lambda: view.model.query.search == "12")
        await settle(window)

    run(scenario())
    found = [view.model.stream_at(r) for r in range(view.model.rowCount())]
    assert found
    assert all(
        s is not None and ("12" in str(s.stream_id) or "12" in s.sender or "12" in s.recipient)
        for s in found
    )
    n = view.model.rowCount()
    assert view.count_label.text() == f"{n:,} stream{'s' if n != 1 else ''}"


def test_stream_table_columns_fit_the_default_window(demo_window, run) -> None:  # type: ignore[no-untyped-def]
    """At the window's default size, every column up to "Claimable now" is on screen, and each
    column is wide enough for its header and its typical content."""
    window, _session, _demo, _clock = demo_window
    window.show_page("all")
    run(settle(window))
    table = window.streams.table
    header = table.horizontalHeader()
    keys = [k for k, _ in COLUMNS]
    claimable = keys.index("claimable")
    right = header.sectionViewportPosition(claimable) + header.sectionSize(claimable)
    assert right <= table.viewport().width(), (right, table.viewport().width())
    cells, titles = table.fontMetrics(), header.fontMetrics()
    for column, (key, title) in enumerate(COLUMNS):
        assert header.sectionSize(column) > titles.horizontalAdvance(title), key
        shown = {
            table.model().data(table.model().index(row, column))
            for row in range(min(20, table.model().rowCount()))
        }
        typical = {"status", "direction", "sender", "recipient", "token", "start", "end"}
        if key in typical:  # amounts vary in length; these have a known widest form
            widest = max(cells.horizontalAdvance(text) for text in shown)
            assert header.sectionSize(column) > widest, key


def test_detail_chart_data_and_live_ticks(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, session, demo, clock = demo_window
    sid = (
        sqlite3.connect(demo.path)
        .execute(
            "SELECT s.stream_id FROM streams s WHERE s.status = 'active' AND s.paused = 0 "
            "AND s.end_time > ? AND EXISTS (SELECT 1 FROM stream_events e WHERE "
            "e.stream_id = s.stream_id AND e.type = 'tokens_withdrawn') ORDER BY s.stream_id",
            (bytes(16),),
        )
        .fetchall()
    )
    stream = next(
        s
        for s in (session.stream(r[0]) for r in sid)
        if s is not None
        and s.withdrawn_amount < s.deposited_amount
        and streamed(s, NOW) < s.deposited_amount
    )
    window.open_stream(stream.stream_id)
    chart = window.detail.chart
    scale = 10 ** _decimals(stream.token_address)
    x, y = chart.accrued.getData()
    assert x.dtype == np.float64
    assert x[0] == stream.start_time
    assert y[0] == 0
    assert y[-1] == pytest.approx(
        streamed(stream, NOW) / scale + 0.25 * stream.rate_per_second / scale
    )
    _wx, wy = chart.withdrawn.getData()
    assert wy[-1] == pytest.approx(stream.withdrawn_amount / scale)
    mx, _my = chart.markers["withdrawal"].getData()
    assert len(mx) >= 1
    _px, py = chart.projection.getData()
    assert py[-1] == pytest.approx(stream.deposited_amount / scale)
    before_ticks = chart.ticks
    clock.t += 5
    qtbot.waitUntil(lambda: chart.ticks >= before_ticks + 10, timeout=3000)  # >= 10 a second
    x2, y2 = chart.accrued.getData()
    assert x2[-1] == pytest.approx(NOW + 5.25)
    assert y2[-1] > y[-1]
    assert len(x2) == len(x)  # the same curve, its live end moved
    assert chart.now_line.value() == pytest.approx(NOW + 5.25)
    assert window.detail.sender_value.text() == stream.sender
    assert window.detail.history.rowCount() == len(
        session.reader.events(session.contract_ref, stream.stream_id)
    )


def test_sync_status_bar_states(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.on_status(SyncStatusChanged("syncing", "connecting to the RPC"))
    bar.on_progress(SyncProgressed(100, 1_100, 50))
    assert bar.progress.isVisible()
    assert "1,000 ledgers" in bar.progress.format()
    bar.on_progress(SyncProgressed(600, 1_100, 80))
    assert bar.progress.value() == 500
    bar.on_status(SyncStatusChanged("caught_up", "", 1_100, NOW))
    assert not bar.progress.isVisible()
    assert "Synced to ledger 1,100" in bar.text.text()
    assert not bar.retry.isVisible()
    bar.on_status(SyncStatusChanged("failed", "the RPC serves another network"))
    assert bar.retry.isVisible()
    assert "another network" in bar.text.text()
    with qtbot.waitSignal(bar.retry_requested):
        bar.retry.click()


async def _never(*_args: object) -> object:
    raise AssertionError("no network in this test")


def test_create_dialog_validates_as_typed(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    _window, session, _demo, _clock = demo_window
    dialog = ActionDialog(
        "create",
        session.tokens,
        reviewer=_never,
        executor=_never,
        clock=lambda: NOW,  # type: ignore[arg-type]
    )
    qtbot.addWidget(dialog)
    assert not dialog.primary.isEnabled()
    qtbot.keyClicks(dialog.recipient, "GABC")
    assert "recipient" in dialog.error.text().lower()
    dialog.recipient.setText(OTHER)
    dialog.amount.setText("100.12345678")  # XLM has 7 decimals
    assert "decimal places" in dialog.error.text()
    dialog.amount.setText("100")
    dialog.duration.setText("7d")
    assert dialog.primary.isEnabled()
    assert dialog.error.text() == ""
    rate = 100 * 10**7 // (7 * 86_400)
    assert session.tokens.format(NATIVE, rate) in dialog.preview.text()
    assert "later than requested" in dialog.preview.text()
    dialog.duration.setText("1000000000w")
    assert "rate would round to zero" in dialog.error.text()
    dialog.token.setCurrentIndex(dialog.token.findData(TOKEN))
    dialog.duration.setText("1d")
    dialog.amount.setText("1.5")
    spec = dialog.spec()
    assert spec.amount == 1_500_000  # USDC: 6 decimals
    assert spec.token is not None
    assert spec.token.contract_id == TOKEN
    watch_only = ActionDialog(
        "create",
        session.tokens,
        reviewer=_never,
        executor=_never,
        can_sign=False,  # type: ignore[arg-type]
    )
    qtbot.addWidget(watch_only)
    watch_only.recipient.setText(OTHER)
    watch_only.amount.setText("1")
    assert not watch_only.primary.isEnabled()
    assert "watch-only" in watch_only.error.text()


def test_cancel_and_top_up_dialogs_show_effects(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    _window, session, _demo, _clock = demo_window
    stream = next(
        s
        for s in session.reader.involving(session.contract_ref, (ME,), active_only=True)
        if s.sender == ME and not s.paused and claimable(s, NOW) > 0
    )
    cancel = ActionDialog(
        "cancel",
        session.tokens,
        reviewer=_never,
        executor=_never,
        stream=stream,
        clock=lambda: NOW,  # type: ignore[arg-type]
    )
    qtbot.addWidget(cancel)
    text = " ".join(w.text() for w in cancel.form_page.findChildren(type(cancel.preview)))
    payout = session.tokens.format(stream.token_address, claimable(stream, NOW))
    refund = session.tokens.format(
        stream.token_address,
        stream.deposited_amount - stream.withdrawn_amount - claimable(stream, NOW),
    )
    assert payout in text
    assert refund in text
    top_up = ActionDialog(
        "top_up",
        session.tokens,
        reviewer=_never,
        executor=_never,
        stream=stream,  # type: ignore[arg-type]
    )
    qtbot.addWidget(top_up)
    top_up.amount.setText("-5")
    assert "negative" in top_up.error.text()
    top_up.amount.setText("5")
    assert top_up.primary.isEnabled()
    assert "more at" in top_up.preview.text()


def test_account_dialog_and_backup_confirmation(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = AccountDialog(keystore_exists=False, taken_names={"main"})
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.name.setText("main")
    assert "exists already" in dialog.error.text()
    dialog.name.setText("savings")
    dialog.password.setText("short")
    assert "at least 8" in dialog.error.text()
    dialog.password.setText("long enough pw")
    dialog.confirm.setText("long enough pX")
    assert "differ" in dialog.error.text()
    dialog.confirm.setText("long enough pw")
    assert ok.isEnabled()
    dialog.mode.setCurrentIndex(dialog.mode.findData("watch"))
    dialog.address.setText("GNOTANADDRESS")
    assert not ok.isEnabled()
    dialog.address.setText(OTHER)
    assert ok.isEnabled()
    dialog.mode.setCurrentIndex(dialog.mode.findData("import_secret"))
    dialog.secret.setText("SBADSECRET")
    assert not ok.isEnabled()
    assert "SBADSECRET" not in dialog.error.text()  # never echoes a secret

    words = "abandon ability able about above absent absorb abstract absurd abuse access accident"
    backup = BackupDialog(words)
    qtbot.addWidget(backup)
    assert not backup.next.isEnabled()
    backup.written.setChecked(True)
    backup.next.click()
    assert not backup.done_button.isEnabled()
    split = words.split()
    for field in backup.answers:
        field.setText("wrong")
    assert "do not match" in backup.error.text()
    for field, position in zip(backup.answers, backup.positions, strict=True):
        field.setText(split[position])
    assert backup.done_button.isEnabled()
    backup.done_button.click()
    assert backup.confirmed


def test_settings_dialog_checks_before_writing(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    session = AppSession(tmp_path)
    dialog = SettingsDialog(session)
    qtbot.addWidget(dialog)
    dialog.rpc_url.setText("ftp://nope")
    dialog.pref_editors["theme"].setCurrentIndex(2)  # type: ignore[attr-defined]
    dialog.save()
    assert "not an http" in dialog.error.text()
    assert session.prefs.get("theme") == "system"  # nothing written
    dialog.rpc_url.setText("http://127.0.0.1:9999/rpc")
    dialog.contract_id.setText("CNOTACONTRACT")
    dialog.save()
    assert "contract" in dialog.error.text().lower()
    contract = TOKEN  # any valid C... id
    dialog.contract_id.setText(contract)
    dialog.save()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert session.prefs.get("theme") == "dark"
    network = Networks(SettingsFile(tmp_path)).get("local")
    assert network.rpc_url == "http://127.0.0.1:9999/rpc"
    assert network.contract_id == contract
    assert dialog.network_changed


def test_receive_qr_and_csv_export(demo_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window, session, demo, _clock = demo_window
    modules = qr_modules(ME)
    assert len(modules) >= 25
    assert len(modules) % 4 == 1  # 17 + 4 * version
    assert all(modules[r][c] for r, c in ((0, 0), (0, 6), (6, 0)))  # finder pattern corners
    assert not qr_image(ME).isNull()
    assert window.receive.address.text() == ME
    # The code is drawn when the page is shown (an account switch does not draw it unseen).
    assert not window.receive.isVisible()
    assert window.receive.qr.pixmap().isNull()
    window.show_page("receive")
    assert window.receive.isVisible()
    assert not window.receive.qr.pixmap().isNull()
    assert window.receive.qr.toolTip() == ME
    out = tmp_path / "streams.csv"
    n = export_streams(demo.path, demo.contract_ref, StreamQuery((ME,)), session.tokens, out, NOW)
    rows = list(csv.reader(out.read_text().splitlines()))
    assert len(rows) - 1 == n == session.reader.count(demo.contract_ref, StreamQuery((ME,)))
    assert all(ME in (r[2], r[3]) for r in rows[1:])
    events_out = tmp_path / "events.csv"
    m = export_events(demo.path, demo.contract_ref, (ME,), events_out)
    assert m == len(list(csv.reader(events_out.read_text().splitlines()))) - 1 > 0


def test_screenshot_command_exits_cleanly(tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowfi_desktop",
            "--data-dir",
            str(tmp_path / "data"),
            "gui",
            "--screenshot",
            str(shot),
            "--quit-after",
            "1.5",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO_ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    unexpected = [line for line in done.stderr.splitlines() if "propagateSizeHints" not in line]
    assert unexpected == []
    assert shot.stat().st_size > 10_000


def test_watch_only_accounts_offer_no_signing_actions(tmp_path: Path, qtbot, run) -> None:  # type: ignore[no-untyped-def]
    demo = demo_data_dir(tmp_path, 300)  # "me": watch-only
    SettingsFile(tmp_path).set("keystore_kdf", "interactive")
    keyed = Keypair.random()
    with sqlite3.connect(demo.path) as db:
        sid_in, sid_out = (
            r[0]
            for r in db.execute(
                "SELECT stream_id FROM streams WHERE recipient = ? AND status = 'active' "
                "AND paused = 0 ORDER BY stream_id LIMIT 2",
                (ME,),
            )
        )
        db.execute("UPDATE streams SET sender = ? WHERE stream_id = ?", (ME, sid_out))
    session = AppSession(tmp_path)
    bridge = Bridge()
    bridge.attach(session.events.subscribe)
    window = MainWindow(session, bridge, clock=lambda: NOW, tray=False)
    qtbot.addWidget(window)

    async def scenario() -> None:
        await session.open_index()
        window.reload()
        window.show()
        await settle(window)
        assert session.account is not None
        assert session.account.watch_only
        # Create: disabled, saying why; its shortcut does nothing.
        assert not window.new_stream.isEnabled()
        assert "watch-only" in window.new_stream.toolTip()
        qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert not window.dialogs
        # The detail of an incoming stream: withdraw shown, disabled, with the reason.
        window.open_stream(sid_in)
        withdraw = window.detail.buttons["withdraw"]
        assert not withdraw.isHidden()
        assert not withdraw.isEnabled()
        assert "watch-only" in withdraw.toolTip()
        window.open_stream(sid_out)  # both sides are "me": sender actions too
        for key in ("withdraw", "top_up", "pause", "cancel"):
            button = window.detail.buttons[key]
            assert not button.isHidden(), key
            assert not button.isEnabled(), key
            assert "watch-only" in button.toolTip(), key
        # Asked for anyway (a stale signal): refused before any dialog opens.
        window.open_action("withdraw", sid_out)
        assert not window.dialogs
        assert "watch-only" in window.last_refusal.text()
        window.last_refusal.close()
        # Backing up says there is no key, in a message awaited without a nested event loop.
        task = spawn(window.backup_account())
        await until(lambda: getattr(window, "last_message", None) is not None)
        await until(window.last_message.isVisible)
        assert "no key" in window.last_message.text()
        window.last_message.accept()
        await task

        # An account with a key: the same stream's actions are offered (after the switch).
        await asyncio.to_thread(
            session.wallet.import_secret, "keyed", keyed.secret, lambda _new: "a long password"
        )
        with sqlite3.connect(demo.path) as db:
            db.execute(
                "UPDATE streams SET sender = ?, recipient = ? WHERE stream_id = ?",
                (keyed.public_key, keyed.public_key, sid_out),
            )
        session.switch_account("keyed")
        await until(lambda: window.account_box.currentData() == "keyed")  # via the bridge
        await settle(window)
        assert window.new_stream.isEnabled()
        assert "watch-only" not in window.new_stream.toolTip()
        assert window.detail.stream is not None
        assert window.detail.stream.sender == keyed.public_key  # re-read for the new account
        for key in ("withdraw", "top_up", "pause", "cancel"):
            assert window.detail.buttons[key].isEnabled(), key
            assert "Not possible" not in window.detail.buttons[key].toolTip()
        await window.shutdown()

    run(scenario())


def test_amounts_use_each_tokens_decimals(tmp_path: Path, qtbot, run) -> None:  # type: ignore[no-untyped-def]
    """Native XLM 7 decimals; USDC 6 (the index's tokens table); WETH 18 (only in the wallet's
    token cache); a token nobody knows is shown in base units, labelled so."""
    weth = make_address(random.Random(3), contract=True)
    mystery = make_address(random.Random(4), contract=True)
    populate(
        tmp_path / INDEX_FILE,
        n_streams=200,
        mine=[ME],
        tokens=[NATIVE, TOKEN, weth, mystery],
        now=NOW,
        passphrase=LOCAL_PASSPHRASE,
        mine_share=1.0,
        token_meta={TOKEN: ("USDC", 6)},
    )
    contract = (
        sqlite3.connect(tmp_path / INDEX_FILE)
        .execute("SELECT contract_id FROM contracts")
        .fetchone()[0]
    )
    # An RPC that refuses at once: the mystery token cannot be looked up on the chain.
    Networks(SettingsFile(tmp_path)).edit(
        "local", contract_id=contract, rpc_url="http://127.0.0.1:9/rpc"
    )
    SettingsFile(tmp_path).set("rpc_attempts", 1)
    Wallet(tmp_path / KEYSTORE_FILE).watch("me", ME)
    TokenCache(tmp_path).put(LOCAL_PASSPHRASE, TokenInfo(weth, 18, "WETH", "Wrapped ether"))
    decimals = {NATIVE: 7, TOKEN: 6, weth: 18}
    session = AppSession(tmp_path, clock=lambda: NOW)
    bridge = Bridge()
    bridge.attach(session.events.subscribe)
    window = MainWindow(session, bridge, clock=lambda: NOW, tray=False)
    qtbot.addWidget(window)

    async def scenario() -> None:
        await session.open_index()
        window.reload()
        window.show()
        await settle(window)
        await until(lambda: session.tokens.meta(weth).decimals == 18)
        await until(lambda: mystery in window.token_learner.failed)  # type: ignore[union-attr]
        window.show_page("all")
        await settle(window)

    run(scenario())
    model = window.streams.model
    column = [k for k, _ in COLUMNS].index
    seen = set()
    for r in range(model.rowCount()):
        s = model.stream_at(r)
        assert s is not None
        text = str(model.data(model.index(r, column("deposited"))))
        token = str(model.data(model.index(r, column("token"))))
        if s.token_address in decimals:
            # The text, read back with the token's decimals, is the amount in base units.
            places = decimals[s.token_address]
            whole, _, frac = text.replace(",", "").partition(".")
            assert len(frac) <= places
            assert int(whole) * 10**places + int(frac.ljust(places, "0") or 0) == (
                s.deposited_amount
            )
            assert token == {NATIVE: "XLM", TOKEN: "USDC", weth: "WETH"}[s.token_address]
        else:
            assert text == f"{s.deposited_amount:,}"
            assert token.endswith("(base units)")
        seen.add(s.token_address)
    assert seen == {NATIVE, TOKEN, weth, mystery}
    board = window.dashboard
    assert "WETH" in board.rows[weth].title.text()
    shown = board.totals_text()
    totals = board.dashboard.totals(NOW)
    for token, places in decimals.items():
        whole, _, frac = shown[token][2].replace(",", "").partition(".")
        assert len(frac) == min(places, 7)  # fixed width while ticking
        units = totals[token].outgoing_remaining
        assert int(whole) == units // 10**places
        assert frac == str(units % 10**places).rjust(places, "0")[: len(frac)]
    assert "base units" in board.rows[mystery].title.text()
    run(window.shutdown())


def test_reused_action_and_password_dialogs_start_clean(demo_window, run) -> None:  # type: ignore[no-untyped-def]
    """The action dialogs (one per kind) and the unlock dialog are built once and reused:
    each use starts with nothing of the previous one (fields, review, progress, errors,
    outcome, password)."""
    window, session, demo, _clock = demo_window
    keyed = Keypair.random()
    password = "a long password"  # a test wallet
    session.settings.set("keystore_kdf", "interactive")
    streams = [
        s
        for s in session.reader.involving(session.contract_ref, (ME,), active_only=True)
        if not s.paused
    ][:2]
    with sqlite3.connect(demo.path) as db:
        for s in streams:
            db.execute(
                "UPDATE streams SET sender = ? WHERE stream_id = ?",
                (keyed.public_key, s.stream_id),
            )

    async def scenario() -> None:
        await asyncio.to_thread(
            session.wallet.import_secret, "keyed", keyed.secret, lambda _new: password
        )
        session.switch_account("keyed")
        await until(lambda: window.account_box.currentData() == "keyed")
        await settle(window)

        # A create dialog left half-used: typed into, an error showing, on the progress page.
        window.open_action("create", None)
        first = window.last_action_dialog
        first.recipient.setText("GABC")
        first.amount.setText("5")
        assert "recipient" in first.error.text().lower()
        first.review_text.setPlainText("the previous review")
        first.warnings.setText("a previous warning")
        first.pages.setCurrentIndex(2)
        first.progress_text.setText("Not done: the previous failure")
        first.close_button.setEnabled(False)
        first.reject()
        window.open_action("create", None)
        again = window.last_action_dialog
        assert again is first  # reused, not rebuilt
        assert again.isVisible()
        assert (again.recipient.text(), again.amount.text(), again.custom.text()) == ("", "", "")
        assert again.duration.text() == "30d"
        assert again.by_duration.isChecked()
        assert again.token.currentData() == session.tokens.known()[0].address
        assert again.error.text() == ""
        assert again.pages.currentIndex() == 0
        assert again.review_text.toPlainText() == ""
        assert again.warnings.text() == ""
        assert again.progress_text.text() == ""
        assert (again.prepared, again.outcome, again.task) == (None, None, None)
        assert again.primary.text() == "Review…"
        assert not again.primary.isEnabled()  # nothing typed yet
        assert again.close_button.isEnabled()
        assert again.close_button.text() == "Cancel"
        again.recipient.setText(OTHER)
        again.amount.setText("5")
        assert again.primary.isEnabled()  # the reset form still validates as typed
        again.reject()

        # A cancel dialog, reused for another stream, speaks of that stream.
        first_stream, other_stream = streams
        window.open_action("cancel", first_stream.stream_id)
        cancel = window.last_action_dialog
        assert f"#{first_stream.stream_id}" in cancel.effect.text()
        cancel.reject()
        window.open_action("cancel", other_stream.stream_id)
        assert window.last_action_dialog is cancel
        assert cancel.windowTitle().endswith(f"#{other_stream.stream_id}")
        assert f"#{other_stream.stream_id}" in cancel.effect.text()
        assert f"#{first_stream.stream_id}" not in cancel.effect.text()
        cancel.reject()

        # The unlock dialog: a wrong password is cleared at once and an error shown; the next
        # use starts with neither.
        unlocking = spawn(window.ensure_unlocked())
        await until(lambda: window.unlock_dialog is not None and window.unlock_dialog.isVisible())
        dialog = window.unlock_dialog
        assert dialog is not None
        dialog.password.setText("not the password")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        await until(lambda: "not right" in dialog.error.text() and dialog.isVisible())
        assert dialog.password.text() == ""
        dialog.password.setText("typed, then given up")
        dialog.reject()
        assert await unlocking is None
        assert dialog.password.text() == ""  # not kept after a cancel either
        unlocking = spawn(window.ensure_unlocked())
        await until(dialog.isVisible)
        assert window.last_password_dialog is dialog
        assert (dialog.password.text(), dialog.error.text()) == ("", "")
        dialog.password.setText(password)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert await unlocking is not None
        assert dialog.password.text() == ""  # not kept after an unlock
        window.lock()
        unlocking = spawn(window.ensure_unlocked())
        await until(dialog.isVisible)
        assert (dialog.password.text(), dialog.error.text()) == ("", "")
        dialog.reject()
        assert await unlocking is None

    run(scenario())


def test_the_table_paints_what_data_says_through_multi_data(demo_window, run) -> None:  # type: ignore[no-untyped-def]
    """Views paint from ``multiData`` (one Python call per cell): what a delegate gets for
    each painted cell is what ``data()`` answers for each role."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

    window, _session, _demo, _clock = demo_window
    view = window.streams
    model = view.model
    painted: dict[tuple[int, int], tuple[str, int, str]] = {}
    calls = {"multi": 0}
    multi = model.multiData

    def counting(index, span) -> None:  # type: ignore[no-untyped-def]
        calls["multi"] += 1
        multi(index, span)

    class Spy(QStyledItemDelegate):
        def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:  # type: ignore[no-untyped-def]
            super().initStyleOption(option, index)
            painted[(index.row(), index.column())] = (
                option.text,
                int(option.displayAlignment.value),
                option.palette.color(QPalette.ColorRole.Text).name(),
            )

    async def scenario() -> None:
        window.show_page("all")
        await settle(window)

    run(scenario())
    spy = Spy(view.table)
    view.table.setItemDelegate(spy)
    model.multiData = counting  # type: ignore[method-assign]
    view.table.viewport().repaint()
    assert len(painted) >= 5 * len(COLUMNS)
    assert calls["multi"] >= len(painted)
    status = [k for k, _ in COLUMNS].index("status")
    default_text = view.table.palette().color(QPalette.ColorRole.Text).name()
    for (row, column), (text, alignment, color) in painted.items():
        index = model.index(row, column)
        assert text == model.data(index, Qt.ItemDataRole.DisplayRole)
        assert alignment == model.data(index, Qt.ItemDataRole.TextAlignmentRole)
        foreground = model.data(index, Qt.ItemDataRole.ForegroundRole)
        assert color == (foreground.name() if column == status else default_text)


def test_dashboard_token_rows_are_built_one_per_loop_turn(demo_window, run) -> None:  # type: ignore[no-untyped-def]
    """A new set of tokens builds its rows one per turn of the loop (each is five widgets Qt
    then polishes, lays out and paints), and then shows what it showed before."""
    window, _session, _demo, _clock = demo_window
    board = window.dashboard
    expected = board.totals_text()
    assert len(expected) == 2
    board._layout = []  # as if the account's tokens had changed
    board.tick(force=True)
    assert len(board.rows) == 1  # the first row now, the other at the next turn
    run(board.rows_built())
    assert board.totals_text() == expected
