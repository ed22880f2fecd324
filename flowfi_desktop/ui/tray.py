"""The system tray icon: show/hide the window, quick actions, and desktop notifications."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from flowfi_desktop import APP_NAME
from flowfi_desktop.app.events import NoticeRaised
from flowfi_desktop.ui.theme import app_icon


class Tray(QSystemTrayIcon):
    show_requested = Signal()
    quit_requested = Signal()
    lock_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(app_icon(), parent)
        self.setToolTip(APP_NAME)
        menu = QMenu(parent)
        menu.addAction("Show FlowFi Desktop", lambda: self.show_requested.emit())
        menu.addAction("Lock", lambda: self.lock_requested.emit())
        menu.addSeparator()
        menu.addAction("Quit", lambda: self.quit_requested.emit())
        self.setContextMenu(menu)
        self._menu = menu
        self.activated.connect(self._on_activated)
        self.shown: list[NoticeRaised] = []  # what was notified (tests, and "recent" menu later)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.show_requested.emit()

    def notify(self, notice: NoticeRaised) -> None:
        self.shown.append(notice)
        if QSystemTrayIcon.isSystemTrayAvailable() and self.isVisible():
            self.showMessage(
                notice.title, notice.text, QSystemTrayIcon.MessageIcon.Information, 8000
            )
