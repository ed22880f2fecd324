"""One stream: what it is (copyable addresses), where it stands (honest derived state, live
figures), its chart and its event history, and the actions its sender or recipient may take."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from flowfi_desktop.app.dashboard import claimable, end_time, still_to_stream
from flowfi_desktop.app.derived import derive
from flowfi_desktop.app.queries import EventRow, StreamRow
from flowfi_desktop.app.tokenbook import TokenBook
from flowfi_desktop.durations import format_duration
from flowfi_desktop.ui.chart import StreamChart
from flowfi_desktop.ui.stream_model import fmt_time
from flowfi_desktop.ui.widgets import CopyableValue, FigureCard, label

EVENT_NAMES = {
    "stream_created": "Created",
    "stream_topped_up": "Topped up",
    "tokens_withdrawn": "Withdrawn",
    "stream_paused": "Paused",
    "stream_resumed": "Resumed",
    "stream_cancelled": "Cancelled",
    "stream_completed": "Completed",
    "fee_collected": "Fee collected",
}


def describe_event(e: EventRow, tokens: TokenBook, token: str) -> str:
    f = e.fields

    def amount(key: str) -> str:
        return tokens.format(token, int(f.get(key, 0)))

    if e.type == "stream_created":
        return f"{amount('deposited_amount')} at {amount('rate_per_second')} / s"
    if e.type == "stream_topped_up":
        return f"+{amount('amount')} (now {amount('new_deposited_amount')})"
    if e.type == "tokens_withdrawn":
        return amount("amount")
    if e.type == "stream_cancelled":
        return f"paid out {amount('amount_withdrawn')}, refunded {amount('refunded_amount')}"
    if e.type == "stream_completed":
        return f"total withdrawn {amount('total_withdrawn')}"
    if e.type == "fee_collected":
        return amount("fee_amount")
    return ""


class StreamDetail(QWidget):
    back_requested = Signal()
    action_requested = Signal(str, int)  # (withdraw|top_up|pause|resume|cancel, stream id)

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.stream: StreamRow | None = None
        self.tokens: TokenBook | None = None
        self.addresses: tuple[str, ...] = ()

        self.back = QPushButton("← Back", self)
        self.back.setShortcut("Alt+Left")
        self.back.setToolTip("Back to the list (Alt+Left)")
        self.back.clicked.connect(self.back_requested)
        self.title = label("", "title", self)
        self.badge = label("", "badge", self)
        self.state_detail = label("", "muted", self)
        self.state_detail.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.back)
        top.addSpacing(8)
        top.addWidget(self.title)
        top.addWidget(self.badge)
        top.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        self.tips: dict[str, str] = {}
        self.cannot_sign: str | None = None  # why this account cannot sign (watch-only)
        for key, text, tip in (
            ("withdraw", "Withdraw", "Withdraw what has accrued to you"),
            ("top_up", "Top up…", "Add tokens to keep the stream flowing longer"),
            ("pause", "Pause", "Freeze accrual until resumed"),
            ("resume", "Resume", "Continue accrual; the end moves by the pause"),
            ("cancel", "Cancel stream…", "Pay out what has accrued and refund the rest"),
        ):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            self.tips[key] = tip
            button.clicked.connect(lambda _c=False, k=key: self._request(k))
            self.buttons[key] = button
            top.addWidget(button)

        self.sender_value = CopyableValue(parent=self)
        self.recipient_value = CopyableValue(parent=self)
        self.token_value = CopyableValue(parent=self)
        self.rate = label("", None, self)
        self.times = label("", None, self)
        self.fees = label("", None, self)
        form = QFormLayout()
        form.addRow("Sender", self.sender_value)
        form.addRow("Recipient", self.recipient_value)
        form.addRow("Token", self.token_value)
        form.addRow("Rate", self.rate)
        form.addRow("Time", self.times)
        form.addRow("Fees / refund", self.fees)

        self.cards = {
            "accrued": FigureCard("Streamed so far", self),
            "claimable": FigureCard("Withdrawable now", self),
            "withdrawn": FigureCard("Withdrawn", self),
            "remaining": FigureCard("Still to stream", self),
        }
        cards = QGridLayout()
        for i, card in enumerate(self.cards.values()):
            cards.addWidget(card, 0, i)

        self.chart = StreamChart(self, clock=clock)
        self.history = QTableWidget(0, 4, self)
        self.history.setHorizontalHeaderLabels(["Time", "Event", "Details", "Transaction"])
        self.history.verticalHeader().setVisible(False)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.history.setColumnWidth(0, 150)
        self.history.setColumnWidth(1, 110)
        self.history.setColumnWidth(3, 200)
        self.history.setToolTip("Select a row and press Ctrl+C to copy its transaction hash")
        self.history.itemSelectionChanged.connect(self._copy_ready)

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.chart)
        split.addWidget(self.history)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(top)
        layout.addWidget(self.state_detail)
        layout.addLayout(form)
        layout.addLayout(cards)
        layout.addWidget(split, 1)

        self.ticker = QTimer(self)
        self.ticker.setInterval(100)
        self.ticker.timeout.connect(self.tick)
        self.events: list[EventRow] = []

    def show_stream(
        self,
        stream: StreamRow,
        events: list[EventRow],
        tokens: TokenBook,
        addresses: tuple[str, ...],
        *,
        cannot_sign: str | None = None,
    ) -> None:
        """``cannot_sign``: why the account cannot sign (its actions are then disabled)."""
        self.stream, self.tokens, self.addresses, self.events = stream, tokens, addresses, events
        self.cannot_sign = cannot_sign
        meta = tokens.meta(stream.token_address)
        self.title.setText(f"Stream #{stream.stream_id}")
        self.sender_value.set_text(stream.sender)
        self.recipient_value.set_text(stream.recipient)
        self.token_value.set_text(stream.token_address)
        self.token_value.value.setToolTip(meta.label)
        self.rate.setText(
            f"{tokens.format(stream.token_address, stream.rate_per_second)} per second "
            f"({tokens.format(stream.token_address, stream.rate_per_second * 86_400)} per day)"
        )
        self.fees.setText(
            f"fees paid {tokens.format(stream.token_address, stream.fees_paid)}; "
            f"refunded {tokens.format(stream.token_address, stream.refunded_amount)}"
        )
        self.history.setRowCount(len(events))
        for r, e in enumerate(reversed(events)):
            items = (
                datetime.fromtimestamp(e.close_time).strftime("%Y-%m-%d %H:%M:%S"),
                EVENT_NAMES.get(e.type, e.type),
                describe_event(e, tokens, stream.token_address),
                e.tx_hash,
            )
            for c, text in enumerate(items):
                item = QTableWidgetItem(text)
                if c == 3:
                    item.setToolTip(f"Transaction {e.tx_hash}\nEvent {e.id}, ledger {e.ledger}")
                self.history.setItem(r, c, item)
        self.chart.show_stream(stream, events, meta.decimals)
        self._update_buttons()
        self.tick()
        self.ticker.start()

    def created_deposit(self) -> int | None:
        for e in self.events:
            if e.type == "stream_created":
                return int(e.fields.get("deposited_amount", 0))
        return None

    def _update_buttons(self) -> None:
        s = self.stream
        if s is None:
            return
        now = int(self.clock())
        mine_out = s.sender in self.addresses
        mine_in = s.recipient in self.addresses
        self.buttons["withdraw"].setVisible(mine_in)
        self.buttons["withdraw"].setEnabled(s.is_active and not s.paused and claimable(s, now) > 0)
        for key in ("top_up", "pause", "resume", "cancel"):
            self.buttons[key].setVisible(mine_out)
        self.buttons["top_up"].setEnabled(s.is_active)
        self.buttons["pause"].setEnabled(s.is_active and not s.paused)
        self.buttons["resume"].setEnabled(s.is_active and s.paused)
        self.buttons["cancel"].setEnabled(s.is_active)
        for key, button in self.buttons.items():
            if self.cannot_sign is not None:
                button.setEnabled(False)
                button.setToolTip(f"{self.tips[key]}. Not possible here: {self.cannot_sign}")
            else:
                button.setToolTip(self.tips[key])

    def tick(self) -> None:
        s, tokens = self.stream, self.tokens
        if s is None or tokens is None:
            return
        now = int(self.clock())
        state = derive(s, now, self.created_deposit())
        self.badge.setText(state.label)
        self.badge.setToolTip(state.detail)
        self.state_detail.setText(state.detail[:1].upper() + state.detail[1:] + ".")
        token = s.token_address
        accrued = s.withdrawn_amount + claimable(s, now)
        self.cards["accrued"].set(
            tokens.format_fixed(token, accrued), f"of {tokens.format(token, s.deposited_amount)}"
        )
        self.cards["claimable"].set(tokens.format_fixed(token, claimable(s, now)))
        self.cards["withdrawn"].set(tokens.format_fixed(token, s.withdrawn_amount))
        self.cards["remaining"].set(tokens.format_fixed(token, still_to_stream(s, now)))
        end = end_time(s, now)
        if s.is_active and not s.paused and end > now:
            left = f"ends {fmt_time(end)} (in {format_duration(end - now)})"
        elif s.is_active and s.paused:
            left = f"paused; would end {fmt_time(end)} if resumed now"
        else:
            left = f"ended {fmt_time(end)}"
        self.times.setText(f"started {fmt_time(s.start_time)}; {left}")
        self._update_buttons()

    def stop(self) -> None:
        self.ticker.stop()
        self.chart.stop()

    def _request(self, key: str) -> None:
        if self.stream is not None:
            self.action_requested.emit(key, self.stream.stream_id)

    def _copy_ready(self) -> None:
        rows = self.history.selectionModel().selectedRows()
        if rows:
            item = self.history.item(rows[0].row(), 3)
            if item is not None:
                self.history.setProperty("selected_hash", item.text())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy) and self.history.hasFocus():
            value = self.history.property("selected_hash")
            if value:
                QGuiApplication.clipboard().setText(str(value))
                return
        super().keyPressEvent(event)
