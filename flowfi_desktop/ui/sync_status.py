"""The status bar's network and sync status: always visible. A progress bar while catching up,
the last synced ledger and time when caught up, the error with a Retry button when it fails."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from flowfi_desktop.app.events import SyncProgressed, SyncStatusChanged

TROUBLE = ("failed", "unavailable", "retrying", "gap")


class SyncStatusBar(QWidget):
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network = QLabel(self)
        self.network.setProperty("role", "badge")
        self.network.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.progress = QProgressBar(self)
        self.progress.setFixedWidth(160)
        self.progress.setVisible(False)
        self.text = QLabel("Not synced yet", self)
        self.retry = QPushButton("Retry", self)
        self.retry.setToolTip("Try to sync again now")
        self.retry.setVisible(False)
        self.retry.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.retry.clicked.connect(self.retry_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.network)
        layout.addWidget(self.progress)
        layout.addWidget(self.text)
        layout.addWidget(self.retry)
        layout.addStretch(1)
        self.state = "stopped"
        self.ledger = 0
        self.latest = 0
        self.synced_at: int | None = None
        self._start_ledger: int | None = None

    def set_network(self, name: str, rpc_url: str) -> None:
        self.network.setText(name)
        self.network.setToolTip(f"Network {name}\nRPC {rpc_url}")

    def on_progress(self, p: SyncProgressed) -> None:
        self.ledger, self.latest = p.ledger, p.latest_ledger
        if self._start_ledger is None or p.ledger < self._start_ledger:
            self._start_ledger = p.ledger
        behind = p.latest_ledger - p.ledger
        if behind > 1:
            span = max(p.latest_ledger - self._start_ledger, 1)
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * (p.ledger - self._start_ledger) / span))
            self.progress.setFormat(f"{behind:,} ledgers to go")
            self.progress.setVisible(True)
            self.text.setText(
                f"Catching up: ledger {p.ledger:,} of {p.latest_ledger:,} "
                f"({p.events_indexed:,} events)"
            )
        else:
            self.progress.setVisible(False)
            self._render_caught_up()

    def on_status(self, s: SyncStatusChanged) -> None:
        self.state = s.state
        if s.last_ledger:
            self.ledger = max(self.ledger, s.last_ledger)
        if s.synced_at is not None:
            self.synced_at = s.synced_at
        trouble = s.state in TROUBLE
        self.retry.setVisible(trouble)
        self.text.setProperty("role", "error" if s.state in ("failed", "unavailable") else None)
        self.text.style().unpolish(self.text)
        self.text.style().polish(self.text)
        if s.state == "caught_up":
            self.progress.setVisible(False)
            self._start_ledger = None
            self._render_caught_up()
        elif s.state == "syncing":
            self.text.setText(s.message[:1].upper() + s.message[1:] if s.message else "Syncing…")
        else:
            self.progress.setVisible(False)
            self.text.setText(s.message[:1].upper() + s.message[1:])
        self.text.setToolTip(s.message)

    def _render_caught_up(self) -> None:
        when = (
            datetime.fromtimestamp(self.synced_at).strftime("%H:%M:%S")
            if self.synced_at
            else "just now"
        )
        self.text.setText(f"Synced to ledger {self.ledger:,} at {when}")
