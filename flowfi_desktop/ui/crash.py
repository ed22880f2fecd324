"""Crash handling for the GUI: uncaught exceptions are logged (redacted) and shown in a dialog;
Qt's own warnings go into our log instead of stderr (qutebrowser does the same)."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from flowfi_desktop.logs import log_uncaught, redact

_qt_log = logging.getLogger("flowfi_desktop.qt")
_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
# Harmless platform-plugin chatter that says nothing about our app.
_IGNORED_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)


def qt_message_handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    if message in _IGNORED_QT_MESSAGES:
        return
    where = f" ({context.file}:{context.line})" if context.file else ""
    _qt_log.log(_LEVELS.get(mode, logging.WARNING), "%s%s", message, where)


# Dialogs shown from the hook have no parent: keep them alive until the user closes them.
_open_dialogs: list[QMessageBox] = []

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def make_excepthook(log_path: Path | None, show_dialog: bool = True) -> ExceptHook:
    """An excepthook that logs the exception and, with a running app, tells the user."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log_uncaught(exc_type, exc, tb)
        app = QApplication.instance()
        if not show_dialog or app is None:
            return
        details = redact("".join(traceback.format_exception(exc_type, exc, tb)))
        box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong", "")
        box.setText(
            "FlowFi Desktop hit an unexpected error. Your keys and data are safe; "
            "the action that failed did not complete."
        )
        where = f"\n\nThe details are in the log: {log_path}" if log_path else ""
        box.setInformativeText(f"{exc_type.__name__}: {redact(str(exc))}{where}")
        box.setDetailedText(details)
        _open_dialogs.append(box)
        box.finished.connect(lambda _result: _open_dialogs.remove(box))
        box.open()  # not exec(): never block the event loop

    return hook


def install_crash_handlers(log_path: Path | None, show_dialog: bool = True) -> None:
    qInstallMessageHandler(qt_message_handler)
    sys.excepthook = make_excepthook(log_path, show_dialog)
