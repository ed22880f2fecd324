"""Auto-lock after the user has been idle: an event filter on each top-level window notes input.

Input from the platform (keys, mouse, wheel, touch) reaches a top-level ``QWindow`` first, which
hands it to its widgets, so a filter on every top-level window sees all of the user's input.
It is deliberately not an application-wide filter: with one installed on the ``QApplication``,
PySide calls into Python for every event to every object in the app (each paint, layout,
polish, show, timer...), which cost ~10 ms of GUI thread each time a dialog opened (measured:
reopening the action dialog 12.4 ms with it, 2.1 ms without; the password dialog 14.8 -> 3.2).

Windows appear over time (dialogs, menus, pop-ups): they are picked up when they get focus,
when ``watch`` is called (the main window does, when it is shown), and at each check (every 5 s)
for any other. Installing the filter again on a window is harmless: Qt keeps one entry."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication, QWindow

_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    def __init__(
        self,
        minutes: Callable[[], int],
        on_idle: Callable[[], None],
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        check_ms: int = 5_000,
    ) -> None:
        super().__init__(parent)
        self.minutes, self.on_idle, self.clock = minutes, on_idle, clock
        self.last_input = clock()
        self.timer = QTimer(self)
        self.timer.setInterval(check_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self.watch)
        self.watch_all()

    def watch(self, window: QWindow | None) -> None:
        """Notes the input of ``window`` from now on."""
        if window is not None:
            window.installEventFilter(self)

    def watch_all(self) -> None:
        """Notes the input of every top-level window there is now."""
        for window in QGuiApplication.topLevelWindows():
            window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self.last_input = self.clock()
        return False

    def check(self) -> None:
        self.watch_all()
        minutes = self.minutes()
        if minutes > 0 and self.clock() - self.last_input >= minutes * 60:
            self.last_input = self.clock()
            self.on_idle()
