"""The indexer's single writer: one page of events, the streams they change and the cursor, in
one SQLite transaction.

Raw ``sqlite3`` on the schema the SQLAlchemy models define: the ORM would cost more per row than
decoding does. Invariant: every stored event has an id at or below the stored cursor, because
both move together; so replaying a page (the RPC repeating itself, a crash before commit) finds
its events at or below the cursor and skips them: nothing is applied twice, nothing is lost.
``BEGIN IMMEDIATE`` takes the write lock before the cursor is read, so even two indexers on the
same file cannot both apply a page.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from flowfi_desktop.errors import RefusedError
from flowfi_desktop.indexer.decode import DecodedEvent, decode_event
from flowfi_desktop.indexer.page import RawEvent
from flowfi_desktop.indexer.plan import (
    InvalidXdrError,
    PagePlan,
    PagePlanner,
    StreamCache,
    stream_to_row,
    stream_update_row,
)
from flowfi_desktop.indexer.state import StreamState
from flowfi_desktop.store.db import Store
from flowfi_desktop.store.i128 import decode_i128

__all__ = [
    "STREAM_COLUMNS",
    "IndexWriter",
    "InvalidXdrError",
    "PageOutcome",
    "StateRead",
    "decode_page",
    "ensure_contract",
    "stream_from_row",
    "stream_to_row",
    "stream_update_row",
]


STREAM_COLUMNS = (
    "stream_id",
    "sender",
    "recipient",
    "token_address",
    "rate_per_second",
    "deposited_amount",
    "withdrawn_amount",
    "start_time",
    "last_update_time",
    "is_active",
    "paused",
    "paused_at",
    "status",
    "end_time",
    "fees_paid",
    "refunded_amount",
    "created_ledger",
    "last_event_id",
    "updated_ledger",
    "source",
    "as_of_ledger",
)
_I128_COLUMNS = {
    "rate_per_second",
    "deposited_amount",
    "withdrawn_amount",
    "fees_paid",
    "refunded_amount",
}
# Column names are constants of this module, never user input.
_SELECT_STREAMS = f"SELECT {', '.join(STREAM_COLUMNS)} FROM streams WHERE contract_ref = ?"  # noqa: S608
_UPSERT_STREAM = (
    f"INSERT INTO streams (contract_ref, {', '.join(STREAM_COLUMNS)}) "  # noqa: S608
    f"VALUES (?, {', '.join('?' for _ in STREAM_COLUMNS)}) "
    "ON CONFLICT (contract_ref, stream_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in STREAM_COLUMNS[1:])
)
# What events can change; updating only these leaves the sender/recipient indexes untouched.
MUTABLE_COLUMNS = (
    "deposited_amount",
    "withdrawn_amount",
    "last_update_time",
    "is_active",
    "paused",
    "paused_at",
    "status",
    "end_time",
    "fees_paid",
    "refunded_amount",
    "last_event_id",
    "updated_ledger",
)
_UPDATE_STREAM = (
    f"UPDATE streams SET {', '.join(f'{c} = ?' for c in MUTABLE_COLUMNS)} "  # noqa: S608
    "WHERE contract_ref = ? AND stream_id = ?"
)
_INSERT_EVENT = (
    "INSERT INTO stream_events (contract_ref, id, ledger, close_time, tx_hash, tx_index, "
    "op_index, type, stream_id, fields, topic_xdr, value_xdr) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass
class IndexerStatus:
    cursor: str | None
    last_ledger: int
    latest_ledger_seen: int
    oldest_ledger: int
    retention_window: int
    event_count: int
    unknown_count: int


@dataclass
class PageOutcome:
    new_events: int = 0
    skipped: int = 0  # already indexed (a replayed page)
    unknown: int = 0
    changed_streams: set[int] = field(default_factory=set)
    orphans: int = 0
    anomalies: list[str] = field(default_factory=list)
    last_event_id: str | None = None

    @classmethod
    def of(cls, plan: PagePlan) -> PageOutcome:
        return cls(
            new_events=len(plan.event_rows),
            skipped=plan.skipped,
            unknown=plan.unknown,
            changed_streams=plan.changed_streams,
            orphans=plan.orphans,
            anomalies=plan.anomalies,
            last_event_id=plan.last_event_id,
        )


@dataclass
class StateRead:
    cursor: str | None
    stream_rows: list[tuple[Any, ...]]
    complete: bool  # the rows are every stream of the contract
    prior_fees: dict[int, int]


def decode_page(events: list[RawEvent]) -> list[DecodedEvent]:
    """Decodes a page's events (pure Python: can run ahead of the commit, on another thread)."""
    return [decode_event(e.topic, e.value) for e in events]


def stream_from_row(row: tuple[Any, ...]) -> StreamState:
    values = dict(zip(STREAM_COLUMNS, row, strict=True))
    for column in _I128_COLUMNS:
        values[column] = decode_i128(values[column])
    values["is_active"] = bool(values["is_active"])
    values["paused"] = bool(values["paused"])
    del values["end_time"]
    return StreamState(**values)


def ensure_contract(
    store: Store,
    network: str,
    passphrase: str,
    contract_id: str,
    rpc_url: str | None = None,
    start_ledger: int | None = None,
) -> int:
    """The ``contracts`` row for this network and contract (created when missing)."""
    connection = store.connect_writer()
    try:
        connection.execute("BEGIN IMMEDIATE")
        row = connection.execute(
            "SELECT id, passphrase FROM networks WHERE name = ?", (network,)
        ).fetchone()
        if row is None:
            network_id = connection.execute(
                "INSERT INTO networks (name, passphrase, rpc_url) VALUES (?, ?, ?)",
                (network, passphrase, rpc_url),
            ).lastrowid
        else:
            network_id = row[0]
            if row[1] != passphrase:
                connection.execute("ROLLBACK")
                raise RefusedError(
                    f"network {network!r} is indexed with another passphrase; "
                    "use another network name or data dir"
                )
        found = connection.execute(
            "SELECT id FROM contracts WHERE network_id = ? AND contract_id = ?",
            (network_id, contract_id),
        ).fetchone()
        if found is None:
            contract_ref = connection.execute(
                "INSERT INTO contracts (network_id, contract_id, start_ledger) VALUES (?, ?, ?)",
                (network_id, contract_id, start_ledger),
            ).lastrowid
            connection.execute(
                "INSERT INTO indexer_state (contract_ref) VALUES (?)", (contract_ref,)
            )
        else:
            contract_ref = found[0]
        connection.execute("COMMIT")
        assert contract_ref is not None
        return int(contract_ref)
    finally:
        connection.close()


class IndexWriter:
    """Writes one contract's index. Not thread-safe: one writer per indexer."""

    def __init__(self, store: Store, contract_ref: int) -> None:
        self.store = store
        self.contract_ref = contract_ref
        self.connection: sqlite3.Connection = store.connect_writer()
        # CPU time this thread spent reading state and writing pages (for the benchmark's
        # split of a catch-up's cost between the loop and SQLite).
        self.cpu_seconds = 0.0

    def close(self) -> None:
        self.connection.close()

    # ------------------------------------------------------------------ reads

    def status(self) -> IndexerStatus:
        row = self.connection.execute(
            "SELECT cursor, last_ledger, latest_ledger_seen, oldest_ledger, retention_window, "
            "event_count, unknown_count FROM indexer_state WHERE contract_ref = ?",
            (self.contract_ref,),
        ).fetchone()
        if row is None:
            raise LookupError(f"no indexer state for contract row {self.contract_ref}")
        return IndexerStatus(*row)

    def start_ledger(self) -> int | None:
        row = self.connection.execute(
            "SELECT start_ledger FROM contracts WHERE id = ?", (self.contract_ref,)
        ).fetchone()
        return None if row is None else row[0]

    def contract_id(self) -> str:
        row = self.connection.execute(
            "SELECT contract_id FROM contracts WHERE id = ?", (self.contract_ref,)
        ).fetchone()
        return str(row[0])

    def load_streams(self, ids: Iterable[int] | None = None) -> dict[int, StreamState]:
        if ids is None:
            rows = self.connection.execute(_SELECT_STREAMS, (self.contract_ref,)).fetchall()
        else:
            wanted = sorted(set(ids))
            rows = []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows += self.connection.execute(
                    f"{_SELECT_STREAMS} AND stream_id IN ({', '.join('?' * len(chunk))})",
                    (self.contract_ref, *chunk),
                ).fetchall()
        return {row[0]: stream_from_row(row) for row in rows}

    def _prior_fees(self, stream_ids: list[int]) -> dict[int, int]:
        """Fees recorded for streams before they existed (``fee_collected`` precedes
        ``stream_created`` in one operation, and a page may end between them)."""
        totals: dict[int, int] = {}
        for stream_id in stream_ids:
            for (fields,) in self.connection.execute(
                # INDEXED BY: without statistics SQLite would scan by the primary key prefix.
                "SELECT fields FROM stream_events INDEXED BY ix_stream_events_stream "
                "WHERE contract_ref = ? AND stream_id = ? "
                "AND type = 'fee_collected'",
                (self.contract_ref, stream_id),
            ):
                totals[stream_id] = totals.get(stream_id, 0) + int(json.loads(fields)["fee_amount"])
        return totals

    def _stored_cursor(self) -> str | None:
        (cursor,) = self.connection.execute(
            "SELECT cursor FROM indexer_state WHERE contract_ref = ?", (self.contract_ref,)
        ).fetchone()
        return cast("str | None", cursor)

    def _stream_rows(self, ids: list[int]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows += self.connection.execute(
                f"{_SELECT_STREAMS} AND stream_id IN ({', '.join('?' * len(chunk))})",
                (self.contract_ref, *chunk),
            ).fetchall()
        return rows

    # ------------------------------------------------------------------ the page

    def read_state(self, ids: list[int], fee_ids: list[int], all_up_to: int = 0) -> StateRead:
        """One consistent read: the stored cursor, the stream rows of ``ids`` (or of every
        stream, when there are at most ``all_up_to``) and ``_prior_fees(fee_ids)``. Rows stay
        raw (``stream_from_row`` is Python work; the caller does it where it suits)."""
        connection = self.connection
        started = time.thread_time()
        connection.execute("BEGIN")
        try:
            cursor = self._stored_cursor()
            complete = False
            if all_up_to:
                (count,) = connection.execute(
                    "SELECT count(*) FROM streams WHERE contract_ref = ?", (self.contract_ref,)
                ).fetchone()
                complete = count <= all_up_to
            if complete:
                rows = connection.execute(_SELECT_STREAMS, (self.contract_ref,)).fetchall()
            else:
                rows = self._stream_rows(ids)
            fees = self._prior_fees(fee_ids)
        finally:
            connection.execute("COMMIT")
            self.cpu_seconds += time.thread_time() - started
        return StateRead(cursor, rows, complete, fees)

    def write_page(self, plan: PagePlan) -> bool:
        """Writes a plan in one transaction if the stored cursor is still the one it was
        planned on (else writes nothing and returns False: plan again from a fresh read)."""
        connection = self.connection
        started = time.thread_time()
        connection.execute("BEGIN IMMEDIATE")
        try:
            if self._stored_cursor() != plan.base_cursor:
                connection.execute("ROLLBACK")
                return False
            self._write(plan)
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        finally:
            self.cpu_seconds += time.thread_time() - started
        return True

    def _write(self, plan: PagePlan) -> None:
        connection = self.connection
        connection.executemany(_INSERT_EVENT, plan.event_rows)
        if plan.new_stream_rows:
            connection.executemany(_UPSERT_STREAM, plan.new_stream_rows)
        if plan.stream_update_rows:
            connection.executemany(_UPDATE_STREAM, plan.stream_update_rows)
        cursor = plan.cursor
        last_ledger = (int(cursor[:19]) >> 32) if cursor else 0
        connection.execute(
            "UPDATE indexer_state SET cursor = ?, last_ledger = max(last_ledger, ?), "
            "latest_ledger_seen = ?, oldest_ledger = ?, "
            "retention_window = coalesce(?, retention_window), "
            "event_count = event_count + ?, unknown_count = unknown_count + ?, "
            "updated_at = ? WHERE contract_ref = ?",
            (
                cursor,
                last_ledger,
                plan.latest_ledger,
                plan.oldest_ledger,
                plan.retention_window,
                len(plan.event_rows),
                plan.unknown,
                int(time.time()),
                self.contract_ref,
            ),
        )

    def commit_page(
        self,
        events: list[RawEvent],
        cursor: str,
        latest_ledger: int,
        oldest_ledger: int,
        retention_window: int | None = None,
        accept_invalid_xdr: frozenset[str] = frozenset(),
        decoded: list[DecodedEvent] | None = None,
    ) -> PageOutcome:
        """Applies the events above the stored cursor and moves the cursor to ``cursor``, in one
        transaction, all on the calling thread (the sync loop plans on its loop and calls
        ``write_page`` instead). Raises ``InvalidXdrError`` (nothing written) when an event's
        XDR is not well-formed, unless its id is in ``accept_invalid_xdr`` (stored raw)."""
        if decoded is None:
            decoded = decode_page(events)
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            cache = StreamCache(cursor=self._stored_cursor(), valid=True)
            planner = PagePlanner(cache, self.contract_ref, events, decoded, accept_invalid_xdr)
            ids, fee_ids = planner.needs()
            cache.streams.update((row[0], stream_from_row(row)) for row in self._stream_rows(ids))
            planner.start(self._prior_fees(fee_ids))
            planner.feed(0, len(planner.events))
            plan = planner.finish(cursor, latest_ledger, oldest_ledger, retention_window)
            self._write(plan)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return PageOutcome.of(plan)

    # ------------------------------------------------------------------ token metadata

    def missing_tokens(self) -> list[str]:
        """Tokens of indexed streams whose decimals the ``tokens`` table does not have."""
        rows = self.connection.execute(
            "SELECT DISTINCT s.token_address FROM streams s JOIN contracts c "
            "ON c.id = s.contract_ref WHERE s.contract_ref = ? AND NOT EXISTS ("
            "SELECT 1 FROM tokens t WHERE t.network_id = c.network_id "
            "AND t.address = s.token_address AND t.decimals IS NOT NULL) "
            "ORDER BY s.token_address",
            (self.contract_ref,),
        ).fetchall()
        return [r[0] for r in rows]

    def record_token(self, address: str, decimals: int, symbol: str, name: str) -> None:
        """Records a token's metadata for this contract's network (they never change)."""
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute(
                "INSERT INTO tokens (network_id, address, symbol, name, decimals, fetched_at) "
                "SELECT network_id, ?, ?, ?, ?, ? FROM contracts WHERE id = ? "
                "ON CONFLICT (network_id, address) DO UPDATE SET symbol = excluded.symbol, "
                "name = excluded.name, decimals = excluded.decimals, "
                "fetched_at = excluded.fetched_at",
                (address, symbol, name, decimals, int(time.time()), self.contract_ref),
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ gaps

    def record_gap_and_rebuild(
        self,
        from_ledger: int,
        to_ledger: int,
        reason: str,
        chain_streams: dict[int, StreamState] | None,
        as_of_ledger: int | None,
        resume_cursor: str | None,
    ) -> None:
        """Marks ``from_ledger..to_ledger`` as missing history and, when given, replaces the
        stream state with what was read from chain storage at ``as_of_ledger``; moves the
        cursor to ``resume_cursor`` (the point the RPC still has), all in one transaction."""
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute(
                "INSERT INTO gaps (contract_ref, from_ledger, to_ledger, detected_at, reason, "
                "rebuilt_at_ledger) VALUES (?, ?, ?, ?, ?, ?)",
                (self.contract_ref, from_ledger, to_ledger, int(time.time()), reason, as_of_ledger),
            )
            if chain_streams is not None and as_of_ledger is not None:
                known = self.load_streams(chain_streams)
                rows = []
                for sid, state in chain_streams.items():
                    old = known.get(sid)
                    if old is not None:  # keep what only events can tell
                        state.fees_paid = old.fees_paid
                        state.created_ledger = old.created_ledger
                        state.last_event_id = old.last_event_id
                    state.source = "chain"
                    state.as_of_ledger = as_of_ledger
                    state.updated_ledger = as_of_ledger
                    rows.append(stream_to_row(self.contract_ref, state, int(time.time())))
                connection.executemany(_UPSERT_STREAM, rows)
            connection.execute(
                "UPDATE indexer_state SET cursor = ?, last_ledger = max(last_ledger, ?), "
                "updated_at = ? WHERE contract_ref = ?",
                (resume_cursor, to_ledger, int(time.time()), self.contract_ref),
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def gaps(self) -> list[tuple[int, int, str, int | None]]:
        return [
            (r[0], r[1], r[2], r[3])
            for r in self.connection.execute(
                "SELECT from_ledger, to_ledger, reason, rebuilt_at_ledger FROM gaps "
                "WHERE contract_ref = ? ORDER BY from_ledger",
                (self.contract_ref,),
            )
        ]
