"""The stream table's model: a window onto the index, not a copy of it.

Rows are read in pages of ``PAGE_SIZE`` (filtered, searched and sorted by SQLite) and kept in a
small LRU cache, so painting never runs a query per row and 100,000 streams scroll smoothly:
scrolling to a new region costs one indexed query for the page it lands on. ``Claimable now``
ticks from the cached rows with the contract's arithmetic."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from flowfi_desktop.app.dashboard import claimable, end_time
from flowfi_desktop.app.derived import derive
from flowfi_desktop.app.queries import IndexReader, StreamQuery, StreamRow
from flowfi_desktop.app.tokenbook import TokenBook, short
from flowfi_desktop.ui.theme import current_colors

PAGE_SIZE = 200
MAX_PAGES = 64
StreamId = int
ModelIndex = QModelIndex | QPersistentModelIndex

# (key, header, SQL sort key or None when not sortable in SQL)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "ID"),
    ("status", "Status"),
    ("direction", "Direction"),
    ("sender", "Sender"),
    ("recipient", "Recipient"),
    ("token", "Token"),
    ("rate", "Rate / s"),
    ("deposited", "Deposited"),
    ("withdrawn", "Withdrawn"),
    ("claimable", "Claimable now"),
    ("start", "Start"),
    ("end", "End"),
)
# Columns whose order SQL cannot give: sorted by the nearest stored column.
SORT_FALLBACK = {"direction": "sender"}
CLAIMABLE = [k for k, _ in COLUMNS].index("claimable")
ROLE_STREAM = Qt.ItemDataRole.UserRole + 1


def fmt_time(t: int) -> str:
    if t >= 2**63:
        return "never"
    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


class StreamTableModel(QAbstractTableModel):
    def __init__(
        self,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.reader: IndexReader | None = None
        self.contract_ref: int | None = None
        self.tokens: TokenBook | None = None
        self.query = StreamQuery()
        self._ids: list[int] = []
        self._count = 0
        self._pages: OrderedDict[int, list[StreamRow]] = OrderedDict()
        self.queries_run = 0  # pages read (tests and benchmarks watch it)

    # ------------------------------------------------------------------ source

    def set_source(
        self, reader: IndexReader | None, contract_ref: int | None, tokens: TokenBook
    ) -> None:
        self.beginResetModel()
        self.reader, self.contract_ref, self.tokens = reader, contract_ref, tokens
        self._reload()
        self.endResetModel()

    def set_query(self, query: StreamQuery) -> None:
        self.beginResetModel()
        self.query = query
        self._reload()
        self.endResetModel()

    def refresh(self, changed: frozenset[int] | None = None) -> None:
        """The index changed: re-read what is shown, now (tests; small lists)."""
        if self.reader is None or self.contract_ref is None:
            return
        self._apply_ids(self.reader.ids_at(self.contract_ref, self.query, int(self.clock())))

    async def refresh_async(self) -> None:
        """The same, with the id scan on a worker thread and its own connection (a big list's
        scan takes longer than a frame; the view keeps showing the old rows meanwhile)."""
        reader, ref, query = self.reader, self.contract_ref, self.query
        if reader is None or ref is None:
            return
        path = reader.path
        now = int(self.clock())

        def scan() -> list[int]:
            worker = IndexReader(path)
            try:
                return worker.ids_at(ref, query, now)
            finally:
                worker.close()

        ids = await asyncio.to_thread(scan)
        if reader is self.reader and ref == self.contract_ref and query == self.query:
            self._apply_ids(ids)

    def _apply_ids(self, ids: list[int]) -> None:
        if ids != self._ids:
            self.beginResetModel()
            self._ids, self._count = ids, len(ids)
            self._pages.clear()
            self.endResetModel()
            return
        self._pages.clear()
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(COLUMNS) - 1))

    def _reload(self) -> None:
        self._pages.clear()
        if self.reader is None or self.contract_ref is None:
            self._ids = []
        else:
            self._ids = self.reader.ids_at(self.contract_ref, self.query, int(self.clock()))
        self._count = len(self._ids)

    def stream_at(self, row: int) -> StreamRow | None:
        if not 0 <= row < self._count or self.reader is None or self.contract_ref is None:
            return None
        number, offset = divmod(row, PAGE_SIZE)
        page = self._pages.get(number)
        if page is None:
            wanted = self._ids[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
            found = {s.stream_id: s for s in self.reader.streams(self.contract_ref, wanted)}
            page = [found[i] for i in wanted if i in found]
            self.queries_run += 1
            self._pages[number] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[offset] if offset < len(page) else None

    def row_of(self, stream_id: int) -> int | None:
        for number, page in self._pages.items():
            for offset, s in enumerate(page):
                if s.stream_id == stream_id:
                    return number * PAGE_SIZE + offset
        return None

    def tick(self, first: int = 0, last: int | None = None) -> None:
        """Claimable amounts move with time: repaint that column's cells in ``first..last``
        (the visible rows). One signal per cell: a ranged dataChanged makes the view repaint its
        whole viewport."""
        if not self._count:
            return
        last = self._count - 1 if last is None else min(last, self._count - 1)
        roles = [Qt.ItemDataRole.DisplayRole]
        for row in range(max(first, 0), last + 1):
            cell = self.index(row, CLAIMABLE)
            self.dataChanged.emit(cell, cell, roles)

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            key = COLUMNS[section][0]
            if key in SORT_FALLBACK:
                return f"Sorted by {SORT_FALLBACK[key]}"
            if key == "claimable":
                return "Sorted by the amount claimable when you clicked (it keeps moving)"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][0]
        key = SORT_FALLBACK.get(key, key)
        self.set_query(
            replace(self.query, sort=key, descending=order == Qt.SortOrder.DescendingOrder)
        )

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
            Qt.ItemDataRole.ForegroundRole,
            ROLE_STREAM,
        ):
            return None
        s = self.stream_at(index.row())
        if s is None:
            return None
        if role == ROLE_STREAM:
            return s
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            numeric = key in ("id", "rate", "deposited", "withdrawn", "claimable")
            align = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        now = int(self.clock())
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "status":
                colors = current_colors()
                state = derive(s, now).key
                color = {
                    "streaming": colors.positive,
                    "fully_streamed": colors.warning,
                    "paused": colors.warning,
                    "cancelled": colors.negative,
                }.get(state, colors.muted)
                return QColor(color)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if key in ("sender", "recipient", "token"):
                return {"sender": s.sender, "recipient": s.recipient, "token": s.token_address}[key]
            if key == "status":
                return derive(s, now).detail
            return None
        return self._display(s, key, now)

    def _display(self, s: StreamRow, key: str, now: int) -> str:
        tokens = self.tokens
        assert tokens is not None
        if key == "id":
            return str(s.stream_id)
        if key == "status":
            return derive(s, now).label
        if key == "direction":
            mine = self.query.addresses
            if s.recipient in mine and s.sender in mine:
                return "self"
            return "in" if s.recipient in mine else "out" if s.sender in mine else "—"
        if key == "sender":
            return short(s.sender)
        if key == "recipient":
            return short(s.recipient)
        if key == "token":
            return tokens.meta(s.token_address).label
        if key == "rate":
            return tokens.number(s.token_address, s.rate_per_second)
        if key == "deposited":
            return tokens.number(s.token_address, s.deposited_amount)
        if key == "withdrawn":
            return tokens.number(s.token_address, s.withdrawn_amount)
        if key == "claimable":
            return tokens.number(s.token_address, claimable(s, now))
        if key == "start":
            return fmt_time(s.start_time)
        if key == "end":
            return fmt_time(end_time(s, now))
        raise AssertionError(key)
