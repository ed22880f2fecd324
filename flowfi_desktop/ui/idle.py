"""Auto-lock after the user has been idle: an application-wide event filter notes input."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer

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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self.last_input = self.clock()
        return False

    def check(self) -> None:
        minutes = self.minutes()
        if minutes > 0 and self.clock() - self.last_input >= minutes * 60:
            self.last_input = self.clock()
            self.on_idle()
