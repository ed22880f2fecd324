"""spawn(), the bridge and its rate limiting, and the themes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel

from flowfi_desktop.app.events import (
    EventHub,
    LockChanged,
    NoticeRaised,
    StreamsChanged,
    SyncProgressed,
    SyncStatusChanged,
)
from flowfi_desktop.ui import tasks, theme
from flowfi_desktop.ui.bridge import Bridge, RateLimited


def test_spawn_keeps_a_reference_and_routes_failures(run, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda _t, exc, _tb: seen.append(exc))

    async def fails() -> None:
        await asyncio.sleep(0)
        raise RuntimeError("boom")

    async def works() -> int:
        await asyncio.sleep(0)
        return 7

    async def scenario() -> None:
        bad = tasks.spawn(fails(), name="bad")
        good = tasks.spawn(works())
        assert bad in tasks.running()
        assert good in tasks.running()
        assert await good == 7
        await asyncio.gather(bad, return_exceptions=True)
        await asyncio.sleep(0)

    run(scenario())
    assert [str(e) for e in seen] == ["boom"]
    assert not tasks.running()


def test_cancel_all_cancels_without_reporting(run, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda _t, exc, _tb: seen.append(exc))

    async def scenario() -> asyncio.Task[None]:
        task = tasks.spawn(asyncio.sleep(60))
        await asyncio.sleep(0)
        await tasks.cancel_all()
        return task

    task = run(scenario())
    assert task.cancelled()
    assert not seen
    assert not tasks.running()


def test_rate_limited_runs_first_call_at_once_then_folds(qtbot) -> None:
    calls: list[float] = []
    limiter = RateLimited(200, lambda: calls.append(time.monotonic()))
    limiter.request()
    assert len(calls) == 1
    for _ in range(50):
        limiter.request()
    assert len(calls) == 1
    assert limiter.pending
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=2000)
    assert calls[1] - calls[0] >= 0.18
    qtbot.wait(300)
    assert len(calls) == 2  # nothing pending: no extra run


def test_bridge_coalesces_stream_changes_from_another_thread(qtbot) -> None:
    hub = EventHub()
    bridge = Bridge(interval_ms=150)
    bridge.attach(hub.subscribe)
    batches: list[frozenset[int]] = []
    bridge.streams_changed.connect(batches.append)
    gui_thread = threading.current_thread()
    threads: list[threading.Thread] = []
    bridge.streams_changed.connect(lambda _ids: threads.append(threading.current_thread()))

    def produce() -> None:
        for i in range(1, 201):
            hub.emit(StreamsChanged(frozenset({i, i + 1})))

    worker = threading.Thread(target=produce)
    worker.start()
    worker.join()
    qtbot.waitUntil(
        lambda: bool(batches) and set().union(*batches) == set(range(1, 202)), timeout=3000
    )
    assert len(batches) <= 3  # 200 events -> a first refresh and one or two folded ones
    assert all(t is gui_thread for t in threads)


def test_bridge_forwards_status_notices_and_lock(qtbot) -> None:
    hub = EventHub()
    bridge = Bridge(interval_ms=50)
    bridge.attach(hub.subscribe)
    with (
        qtbot.waitSignal(bridge.sync_progressed) as progress,
        qtbot.waitSignal(bridge.sync_status_changed) as status,
    ):
        hub.emit(SyncProgressed(10, 20, 5))
        hub.emit(SyncStatusChanged("caught_up", "up to date", 20, 1))
    assert progress.args[0].ledger == 10
    assert status.args[0].state == "caught_up"
    with qtbot.waitSignal(bridge.notice_raised) as notice:
        hub.emit(NoticeRaised("withdrawn", "Withdrawal", "10 XLM", 3))
    assert notice.args[0].stream_id == 3
    with qtbot.waitSignal(bridge.lock_changed) as locked:
        hub.emit(LockChanged(True))
    assert locked.args == [True]
    bridge.detach_all()
    with qtbot.assertNotEmitted(bridge.lock_changed, wait=100):
        hub.emit(LockChanged(False))


def test_bridge_survives_a_failing_view(qtbot) -> None:
    hub = EventHub()
    good: list[object] = []
    hub.subscribe(lambda _e: (_ for _ in ()).throw(ValueError("bad listener")))
    hub.subscribe(good.append)
    hub.emit(LockChanged(True))
    assert good == [LockChanged(True)]


@pytest.mark.parametrize(("mode", "dark"), [("light", False), ("dark", True)])
def test_theme_palettes_are_readable(qapp: QApplication, mode: str, dark: bool) -> None:
    colors = theme.apply_theme(qapp, mode)
    assert colors.dark is dark
    palette = qapp.palette()
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    assert (base.lightness() < 128) is dark
    assert abs(text.lightness() - base.lightness()) > 150  # strong contrast either way
    assert 'QLabel[role="title"]' in qapp.styleSheet()
    label = QLabel("x")
    label.setProperty("role", "title")
    label.ensurePolished()
    theme.apply_theme(qapp, "light")


def test_system_theme_follows_the_platform(qapp: QApplication) -> None:
    colors = theme.apply_theme(qapp, "system")
    assert colors.dark is theme.system_is_dark()
    assert not theme.app_icon().isNull()
    theme.apply_theme(qapp, "light")


def test_many_void_qt_calls_do_not_free_none() -> None:
    """PySide6 6.12.0 on Python 3.11 loses a reference to None per call of a Qt method that
    returns nothing; without qtfix's workaround 300,000 calls (a bit over the references the
    app holds, ~25 minutes of an idle window) abort the interpreter ("none_dealloc")."""
    code = (
        "import flowfi_desktop.ui\n"
        "from PySide6.QtCore import QObject\n"
        "probe = QObject()\n"
        "for _ in range(300_000):\n"
        "    probe.setObjectName('probe')\n"
        "print('alive')\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "alive"
