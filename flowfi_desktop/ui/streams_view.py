"""Stream lists: incoming, outgoing or all; filter by status; search by address or id; sort by
any column (in SQL, on a worker thread); a paged model underneath."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from flowfi_desktop.app.derived import LABELS
from flowfi_desktop.ui.stream_model import COLUMNS, ROLE_STREAM, StreamTableModel

ROLES = (("all", "All streams"), ("incoming", "Incoming"), ("outgoing", "Outgoing"))
STATUSES = (
    ("", "Any status"),
    ("active", "Active"),
    ("paused", "Paused"),
    ("cancelled", "Cancelled"),
    ("completed", "Completed"),
)


# What a column typically shows, for its default width: the widest status, a short address,
# amounts up to 100,000 with 7 decimals (larger ones lose their last decimals to an ellipsis,
# never their whole part), a date. The user can widen a column. Sized so that every column up
# to "Claimable now" fits the default window (a test checks it).
SAMPLES: dict[str, tuple[str, ...]] = {
    "id": ("100000",),
    "status": tuple(LABELS.values()),
    "direction": ("self",),
    "sender": ("GDQM…K3XZ",),
    "recipient": ("GDQM…K3XZ",),
    "token": ("USDC",),
    "rate": ("100.0000000",),
    "deposited": ("100,000.0000000",),
    "withdrawn": ("100,000.0000000",),
    "claimable": ("100,000.0000000",),
    "start": ("2026-12-31 23:59",),
    "end": ("2026-12-31 23:59",),
}
CELL_PADDING = 12  # the item's margins and the grid line
HEADER_PADDING = 18  # the section's margins (a sorted column's arrow may then cover its end)


def default_widths(table: QTableView) -> list[int]:
    """Per column of ``COLUMNS``: wide enough for its samples and its header, in the table's
    fonts."""
    cell = table.fontMetrics()
    header = table.horizontalHeader().fontMetrics()
    return [
        max(
            max(cell.horizontalAdvance(text) for text in SAMPLES[key]) + CELL_PADDING,
            header.horizontalAdvance(title) + HEADER_PADDING,
        )
        for key, title in COLUMNS
    ]


class StreamsView(QWidget):
    stream_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = StreamTableModel(self)
        self.role = QComboBox(self)
        for key, text in ROLES:
            self.role.addItem(text, key)
        self.role.setToolTip("Which streams: where you receive, where you send, or both")
        self.status = QComboBox(self)
        for key, text in STATUSES:
            self.status.addItem(text, key)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search by address or stream id  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel(self)
        self.count_label.setProperty("role", "muted")
        bar = QHBoxLayout()
        bar.addWidget(self.role)
        bar.addWidget(self.status)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        # Fixed row heights and no content-based sizing: nothing reads all rows to lay out.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(default_widths(self.table)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(self._activated)
        self.table.activated.connect(self._activated)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        self._addresses: tuple[str, ...] = ()
        self.model.ids_loaded.connect(self._update_count)
        self.model.loading_changed.connect(lambda _busy: self._update_count())
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.role.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.status.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self._tick)
        self.ticker.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.model.resume()  # the index changes it was not shown

    def set_role(self, role: str) -> None:
        self.role.setCurrentIndex(max(self.role.findData(role), 0))

    def set_addresses(self, addresses: tuple[str, ...]) -> None:
        self._addresses = addresses
        self.apply_filters()

    def apply_filters(self) -> None:
        status = self.status.currentData()
        query = replace(
            self.model.query,
            addresses=self._addresses,
            role=self.role.currentData(),
            statuses=(status,) if status else (),
            search=self.search.text().strip(),
        )
        self.model.set_query(query)

    def refresh(self, changed: frozenset[int] | None = None) -> None:
        self.model.refresh(changed)

    async def refresh_async(self, changed: frozenset[int] | None = None) -> None:
        await self.model.refresh_async(changed)

    def _update_count(self) -> None:
        n = self.model.rowCount()
        text = f"{n:,} stream{'s' if n != 1 else ''}"
        self.count_label.setText(f"{text} · updating…" if self.model.loading else text)

    def _tick(self) -> None:
        if self.isVisible():
            first, last = self.visible_rows()
            self.model.tick(first, last)

    def visible_rows(self) -> tuple[int, int]:
        top = self.table.rowAt(0)
        bottom = self.table.rowAt(self.table.viewport().height() - 1)
        if top < 0:
            return 0, -1
        return top, bottom if bottom >= 0 else self.model.rowCount() - 1

    def _activated(self, index: QModelIndex) -> None:
        stream = self.model.data(index, ROLE_STREAM)
        if stream is not None:
            self.stream_activated.emit(stream.stream_id)
