"""The window as a user meets it: tray notifications, auto-lock, the first-run import and
enter-a-contract paths, theme switching from Settings, keyboard navigation and shortcuts.
Real window, real index files; each scenario runs as one coroutine on the session's loop."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QMouseEvent, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QMainWindow,
    QWidget,
)

from flowfi_desktop.app.session import AppSession
from flowfi_desktop.networks import Networks
from flowfi_desktop.settings import SettingsFile
from flowfi_desktop.store.i128 import encode_i128
from flowfi_desktop.ui import tasks, theme
from flowfi_desktop.ui.bridge import Bridge
from flowfi_desktop.ui.idle import IdleWatcher
from flowfi_desktop.ui.main_window import MainWindow
from tests.ui.data import ME, NOW, OTHER, TOKEN, demo_data_dir
from tests.ui.helpers import settle, until

# SEP-5 test vector 1, account 0.
PHRASE = "illness spike retreat truth genius clock brain pass fit cave bargain toe"
PHRASE_ADDRESS = "GDRXE2BQUC3AZNPVFSCEZ76NJ3WWL25FYFK6RGZGIEKWE4SOOHSUJUJ6"
PASSWORD = "a long test password"


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _window(data_dir: Path, qtbot, *, tray: bool = False, clock=None) -> MainWindow:  # type: ignore[no-untyped-def]
    SettingsFile(data_dir).set("keystore_kdf", "interactive")
    # An RPC that refuses at once: nothing here talks to a network.
    Networks(SettingsFile(data_dir)).edit("local", rpc_url="http://127.0.0.1:9/rpc")
    session = AppSession(data_dir, clock=clock or (lambda: NOW))
    bridge = Bridge()
    bridge.attach(session.events.subscribe)
    window = MainWindow(session, bridge, clock=session.clock, tray=tray, first_run=False)
    qtbot.addWidget(window)
    return window


async def _open(window: MainWindow) -> None:
    await window.session.open_index()
    window.reload()
    window.show()
    await settle(window)


# The offscreen platform has no system tray; Qt says so when the tray icon is shown.
@pytest.mark.qt_log_ignore("systemTrayWindowChanged")
def test_tray_notifies_incoming_withdrawal_cancel_and_running_dry(
    tmp_path: Path, qtbot, run
) -> None:  # type: ignore[no-untyped-def]
    demo = demo_data_dir(tmp_path, 300)
    clock = Clock(NOW)
    window = _window(tmp_path, qtbot, tray=True, clock=clock)
    session = window.session
    tray = window.tray
    assert tray is not None
    db = sqlite3.connect(demo.path)
    columns = [r[1] for r in db.execute("PRAGMA table_info(streams)")]

    def copy_stream(source: int, new_id: int, **changes: object) -> None:
        row = dict(
            zip(
                columns,
                db.execute("SELECT * FROM streams WHERE stream_id = ?", (source,)).fetchone(),
                strict=True,
            )
        )
        row.update(stream_id=new_id, **changes)
        marks = ", ".join("?" for _ in columns)
        db.execute(f"INSERT INTO streams VALUES ({marks})", [row[c] for c in columns])
        db.commit()

    async def scenario() -> None:
        await _open(window)
        session.prefs.set("notifications", True)
        session.prefs.set("running_dry_minutes", 60)
        session.switch_account("me")  # rules from a baseline of the index as it is
        await session.rules_ready()
        await until(lambda: window.account_box.currentData() == "me")
        assert tray.shown == []
        # A new incoming stream.
        mine_in = db.execute(
            "SELECT stream_id FROM streams WHERE recipient = ? AND status = 'active' LIMIT 1",
            (ME,),
        ).fetchone()[0]
        copy_stream(mine_in, 10_001, sender=OTHER, recipient=ME, withdrawn_amount=encode_i128(0))
        session.streams_changed(frozenset({10_001}))
        await until(lambda: len(tray.shown) == 1)
        # A withdrawal from it, then its cancellation.
        db.execute(
            "UPDATE streams SET withdrawn_amount = ? WHERE stream_id = 10001", (encode_i128(5),)
        )
        db.commit()
        session.streams_changed(frozenset({10_001}))
        await until(lambda: len(tray.shown) == 2)
        db.execute("UPDATE streams SET status = 'cancelled', is_active = 0 WHERE stream_id = 10001")
        db.commit()
        session.streams_changed(frozenset({10_001}))
        await until(lambda: len(tray.shown) == 3)
        # An outgoing stream of mine that ends within the hour: warned once.
        copy_stream(
            mine_in,
            10_002,
            sender=ME,
            recipient=OTHER,
            is_active=1,
            paused=0,
            paused_at=None,
            status="active",
            # 1 unit a second, 3,600 deposited from half an hour ago: dry in 30 minutes.
            rate_per_second=encode_i128(1),
            deposited_amount=encode_i128(3_600),
            withdrawn_amount=encode_i128(0),
            start_time=NOW - 1_800,
            last_update_time=NOW - 1_800,
            end_time=encode_i128(NOW + 1_800),
        )
        session.streams_changed(frozenset({10_002}))  # known now; created by me: no notice
        await session.check_running_dry()
        await until(lambda: len(tray.shown) == 4)
        await session.check_running_dry()
        # Notifications off: the rules still run, nothing is shown.
        session.prefs.set("notifications", False)
        db.execute("UPDATE streams SET status = 'cancelled', is_active = 0 WHERE stream_id = 10002")
        db.commit()
        session.streams_changed(frozenset({10_002}))
        await settle(window)
        await window.shutdown()

    run(scenario())
    kinds = [n.kind for n in tray.shown]
    assert kinds == ["incoming_created", "withdrawn", "cancelled", "running_dry"]
    incoming, withdrawn, cancelled, dry = tray.shown
    assert incoming.stream_id == 10_001
    assert "New incoming stream" in incoming.title
    assert OTHER[:5] in incoming.text
    assert "withdrawn from stream #10001" in withdrawn.text
    assert "cancelled stream #10001" in cancelled.text
    assert dry.stream_id == 10_002
    assert "ends in about 30 min" in dry.text
    db.close()


def test_auto_lock_after_idle_and_activity_resets_it(tmp_path: Path, qtbot, run) -> None:  # type: ignore[no-untyped-def]
    demo_data_dir(tmp_path, 50)
    window = _window(tmp_path, qtbot)
    session = window.session
    session.prefs.set("auto_lock_minutes", 5)
    idle = window.idle
    clock = Clock(1_000.0)
    idle.clock = clock
    idle.last_input = clock()

    checks: list[float] = []
    idle.timer.timeout.connect(lambda: checks.append(clock.t))

    async def some_checks() -> None:
        """Lets the real timer run its check a few more times."""
        n = len(checks)
        await until(lambda: len(checks) >= n + 3)

    async def scenario() -> None:
        await _open(window)
        session.set_lock(False)  # as after an unlock
        await until(lambda: window.lock_label.text() == "Unlocked")
        idle.timer.setInterval(10)  # the real timer, checking often
        clock.t += 4 * 60
        await some_checks()
        assert not session.locked  # 4 of 5 minutes idle
        # Activity, delivered as the platform delivers it: to the window, which hands it to
        # its widgets. (Not QTest's window path: it processes events re-entrantly, inside
        # this coroutine's step, which the qasync loop does not survive.)
        _key(window.windowHandle(), Qt.Key.Key_A, "a")
        assert idle.last_input == clock.t
        clock.t += 4 * 60  # 8 min since the start, 4 since the key
        await some_checks()
        assert not session.locked
        clock.t += 61
        await until(lambda: session.locked)
        await until(lambda: window.lock_label.text() == "Locked")
        assert window.lock_action.text() == "Unlock…"
        await window.shutdown()

    run(scenario())


def _key(target: QObject, key: Qt.Key, text: str) -> None:
    """A key press as the platform delivers it (to a window) or as Qt's own machinery passes
    it on (to a widget)."""
    QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyPress, key, NO_MODIFIER, text))


def _mouse(window: QWindow, kind: QEvent.Type) -> None:
    pos = QPointF(3, 3)
    button = Qt.MouseButton.LeftButton if kind == QEvent.Type.MouseButtonPress else NO_BUTTON
    QApplication.sendEvent(window, QMouseEvent(kind, pos, pos, button, button, NO_MODIFIER))


NO_MODIFIER = Qt.KeyboardModifier.NoModifier
NO_BUTTON = Qt.MouseButton.NoButton


def test_idle_watcher_notes_input_to_every_top_level_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    clock = Clock(100.0)
    idled: list[float] = []
    main = QMainWindow()
    qtbot.addWidget(main)
    field = QLineEdit(main)
    main.setCentralWidget(field)
    watcher = IdleWatcher(lambda: 1, lambda: idled.append(clock.t), main, clock=clock)
    watcher.timer.stop()  # checks are run by hand here
    main.show()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is main.windowHandle())
    field.setFocus()
    watcher.watch(main.windowHandle())  # as MainWindow.showEvent does

    clock.t = 110.0
    _key(main.windowHandle(), Qt.Key.Key_A, "a")
    assert watcher.last_input == 110.0
    assert field.text() == "a"  # the key went on to the widget: noted, not swallowed
    clock.t = 120.0
    _mouse(main.windowHandle(), QEvent.Type.MouseMove)
    assert watcher.last_input == 120.0

    # A dialog opened later is watched from when it gets focus.
    dialog = QDialog(main)
    entry = QLineEdit(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
    clock.t = 130.0
    _key(dialog.windowHandle(), Qt.Key.Key_B, "b")
    assert watcher.last_input == 130.0
    assert entry.text() == "b"
    dialog.close()

    # A window that never got focus (offscreen gives every shown window focus: the filter
    # is taken off by hand here) is picked up at the next check.
    tool = QWidget()
    qtbot.addWidget(tool)
    with qtbot.waitExposed(tool):
        tool.show()
    tool.windowHandle().removeEventFilter(watcher)
    clock.t = 135.0
    _mouse(tool.windowHandle(), QEvent.Type.MouseButtonPress)
    assert watcher.last_input == 130.0  # not watched yet
    watcher.check()
    clock.t = 140.0
    _mouse(tool.windowHandle(), QEvent.Type.MouseButtonPress)
    assert watcher.last_input == 140.0

    # Not an application-wide filter: an event sent straight to a widget, as Qt's own
    # machinery does all the time, does not reach Python.
    clock.t = 150.0
    _key(field, Qt.Key.Key_C, "c")
    assert field.text() == "ac"
    assert watcher.last_input == 140.0

    clock.t = 140.0 + 59
    watcher.check()
    assert idled == []
    clock.t = 140.0 + 60
    watcher.check()
    assert idled == [200.0]
    assert watcher.last_input == 200.0  # counted afresh after the idle action


def test_first_run_imports_a_phrase_and_enters_an_existing_contract(  # type: ignore[no-untyped-def]
    tmp_path: Path, qtbot, run
) -> None:
    window = _window(tmp_path, qtbot)
    session = window.session
    contract = TOKEN  # any valid C... id

    async def scenario() -> None:
        await _open(window)
        assert "No account yet" in window.dashboard.empty.text()
        wizard = window.open_first_run()
        assert wizard.page() == "network"
        wizard.next.click()
        assert wizard.page() == "account"
        assert not wizard.next.isEnabled()  # an account first
        wizard.import_button.click()
        await until(lambda: getattr(window, "last_account_dialog", None) is not None)
        dialog = window.last_account_dialog
        await until(dialog.isVisible)
        assert dialog.mode.currentData() == "import_mnemonic"
        dialog.name.setText("imported")
        dialog.password.setText(PASSWORD)
        dialog.confirm.setText(PASSWORD)
        dialog.mnemonic.setPlainText(PHRASE)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok.isEnabled(), dialog.error.text()
        ok.click()
        await until(lambda: wizard.account_name == "imported", timeout=20)
        assert session.account is not None
        assert session.account.address == PHRASE_ADDRESS
        assert not session.account.watch_only
        assert "imported" in wizard.status.text()
        wizard.next.click()
        assert wizard.page() == "fund"
        wizard.next.click()
        assert wizard.page() == "contract"
        assert "No stream contract" in wizard.contract_text.text()
        wizard.contract_edit.setText("CNOTACONTRACT")
        wizard.use_button.click()
        await until(wizard.status.text)  # refused, saying why
        assert "contract" in wizard.status.text().lower()
        assert not session.network.contract_id
        wizard.contract_edit.setText(contract)
        wizard.use_button.click()
        await until(lambda: wizard.contract_id == contract)
        await until(lambda: not wizard.busy)
        assert session.network.contract_id == contract
        assert Networks(SettingsFile(tmp_path)).get("local").contract_id == contract
        assert session.contract_ref is not None
        wizard.next.click()
        assert wizard.page() == "done"
        assert contract in wizard.done_text.text()
        wizard.next.click()  # Finish
        await until(lambda: not wizard.isVisible())
        assert session.prefs.get("first_run_done")
        await settle(window)
        assert "No streams for this account yet" in window.dashboard.empty.text()
        assert window.account_box.currentData() == "imported"
        await window.shutdown()

    run(scenario())


def _lightness(app: QApplication) -> int:
    return app.palette().window().color().lightness()


def test_theme_switching_from_settings_changes_the_palette(  # type: ignore[no-untyped-def]
    tmp_path: Path, qtbot, qapp, run
) -> None:
    window = _window(tmp_path, qtbot)
    session = window.session

    async def choose(mode: str) -> None:
        window.open_settings()
        dialog = window.last_settings_dialog
        await until(dialog.isVisible)
        editor = dialog.pref_editors["theme"]
        editor.setCurrentIndex(editor.findData(mode))  # type: ignore[attr-defined]
        dialog.save()
        await until(lambda: not dialog.isVisible())
        # The settings coroutine applies the saved theme once the dialog has closed.
        await until(lambda: not any(t.get_name() == "settings" for t in tasks.running()))
        assert session.prefs.get("theme") == mode

    async def scenario() -> tuple[int, int, str, str]:
        await _open(window)
        chart = window.detail.chart
        await choose("dark")
        dark = _lightness(qapp)
        dark_text = qapp.palette().windowText().color().name()
        assert chart.accrued.opts["pen"].color().name() == theme.DARK.accrued  # restyled
        assert chart.plot.getAxis("left").textPen().color().name() == dark_text
        await choose("light")
        light = _lightness(qapp)
        light_text = qapp.palette().windowText().color().name()
        assert chart.accrued.opts["pen"].color().name() == theme.LIGHT.accrued
        await window.shutdown()
        return dark, light, dark_text, light_text

    try:
        dark, light, dark_text, light_text = run(scenario())
    finally:
        theme.apply_theme(qapp, "system")
    assert dark < 80
    assert light > 200
    assert dark_text != light_text


def _tab_stops(start: QWidget) -> list[QWidget]:
    """The widgets Tab visits from ``start`` around the window (visible, enabled, tab-focus)."""
    seen: list[QWidget] = [start]
    widget = start.nextInFocusChain()
    while widget is not start:
        if (
            widget.isVisible()
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            seen.append(widget)
        widget = widget.nextInFocusChain()
    return seen


def test_keyboard_tab_order_and_shortcuts(tmp_path: Path, qtbot, run) -> None:  # type: ignore[no-untyped-def]
    demo_data_dir(tmp_path, 300)
    window = _window(tmp_path, qtbot)
    view = window.streams

    async def scenario() -> None:
        await _open(window)
        window.activateWindow()
        await until(window.isActiveWindow)
        # Shortcuts of the navigation (Ctrl+1..5), Find (Ctrl+F), Back (Alt+Left).
        for key, page in (
            (Qt.Key.Key_2, "incoming"),
            (Qt.Key.Key_3, "outgoing"),
            (Qt.Key.Key_4, "all"),
            (Qt.Key.Key_5, "receive"),
            (Qt.Key.Key_1, "dashboard"),
        ):
            qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
            assert window._page == page
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert window._page == "all"
        await until(view.search.hasFocus)
        qtbot.keyClicks(view.search, "12")
        await until(lambda: view.model.query.search == "12")
        await settle(window)
        # Tab from the search field reaches the table; Enter on a row opens its detail.
        qtbot.keyClick(view.search, Qt.Key.Key_Tab)
        await until(view.table.hasFocus)
        view.table.setCurrentIndex(view.model.index(0, 0))
        first = view.model.stream_at(0)
        assert first is not None
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
        assert window._page == "detail"
        assert window.detail.stream is not None
        assert window.detail.stream.stream_id == first.stream_id
        qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
        await until(lambda: window._page == "all")  # a button's shortcut clicks it animated
        # Settings (Ctrl+,) opens the settings dialog.
        qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: getattr(window, "last_settings_dialog", None) is not None)
        dialog = window.last_settings_dialog
        await until(dialog.isVisible)
        dialog.reject()
        await until(lambda: not dialog.isVisible())
        await window.shutdown()

    run(scenario())
    # Tab reaches the main controls, the list's in reading order.
    chain = _tab_stops(window.nav)
    assert window.account_box in chain
    order = [chain.index(w) for w in (view.role, view.status, view.search, view.table)]
    assert order == sorted(order)
