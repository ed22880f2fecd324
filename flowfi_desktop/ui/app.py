"""Starts the Qt application on one qasync event loop and shows the main window."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from flowfi_desktop import APP_ID, APP_NAME, __version__
from flowfi_desktop.logs import setup_logging
from flowfi_desktop.paths import data_dir as resolve_data_dir
from flowfi_desktop.ui.crash import install_crash_handlers
from flowfi_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def run_gui(
    screenshot: str | None = None,
    quit_after: float | None = None,
    data_dir: Path | None = None,
) -> int:
    log_path = setup_logging(resolve_data_dir(data_dir) / "logs")
    install_crash_handlers(log_path)
    log.info("%s %s starting", APP_NAME, __version__)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)

    window = MainWindow()
    window.show()

    def finish() -> None:
        if screenshot:
            window.grab().save(screenshot)
        app.quit()

    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), finish)

    # Python 3.11 has no asyncio.run(loop_factory=...): the Runner carries the qasync loop.
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(_until_quit(app))
    return 0


async def _until_quit(app: QApplication) -> None:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_about_to_quit() -> None:
        if not done.done():
            done.set_result(None)

    app.aboutToQuit.connect(on_about_to_quit)
    await done
