"""Starts the Qt application on one qasync event loop and shows the main window."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from pathlib import Path

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from flowfi_desktop import APP_ID, APP_NAME, __version__
from flowfi_desktop.app.session import AppSession
from flowfi_desktop.logs import setup_logging
from flowfi_desktop.paths import data_dir as resolve_data_dir
from flowfi_desktop.ui import tasks, theme
from flowfi_desktop.ui.bridge import Bridge
from flowfi_desktop.ui.crash import install_crash_handlers
from flowfi_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def make_app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    theme.setup_high_dpi()
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(theme.app_icon())
    return app


def build_window(
    data_dir: Path, log_path: Path | None = None, *, tray: bool = True, first_run: bool = True
) -> tuple[MainWindow, AppSession, Bridge]:
    """The session, its bridge and the window (not shown, not started)."""
    session = AppSession(data_dir)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        theme.apply_theme(app, str(session.prefs.get("theme")))
    bridge = Bridge()
    bridge.attach(session.events.subscribe)
    window = MainWindow(session, bridge, log_path=log_path, tray=tray, first_run=first_run)
    # Everything imported and built so far lives as long as the app: keep it out of the cyclic
    # collector's full passes. Without this, a worker thread allocating many objects (a
    # 50,000-row "Claimable now" sort) triggers full collections over the whole heap that hold
    # the GIL, and so the GUI thread, for 200+ ms.
    gc.collect()
    gc.freeze()
    return window, session, bridge


def run_gui(
    screenshot: str | None = None,
    quit_after: float | None = None,
    data_dir: Path | None = None,
) -> int:
    folder = resolve_data_dir(data_dir)
    log_path = setup_logging(folder / "logs")
    install_crash_handlers(log_path)
    log.info("%s %s starting", APP_NAME, __version__)
    app = make_app()
    # Qt must not end the loop by itself when the window closes: _main shuts down first.
    app.setQuitOnLastWindowClosed(False)
    # A screenshot run (packaging smoke tests) shows the window as it is, without the welcome.
    window, _session, _bridge = build_window(folder, log_path, first_run=screenshot is None)
    window.show()

    def finish() -> None:
        if screenshot:
            window.grab().save(screenshot)
        window.close()

    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), finish)

    # Python 3.11 has no asyncio.run(loop_factory=...): the Runner carries the qasync loop.
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(_main(app, window))
    return 0


async def _main(app: QApplication, window: MainWindow) -> None:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_closed() -> None:
        if not done.done():
            done.set_result(None)

    window.closed.connect(on_closed)
    app.aboutToQuit.connect(on_closed)
    tasks.spawn(window.start(), name="start")
    await done
    await tasks.cancel_all()
    await window.shutdown()
