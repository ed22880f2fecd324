"""The dashboard: per token, what has streamed in so far, what can be withdrawn now, what the
outgoing streams still have to stream and how long they last, all ticking live from local
arithmetic (the index is read once per change); and the active streams at a glance."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from flowfi_desktop.app.dashboard import Dashboard, TokenTotals
from flowfi_desktop.app.tokenbook import TokenBook
from flowfi_desktop.durations import format_duration
from flowfi_desktop.ui.stream_model import COLUMNS, ROLE_STREAM, StreamTableModel, fmt_time
from flowfi_desktop.ui.widgets import FigureCard, label

TICK_MS = 100
GLANCE_COLUMNS = ("id", "status", "direction", "token", "rate", "claimable", "end")


class TokenRow:
    def __init__(self, parent: QWidget, grid: QGridLayout, row: int) -> None:
        self.title = label("", "subtitle", parent)
        self.incoming = FigureCard(
            "Streamed in so far", parent, "Withdrawn plus withdrawable, over incoming streams"
        )
        self.withdrawable = FigureCard(
            "Withdrawable now", parent, "What a withdraw would pay now, over incoming streams"
        )
        self.outgoing = FigureCard(
            "Outgoing, still to stream", parent, "Deposited but not yet accrued, outgoing"
        )
        self.runway = FigureCard(
            "Runway", parent, "How long your active outgoing streams keep flowing"
        )
        grid.addWidget(self.title, row, 0, 1, 4)
        for column, card in enumerate(
            (self.incoming, self.withdrawable, self.outgoing, self.runway)
        ):
            grid.addWidget(card, row + 1, column)

    def widgets(self) -> list[QWidget]:
        return [self.title, self.incoming, self.withdrawable, self.outgoing, self.runway]

    def show(self, t: TokenTotals, tokens: TokenBook, now: int) -> None:
        token = t.token
        meta = tokens.meta(token)
        self.title.setText(
            f"<b>{meta.label}</b> · {t.active_incoming} incoming, "
            f"{t.active_outgoing} outgoing active"
        )
        self.title.setToolTip(token)
        per_day = 86_400
        self.incoming.set(
            tokens.format_fixed(token, t.incoming_streamed),
            f"+{tokens.format(token, t.incoming_rate * per_day)} / day"
            if t.incoming_rate
            else "not accruing",
        )
        self.withdrawable.set(tokens.format_fixed(token, t.withdrawable), meta.label)
        self.outgoing.set(
            tokens.format_fixed(token, t.outgoing_remaining),
            f"-{tokens.format(token, t.outgoing_rate * per_day)} / day"
            if t.outgoing_rate
            else "nothing flowing out",
        )
        runway = t.runway_seconds(now)
        if runway is None:
            self.runway.set("—", "no active outgoing stream")
        else:
            nxt = t.next_dry_at
            note = f"next runs dry {fmt_time(nxt)}" if nxt is not None else ""
            self.runway.set(format_duration(runway) if runway else "ended", note)


class DashboardView(QWidget):
    stream_activated = Signal(int)

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.dashboard = Dashboard(frozenset())
        self.tokens: TokenBook | None = None
        self.heading = label("Dashboard", "title", self)
        self.empty = label("", "muted", self)
        self.empty.setWordWrap(True)
        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(6)
        self.rows: dict[str, TokenRow] = {}
        self._layout: list[str] = []  # the tokens the rows are for, in order
        self._unbuilt: list[tuple[int, str]] = []  # (place, token) of rows still to build
        self._build_scheduled = False
        self._built_waiters: list[asyncio.Future[None]] = []

        self.glance_title = label("Active streams", "subtitle", self)
        self.glance_model = StreamTableModel(self, clock=clock)
        self.glance = QTableView(self)
        self.glance.setModel(self.glance_model)
        self.glance.verticalHeader().setVisible(False)
        self.glance.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.glance.setAlternatingRowColors(True)
        self.glance.setWordWrap(False)
        self.glance.horizontalHeader().setStretchLastSection(True)
        self.glance.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        keys = [k for k, _ in COLUMNS]
        for column, key in enumerate(keys):
            self.glance.setColumnHidden(column, key not in GLANCE_COLUMNS)
        self.glance.setColumnWidth(keys.index("status"), 190)
        self.glance.setColumnWidth(keys.index("claimable"), 150)
        self.glance.doubleClicked.connect(
            lambda index: self.stream_activated.emit(
                self.glance_model.data(index, ROLE_STREAM).stream_id
            )
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.grid_host)
        layout.addWidget(self.glance_title)
        layout.addWidget(self.glance, 100)
        layout.addStretch(1)  # takes the space when there is no table (empty states)

        self.glance_model.ids_loaded.connect(self._show_glance)
        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self.tick)
        self.ticker.start()
        self.ticks = 0

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.glance_model.resume()  # the index changes it was not shown

    def set_data(self, dashboard: Dashboard, tokens: TokenBook, message: str = "") -> None:
        self.dashboard, self.tokens = dashboard, tokens
        self.empty.setText(message)
        self.empty.setVisible(bool(message))
        self._show_glance()
        self.tick(force=True)

    def _show_glance(self) -> None:
        """The table of active streams, when there are some (its ids arrive from a worker)."""
        has_streams = self.glance_model.rowCount() > 0
        self.glance.setVisible(has_streams)
        self.glance_title.setVisible(has_streams)

    def tick(self, force: bool = False) -> None:
        if not (force or self.isVisible()) or self.tokens is None:
            return
        self.ticks += 1
        if self.glance.isVisible():
            top = max(self.glance.rowAt(0), 0)
            bottom = self.glance.rowAt(self.glance.viewport().height() - 1)
            self.glance_model.tick(top, bottom if bottom >= 0 else None)
        now = int(self.clock())
        totals = self.dashboard.totals(now)
        order = sorted(totals, key=lambda a: (a != self.tokens.native, a))  # type: ignore[union-attr]
        if order != self._layout:
            self._rebuild(order)
        for token, row in self.rows.items():
            row.show(totals[token], self.tokens, now)
        if not totals and not self.empty.text():
            self.empty.setText("No streams for this account yet. Create one with Ctrl+N.")
            self.empty.setVisible(True)

    def _rebuild(self, tokens: list[str]) -> None:
        """New rows for ``tokens``: the first now, the others one per turn of the loop. Each
        row is five widgets that Qt then polishes (the style sheet), lays out and paints for
        the first time, ~7 ms of the GUI thread for a row: three tokens at once held the loop
        ~20 ms, at the first refresh of a catch-up, next to the indexer's work on a page."""
        for row in self.rows.values():
            for widget in row.widgets():
                self.grid.removeWidget(widget)
                widget.deleteLater()
        self.rows = {}
        self._layout = tokens
        self._unbuilt = list(enumerate(tokens))
        self._build_next()

    def _build_next(self) -> None:
        self._build_scheduled = False
        if not self._unbuilt:
            return
        place, token = self._unbuilt.pop(0)
        row = self.rows[token] = TokenRow(self.grid_host, self.grid, place * 2)
        if self.tokens is not None:
            now = int(self.clock())
            totals = self.dashboard.totals(now)
            if token in totals:
                row.show(totals[token], self.tokens, now)
        if self._unbuilt and not self._build_scheduled:
            self._build_scheduled = True
            QTimer.singleShot(0, self._build_next)
        elif not self._unbuilt:
            waiters, self._built_waiters = self._built_waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def rows_built(self) -> None:
        """Until every token's row exists (tests, benchmarks)."""
        if self._unbuilt:
            waiter = asyncio.get_running_loop().create_future()
            self._built_waiters.append(waiter)
            await waiter

    def totals_text(self) -> dict[str, tuple[str, str, str, str]]:
        """What the cards show now, per token (tests read it)."""
        return {
            token: (
                row.incoming.figure.text(),
                row.withdrawable.figure.text(),
                row.outgoing.figure.text(),
                row.runway.figure.text(),
            )
            for token, row in self.rows.items()
        }


__all__ = ["DashboardView"]
