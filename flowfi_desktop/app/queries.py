"""Reads of the index for the views: pages of streams (filtered, searched, sorted in SQL), one
stream with its events, and the rows the dashboard needs. A read-only SQLite connection in WAL
mode never waits for the indexer's writer; every query is bounded (a page, one stream, one
account's active streams), so none holds the GUI thread for more than a frame."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowfi_desktop.store.i128 import decode_i128, encode_i128
from flowfi_desktop.store.rows import STREAM_COLUMNS as _COLUMNS
from flowfi_desktop.store.rows import StreamRow as StreamRow  # re-exported for the views

BUSY_TIMEOUT_MS = 2_000

# Sortable columns: the view's column key -> SQL. i128 BLOBs are stored biased big-endian, so
# they sort numerically as bytes.
SORT_COLUMNS: dict[str, str] = {
    "id": "stream_id",
    "status": "status",
    "sender": "sender",
    "recipient": "recipient",
    "token": "token_address",
    "rate": "rate_per_second",
    "deposited": "deposited_amount",
    "withdrawn": "withdrawn_amount",
    "start": "start_time",
    "end": "end_time",
}
ROLES = ("all", "incoming", "outgoing")


@dataclass(frozen=True, slots=True)
class EventRow:
    id: str
    ledger: int
    close_time: int
    tx_hash: str
    type: str
    stream_id: int | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class StreamQuery:
    """What a stream list shows: ``role`` relative to ``addresses`` (all: either side; with no
    addresses, every stream of the contract), ``statuses`` (empty: any), ``search`` (part of an
    address, or a stream id), sorted by ``sort`` (a ``SORT_COLUMNS`` key, ``direction`` relative
    to ``addresses``, or ``claimable``, computed in ``IndexReader.ids_at``)."""

    addresses: tuple[str, ...] = ()
    role: str = "all"
    statuses: tuple[str, ...] = ()
    search: str = ""
    sort: str = "id"
    descending: bool = True

    def where(self, contract_ref: int) -> tuple[str, list[Any]]:
        clauses = ["contract_ref = ?"]
        params: list[Any] = [contract_ref]
        if self.addresses:
            marks = ", ".join("?" for _ in self.addresses)
            if self.role == "incoming":
                clauses.append(f"recipient IN ({marks})")
                params += self.addresses
            elif self.role == "outgoing":
                clauses.append(f"sender IN ({marks})")
                params += self.addresses
            else:
                clauses.append(f"(sender IN ({marks}) OR recipient IN ({marks}))")
                params += self.addresses * 2
        if self.statuses:
            clauses.append(f"status IN ({', '.join('?' for _ in self.statuses)})")
            params += self.statuses
        text = self.search.strip()
        if text:
            if text.isdigit():
                clauses.append("(stream_id = ? OR sender LIKE ? OR recipient LIKE ?)")
                params += [int(text), f"%{text.upper()}%", f"%{text.upper()}%"]
            else:
                clauses.append("(sender LIKE ? OR recipient LIKE ? OR token_address LIKE ?)")
                params += [f"%{text.upper()}%"] * 3
        return " AND ".join(clauses), params

    def order_by(self) -> tuple[str, list[Any]]:
        """The ORDER BY clause and its parameters (``direction`` depends on ``addresses``)."""
        direction = "DESC" if self.descending else "ASC"
        params: list[Any] = []
        if self.sort == "direction":
            column, params = direction_rank(self.addresses)
        else:
            column = SORT_COLUMNS.get(self.sort, "stream_id")
        tie = "" if column == "stream_id" else f", stream_id {direction}"
        return f"{column} {direction}{tie}", params


# The Direction column's order, ascending: incoming, outgoing, to oneself, neither side.
DIRECTIONS = ("in", "out", "self", "—")


def direction(stream: StreamRow, addresses: tuple[str, ...]) -> str:
    """What the Direction column shows: ``in``, ``out``, ``self`` or ``—`` (not ours)."""
    mine_in, mine_out = stream.recipient in addresses, stream.sender in addresses
    if mine_in and mine_out:
        return "self"
    return "in" if mine_in else "out" if mine_out else "—"


def direction_rank(addresses: tuple[str, ...]) -> tuple[str, list[Any]]:
    """An SQL expression giving a stream's place in ``DIRECTIONS`` relative to ``addresses``."""
    if not addresses:
        return "3", []
    marks = ", ".join("?" for _ in addresses)
    sql = (
        f"(CASE WHEN recipient IN ({marks}) AND sender IN ({marks}) THEN 2 "
        f"WHEN recipient IN ({marks}) THEN 0 WHEN sender IN ({marks}) THEN 1 ELSE 3 END)"
    )
    return sql, list(addresses) * 4


def token_rows(connection: sqlite3.Connection, network: str) -> list[tuple[str, str | None, int]]:
    """(address, symbol, decimals) of the tokens of ``network`` whose decimals the index's
    ``tokens`` table records."""
    return [
        (address, symbol, int(decimals))
        for address, symbol, decimals in connection.execute(
            "SELECT t.address, t.symbol, t.decimals FROM tokens t JOIN networks n "
            "ON n.id = t.network_id WHERE n.name = ? AND t.decimals IS NOT NULL",
            (network,),
        )
    ]


class IndexReader:
    """Read-only access to one index file (its own connection; not shared across threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def close(self) -> None:
        self.connection.close()

    # ------------------------------------------------------------------ contracts

    def contract_ref(self, network: str, contract_id: str) -> int | None:
        row = self.connection.execute(
            "SELECT c.id FROM contracts c JOIN networks n ON n.id = c.network_id "
            "WHERE n.name = ? AND c.contract_id = ?",
            (network, contract_id),
        ).fetchone()
        return None if row is None else int(row[0])

    def sync_position(self, contract_ref: int) -> tuple[int, int, int]:
        """(last ledger covered, latest ledger seen, updated_at)."""
        row = self.connection.execute(
            "SELECT last_ledger, latest_ledger_seen, updated_at FROM indexer_state "
            "WHERE contract_ref = ?",
            (contract_ref,),
        ).fetchone()
        return (0, 0, 0) if row is None else (int(row[0]), int(row[1]), int(row[2]))

    # ------------------------------------------------------------------ streams

    def count(self, contract_ref: int, query: StreamQuery) -> int:
        where, params = query.where(contract_ref)
        row = self.connection.execute(
            f"SELECT count(*) FROM streams WHERE {where}",  # noqa: S608 - built from constants
            params,
        ).fetchone()
        return int(row[0])

    def ids(self, contract_ref: int, query: StreamQuery) -> list[int]:
        """Every matching stream id, in the query's order (one indexed scan; then pages are
        read by primary key, so any page costs the same wherever it lies)."""
        where, params = query.where(contract_ref)
        order, order_params = query.order_by()
        sql = (
            f"SELECT stream_id FROM streams WHERE {where} "  # noqa: S608 - constants only
            f"ORDER BY {order}"
        )
        return [r[0] for r in self.connection.execute(sql, [*params, *order_params])]

    def ids_at(self, contract_ref: int, query: StreamQuery, now: int) -> list[int]:
        """``ids()``, and for the computed sort ``claimable`` (what a withdraw would pay at
        ``now``), the order computed here with the contract's arithmetic."""
        if query.sort != "claimable":
            return self.ids(contract_ref, query)
        from flowfi_desktop.app.dashboard import claimable

        # One reused row and int keys (claimable << 64 | id): tens of thousands of rows
        # allocate no objects the cyclic GC tracks (its full passes would hold the GIL, and
        # so the GUI thread, while this runs in a worker).
        where, params = query.where(contract_ref)
        probe = StreamRow(
            0, "", "", "", 0, 0, 0, 0, 0, False, False, None, "", 0, 0, 0, None, None, 0
        )
        keys: list[int] = []
        for r in self.connection.execute(
            "SELECT stream_id, rate_per_second, deposited_amount, withdrawn_amount, "  # noqa: S608
            f"last_update_time, is_active, paused, paused_at FROM streams WHERE {where}",
            params,
        ):
            probe.rate_per_second = decode_i128(r[1])
            probe.deposited_amount = decode_i128(r[2])
            probe.withdrawn_amount = decode_i128(r[3])
            probe.last_update_time = r[4]
            probe.is_active = bool(r[5])
            probe.paused = bool(r[6])
            probe.paused_at = r[7]
            keys.append(claimable(probe, now) << 64 | r[0])
        keys.sort(reverse=query.descending)
        mask = (1 << 64) - 1
        return [k & mask for k in keys]

    def page(
        self, contract_ref: int, query: StreamQuery, offset: int, limit: int
    ) -> list[StreamRow]:
        where, params = query.where(contract_ref)
        order, order_params = query.order_by()
        sql = (
            f"SELECT {_COLUMNS} FROM streams WHERE {where} "  # noqa: S608 - constants only
            f"ORDER BY {order} LIMIT ? OFFSET ?"
        )
        return [
            StreamRow.from_sql(r)
            for r in self.connection.execute(sql, [*params, *order_params, limit, offset])
        ]

    def stream(self, contract_ref: int, stream_id: int) -> StreamRow | None:
        row = self.connection.execute(
            f"SELECT {_COLUMNS} FROM streams WHERE contract_ref = ? AND stream_id = ?",  # noqa: S608
            (contract_ref, stream_id),
        ).fetchone()
        return None if row is None else StreamRow.from_sql(row)

    def streams(
        self,
        contract_ref: int,
        stream_ids: Sequence[int],
        involving: tuple[str, ...] | None = None,
    ) -> list[StreamRow]:
        """The rows of ``stream_ids``; with ``involving``, only those in which one of these
        addresses is sender or recipient (SQLite skips the others without making rows)."""
        out: list[StreamRow] = []
        party, party_params = "", []
        if involving is not None:
            if not involving:
                return out
            marks = ", ".join("?" for _ in involving)
            party = f" AND (sender IN ({marks}) OR recipient IN ({marks}))"
            party_params = [*involving, *involving]
        for start in range(0, len(stream_ids), 500):
            chunk = stream_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            out += [
                StreamRow.from_sql(r)
                for r in self.connection.execute(
                    f"SELECT {_COLUMNS} FROM streams WHERE contract_ref = ? "  # noqa: S608
                    f"AND stream_id IN ({marks}){party}",
                    [contract_ref, *chunk, *party_params],
                )
            ]
        return out

    def involving(
        self, contract_ref: int, addresses: tuple[str, ...], *, active_only: bool = False
    ) -> list[StreamRow]:
        """Streams in which one of ``addresses`` is sender or recipient (for the dashboard)."""
        if not addresses:
            return []
        marks = ", ".join("?" for _ in addresses)
        active = " AND is_active = 1" if active_only else ""
        return [
            StreamRow.from_sql(r)
            for r in self.connection.execute(
                f"SELECT {_COLUMNS} FROM streams WHERE contract_ref = ? "  # noqa: S608
                f"AND (sender IN ({marks}) OR recipient IN ({marks})){active}",
                [contract_ref, *addresses, *addresses],
            )
        ]

    def dashboard_terms(
        self, contract_ref: int, addresses: tuple[str, ...]
    ) -> Iterator[tuple[str, bool, bool, bool, int, int, int, int, bool, int | None]]:
        """Per stream involving ``addresses``: (token, incoming, outgoing, is_active, rate,
        deposited, withdrawn, last_update_time, paused, paused_at), one row at a time (the
        dashboard folds them into sums; no object per stream outlives its row)."""
        if not addresses:
            return
        marks = ", ".join("?" for _ in addresses)
        decode = decode_i128
        for r in self.connection.execute(
            f"SELECT token_address, recipient IN ({marks}), sender IN ({marks}), is_active, "  # noqa: S608
            "rate_per_second, deposited_amount, withdrawn_amount, last_update_time, paused, "
            f"paused_at FROM streams WHERE contract_ref = ? "
            f"AND (sender IN ({marks}) OR recipient IN ({marks}))",
            [*addresses, *addresses, contract_ref, *addresses, *addresses],
        ):
            yield (
                r[0],
                bool(r[1]),
                bool(r[2]),
                bool(r[3]),
                decode(r[4]),
                decode(r[5]),
                decode(r[6]),
                r[7],
                bool(r[8]),
                r[9],
            )

    def seen_by_notices(
        self, contract_ref: int, addresses: tuple[str, ...]
    ) -> Iterator[tuple[int, tuple[bool, int, int]]]:
        """Per stream involving ``addresses``: (stream id, (cancelled, withdrawn, deposited)),
        what the notification rules compare later rows with (``notices.seen``)."""
        if not addresses:
            return
        marks = ", ".join("?" for _ in addresses)
        for r in self.connection.execute(
            "SELECT stream_id, status = 'cancelled', withdrawn_amount, deposited_amount "  # noqa: S608
            f"FROM streams WHERE contract_ref = ? "
            f"AND (sender IN ({marks}) OR recipient IN ({marks}))",
            [contract_ref, *addresses, *addresses],
        ):
            yield r[0], (bool(r[1]), decode_i128(r[2]), decode_i128(r[3]))

    def ending_between(
        self, contract_ref: int, sender: str, after: int, until: int
    ) -> list[StreamRow]:
        """Active, not paused outgoing streams of ``sender`` whose end is after ``after`` and
        before ``until``. (For these the stored ``end_time`` is exact: an unpaused stream's end
        does not move with time. Streams that have ended but are still active, not withdrawn,
        can be most of an account's: they are not read.)"""
        return [
            StreamRow.from_sql(r)
            for r in self.connection.execute(
                f"SELECT {_COLUMNS} FROM streams WHERE contract_ref = ? AND sender = ? "  # noqa: S608
                "AND is_active = 1 AND paused = 0 AND end_time > ? AND end_time < ?",
                (contract_ref, sender, encode_i128(after), encode_i128(until)),
            )
        ]

    # ------------------------------------------------------------------ events

    def events(self, contract_ref: int, stream_id: int) -> list[EventRow]:
        return [
            EventRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else {})
            for r in self.connection.execute(
                "SELECT id, ledger, close_time, tx_hash, type, stream_id, fields "
                "FROM stream_events WHERE contract_ref = ? AND stream_id = ? ORDER BY id",
                (contract_ref, stream_id),
            )
        ]

    def events_for(
        self, contract_ref: int, addresses: tuple[str, ...], limit: int | None = None
    ) -> list[EventRow]:
        """Events of the streams involving ``addresses`` (all streams when empty), newest last."""
        params: list[Any] = [contract_ref]
        where = "e.contract_ref = ?"
        if addresses:
            marks = ", ".join("?" for _ in addresses)
            where += (
                " AND e.stream_id IN (SELECT stream_id FROM streams s "  # noqa: S608
                f"WHERE s.contract_ref = ? AND (s.sender IN ({marks}) OR s.recipient IN ({marks})))"
            )
            params += [contract_ref, *addresses, *addresses]
        sql = (
            "SELECT e.id, e.ledger, e.close_time, e.tx_hash, e.type, e.stream_id, e.fields "  # noqa: S608
            f"FROM stream_events e WHERE {where} ORDER BY e.id"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [
            EventRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else {})
            for r in self.connection.execute(sql, params)
        ]


class IdScan:
    """One ``ids_at`` scan for a worker thread, on a connection of its own (SQLite connections
    are not shared across threads), that another thread may cancel: ``cancel()`` interrupts the
    running statement, and ``run()`` then returns ``None`` instead of a stale answer."""

    def __init__(self, path: Path, contract_ref: int, query: StreamQuery, now: int) -> None:
        self.path, self.contract_ref, self.query, self.now = path, contract_ref, query, now
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._reader: IndexReader | None = None

    def run(self) -> list[int] | None:
        reader = IndexReader(self.path)
        with self._lock:
            if self.cancelled:
                reader.close()
                return None
            self._reader = reader
        try:
            ids = reader.ids_at(self.contract_ref, self.query, self.now)
        except sqlite3.OperationalError:
            if self._cancelled.is_set():  # "interrupted"
                return None
            raise
        finally:
            with self._lock:
                self._reader = None
            reader.close()
        return None if self._cancelled.is_set() else ids

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """From any thread."""
        with self._lock:
            self._cancelled.set()
            if self._reader is not None:
                self._reader.connection.interrupt()
