"""The stream table's model: a window onto the index, not a copy of it.

The ordered ids of what to list are read on a worker thread, with a connection of its own,
whenever the query (filters, search, sort) or the index changes; the old rows stay on screen
meanwhile, and an answer that arrives after a newer change is dropped. Rows are then read by
primary key, the missing ones of a page of ``PAGE_SIZE`` ids at a time, and kept in an LRU
cache by stream id, so painting never runs a query per row and 100,000 streams scroll smoothly:
scrolling to a new region costs one indexed query for the page it lands on. When the index
changes, only the rows of the streams that changed are read again (a catch-up refreshes the
lists a few times a second; re-reading every visible row each time was a good part of a
refresh's Python on the GUI thread). ``Claimable now`` ticks from the cached rows with the
contract's arithmetic.

Views paint through ``multiData`` (Qt 6): one Python call per visible cell instead of one
per role (a delegate asks for seven), so a repaint enters Python ~7x less often. That matters
beyond the calls' own cost: while the indexer's writer thread commits a page, each entry into
Python from Qt's painting may have to wait for the GIL."""

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
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from flowfi_desktop.app.dashboard import claimable, end_time
from flowfi_desktop.app.derived import derive
from flowfi_desktop.app.queries import IdScan, IndexReader, StreamQuery, StreamRow, direction
from flowfi_desktop.app.tokenbook import TokenBook, short
from flowfi_desktop.ui.tasks import spawn
from flowfi_desktop.ui.theme import current_colors

PAGE_SIZE = 200
MAX_PAGES = 64
MAX_ROWS = PAGE_SIZE * MAX_PAGES  # rows kept in the cache
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
CLAIMABLE = [k for k, _ in COLUMNS].index("claimable")
ROLE_STREAM = Qt.ItemDataRole.UserRole + 1
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_STREAM = int(ROLE_STREAM)
_HANDLED = frozenset({_DISPLAY, _TOOLTIP, _ALIGNMENT, _FOREGROUND, _STREAM})
_NUMERIC = frozenset({"id", "rate", "deposited", "withdrawn", "claimable"})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def fmt_time(t: int) -> str:
    if t >= 2**63:
        return "never"
    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


class StreamTableModel(QAbstractTableModel):
    ids_loaded = Signal()  # a scan's ids are shown (the row count may have changed)
    loading_changed = Signal(bool)

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
        # A tuple of ints: the cyclic GC stops tracking it, so its full passes (on this thread)
        # need not read 100,000 ids.
        self._ids: tuple[int, ...] = ()
        self._count = 0
        # Rows by stream id (LRU), and ids read but not found (none, short of a reset index).
        self._rows: OrderedDict[int, StreamRow] = OrderedDict()
        self._absent: set[int] = set()
        # Streams changed since the newest scan began, whose rows are read again once its ids
        # are shown (None: every row).
        self._stale: set[int] | None = set()
        self._generation = 0  # bumped by every change of what to list
        self._scanning: tuple[IdScan, asyncio.Task[None]] | None = None
        self._rescan = False
        self._deferred = False  # the index changed while the list was not shown
        self.queries_run = 0  # pages read (tests and benchmarks watch it)
        self.scans_run = 0  # id scans finished
        self.stale_dropped = 0  # scans whose answer came after a newer change

    # ------------------------------------------------------------------ source

    def set_source(
        self, reader: IndexReader | None, contract_ref: int | None, tokens: TokenBook
    ) -> None:
        same = reader is self.reader and contract_ref == self.contract_ref
        self.reader, self.contract_ref, self.tokens = reader, contract_ref, tokens
        if not same:  # the ids shown belong to another index or contract: show none meanwhile
            self.beginResetModel()
            self._ids, self._count = (), 0
            self._forget_rows()
            self.endResetModel()
        self._stale = None
        self._scan()

    def set_query(self, query: StreamQuery) -> None:
        """Shows ``query``'s rows once their ids are read (on a worker thread); the current rows
        stay on screen meanwhile."""
        self.query = query
        self._scan()

    def refresh(self, changed: frozenset[int] | None = None) -> None:
        """The index changed (the streams ``changed``, or any when None): read the ids again
        (on a worker thread), and then those streams' rows."""
        self._mark_stale(changed)
        self._scan()

    def _mark_stale(self, changed: frozenset[int] | None) -> None:
        """Rows to read again after the next scan: ``changed`` (None: every row)."""
        if changed is None:
            self._stale = None
        elif self._stale is not None:
            self._stale |= changed

    def defer(self, changed: frozenset[int] | None = None) -> None:
        """The index changed while no view shows this list: note what changed and refresh
        at ``resume()`` (a hidden list refreshed at every refresh of a catch-up cost the GUI
        thread a model reset and a worker's id scan each time, for nothing seen)."""
        self._mark_stale(changed)
        self._deferred = True

    @property
    def deferred(self) -> bool:
        """Index changes wait for ``resume()``."""
        return self._deferred

    def resume(self) -> None:
        """A view shows the list again: refresh it if the index changed meanwhile."""
        if self._deferred:
            self.refresh(frozenset())

    async def refresh_async(self, changed: frozenset[int] | None = None) -> None:
        """``refresh()``, returning once the list shows the index as it is now."""
        self.refresh(changed)
        await self.settled()

    @property
    def loading(self) -> bool:
        """An id scan is in flight: what is shown may be older than ``query``."""
        return self._scanning is not None

    async def settled(self) -> None:
        """Returns once no id scan is in flight (the newest one has been applied)."""
        while self._scanning is not None:
            await asyncio.wait({self._scanning[1]})

    def _scan(self) -> None:
        """Starts reading the ordered ids of ``query`` in a worker thread. A scan of the same
        query already in flight is followed by one more (refreshes never starve); one of an
        older query is cancelled, and its answer would be dropped anyway (generation)."""
        self._deferred = False  # this scan sees every change so far
        self._generation += 1
        reader, ref = self.reader, self.contract_ref
        if reader is None or ref is None:
            self._cancel_scan()
            self._apply_ids([])
            return
        scan = IdScan(reader.path, ref, self.query, int(self.clock()))
        if self._scanning is not None:
            running, _task = self._scanning
            if (running.path, running.contract_ref, running.query) == (
                scan.path,
                scan.contract_ref,
                scan.query,
            ):
                self._rescan = True  # same list, newer index: one more scan when it ends
                return
            self._cancel_scan()
        self._start(scan)

    def _start(self, scan: IdScan) -> None:
        generation = self._generation
        self._rescan = False
        task = spawn(self._run_scan(scan, generation), name="stream-ids")
        self._scanning = (scan, task)
        self.loading_changed.emit(True)

    async def _run_scan(self, scan: IdScan, generation: int) -> None:
        try:
            ids = await asyncio.to_thread(scan.run)
        except BaseException:
            if self._scanning is not None and self._scanning[0] is scan:
                self._scanning = None
                self.loading_changed.emit(False)
            raise
        if self._scanning is not None and self._scanning[0] is scan:
            self._scanning = None
        self.scans_run += 1
        if ids is not None and generation == self._generation:
            self._apply_ids(ids)
        elif ids is not None:
            self.stale_dropped += 1
        if self._scanning is None:
            if self._rescan and self.reader is not None and self.contract_ref is not None:
                self._start(
                    IdScan(self.reader.path, self.contract_ref, self.query, int(self.clock()))
                )
            else:
                self.loading_changed.emit(False)

    def _cancel_scan(self) -> None:
        if self._scanning is not None:
            scan, _task = self._scanning
            scan.cancel()  # its task ends on its own, answering None
            self._scanning = None
            self.loading_changed.emit(False)

    def _apply_ids(self, scanned: list[int]) -> None:
        ids = tuple(scanned)
        # Rows to read again: the streams changed since this scan began. They were marked
        # after their commit, so no row read before a commit outlives its notification.
        stale, self._stale = self._stale, set()
        if stale is None:
            self._forget_rows()
        else:
            for stream_id in stale:
                self._rows.pop(stream_id, None)
            self._absent.clear()
        if ids != self._ids:
            self.beginResetModel()
            self._ids, self._count = ids, len(ids)
            self.endResetModel()
        elif self._count and (stale is None or stale):
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(COLUMNS) - 1))
        self.ids_loaded.emit()

    def _forget_rows(self) -> None:
        self._rows.clear()
        self._absent.clear()

    def stream_at(self, row: int) -> StreamRow | None:
        if not 0 <= row < self._count or self.reader is None or self.contract_ref is None:
            return None
        stream_id = self._ids[row]
        found = self._rows.get(stream_id)
        if found is not None:
            self._rows.move_to_end(stream_id)
            return found
        if stream_id in self._absent:
            return None
        number = row // PAGE_SIZE
        page = self._ids[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        wanted = [i for i in page if i not in self._rows]
        read = {s.stream_id: s for s in self.reader.streams(self.contract_ref, wanted)}
        self.queries_run += 1
        for i in wanted:
            if i in read:
                self._rows[i] = read[i]
            else:
                self._absent.add(i)
        while len(self._rows) > MAX_ROWS:
            self._rows.popitem(last=False)
        return read.get(stream_id)

    def row_of(self, stream_id: int) -> int | None:
        """The row of ``stream_id`` when it is listed and its row has been read."""
        if stream_id not in self._rows:
            return None
        try:
            return self._ids.index(stream_id)
        except ValueError:
            return None

    def formats_changed(self) -> None:
        """Token metadata was learned: every amount cell reads differently."""
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(COLUMNS) - 1))

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
            if key == "direction":
                return "in: you receive; out: you send; self: both sides are you"
            if key == "claimable":
                return "Sorted by the amount claimable when you clicked (it keeps moving)"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][0]
        self.set_query(
            replace(self.query, sort=key, descending=order == Qt.SortOrder.DescendingOrder)
        )

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Plain int comparisons: a PySide enum operation costs microseconds, thousands of
        # times a repaint.
        role = int(role)
        if role not in _HANDLED or not index.isValid():
            return None
        s = self.stream_at(index.row())
        if s is None:
            return None
        return self._value(s, COLUMNS[index.column()][0], role)

    def multiData(
        self,
        index: ModelIndex,
        roleDataSpan: QModelRoleDataSpan | QModelRoleData,
    ) -> None:
        """What views paint from: every role a delegate asks for, in one call per cell. Every
        role is set or cleared: a delegate reuses its span from cell to cell, so a role left
        alone would keep the previous cell's value (a status colour on the next column)."""
        if isinstance(roleDataSpan, QModelRoleData):
            items = [roleDataSpan]
        else:  # a sequence in PySide6, though its stubs do not say so
            items = [roleDataSpan[i] for i in range(len(roleDataSpan))]  # type: ignore[index,arg-type]
        s = self.stream_at(index.row()) if index.isValid() else None
        key = COLUMNS[index.column()][0] if s is not None else ""
        for item in items:
            role = int(item.role())
            value = None if s is None or role not in _HANDLED else self._value(s, key, role)
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def _value(self, s: StreamRow, key: str, role: int) -> Any:
        if role == _STREAM:
            return s
        if role == _ALIGNMENT:
            return _RIGHT if key in _NUMERIC else _LEFT
        now = int(self.clock())
        if role == _FOREGROUND:
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
        if role == _TOOLTIP:
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
            return direction(s, self.query.addresses)
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
