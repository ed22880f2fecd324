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
from typing import Any

from flowfi_desktop.errors import RefusedError
from flowfi_desktop.indexer.decode import decode_event, fields_json_text
from flowfi_desktop.indexer.page import PageDataError, RawEvent
from flowfi_desktop.indexer.state import StreamApplier, StreamState
from flowfi_desktop.store.db import Store
from flowfi_desktop.store.i128 import decode_i128, encode_i128


class InvalidXdrError(PageDataError):
    """An event's topics or value are not well-formed XDR: the page is not written."""

    def __init__(self, event_id: str, reason: str) -> None:
        super().__init__(f"event {event_id} has invalid XDR ({reason})")
        self.event_id = event_id


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


def stream_from_row(row: tuple[Any, ...]) -> StreamState:
    values = dict(zip(STREAM_COLUMNS, row, strict=True))
    for column in _I128_COLUMNS:
        values[column] = decode_i128(values[column])
    values["is_active"] = bool(values["is_active"])
    values["paused"] = bool(values["paused"])
    del values["end_time"]
    return StreamState(**values)


def stream_to_row(contract_ref: int, s: StreamState, now: int) -> tuple[Any, ...]:
    return (
        contract_ref,
        s.stream_id,
        s.sender,
        s.recipient,
        s.token_address,
        encode_i128(s.rate_per_second),
        encode_i128(s.deposited_amount),
        encode_i128(s.withdrawn_amount),
        s.start_time,
        s.last_update_time,
        s.is_active,
        s.paused,
        s.paused_at,
        s.status,
        encode_i128(s.end_time(now)),
        encode_i128(s.fees_paid),
        encode_i128(s.refunded_amount),
        s.created_ledger,
        s.last_event_id,
        s.updated_ledger,
        s.source,
        s.as_of_ledger,
    )


def stream_update_row(contract_ref: int, s: StreamState, now: int) -> tuple[Any, ...]:
    """Parameters of ``_UPDATE_STREAM`` (``MUTABLE_COLUMNS``, then the key)."""
    return (
        encode_i128(s.deposited_amount),
        encode_i128(s.withdrawn_amount),
        s.last_update_time,
        s.is_active,
        s.paused,
        s.paused_at,
        s.status,
        encode_i128(s.end_time(now)),
        encode_i128(s.fees_paid),
        encode_i128(s.refunded_amount),
        s.last_event_id,
        s.updated_ledger,
        contract_ref,
        s.stream_id,
    )


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

    def _prior_fees(self, stream_id: int) -> int:
        """Fees recorded for a stream before it existed (``fee_collected`` precedes
        ``stream_created`` in one transaction, and a page may end between them)."""
        total = 0
        for (fields,) in self.connection.execute(
            # INDEXED BY: without statistics SQLite would scan by the primary key prefix.
            "SELECT fields FROM stream_events INDEXED BY ix_stream_events_stream "
            "WHERE contract_ref = ? AND stream_id = ? "
            "AND type = 'fee_collected'",
            (self.contract_ref, stream_id),
        ):
            total += int(json.loads(fields)["fee_amount"])
        return total

    # ------------------------------------------------------------------ the page

    def commit_page(
        self,
        events: list[RawEvent],
        cursor: str,
        latest_ledger: int,
        oldest_ledger: int,
        retention_window: int | None = None,
        accept_invalid_xdr: frozenset[str] = frozenset(),
    ) -> PageOutcome:
        """Applies the events above the stored cursor and moves the cursor to ``cursor``, in one
        transaction. Raises ``InvalidXdrError`` (nothing written) when an event's XDR is not
        well-formed, unless its id is in ``accept_invalid_xdr`` (then it is stored raw)."""
        outcome = PageOutcome()
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            (stored_cursor,) = connection.execute(
                "SELECT cursor FROM indexer_state WHERE contract_ref = ?", (self.contract_ref,)
            ).fetchone()
            if stored_cursor is not None:
                fresh = [e for e in events if e.id > stored_cursor]
                outcome.skipped = len(events) - len(fresh)
                events = fresh
            decoded = [decode_event(e.topic, e.value) for e in events]
            touched = {d.stream_id for d in decoded if d.stream_id is not None}
            streams = self.load_streams(touched) if touched else {}
            existing = set(streams)
            pending: dict[int, int] = {}
            apply = StreamApplier(streams, pending)
            rows = []
            ref = self.contract_ref
            previous_toid = ""
            for raw, dec in zip(events, decoded, strict=True):
                fields = dec.fields
                if fields is not None:
                    sid = dec.stream_id
                    # A create's fee event comes just before it in the same operation; only
                    # when that one is not in this page can it be in the store already.
                    if (
                        dec.name == "stream_created"
                        and sid is not None
                        and sid not in streams
                        and raw.id[:19] != previous_toid
                        and not raw.id.endswith("-0000000000")
                    ):
                        pending[sid] = self._prior_fees(sid)
                    apply.apply(raw.id, raw.ledger, raw.close_time, dec.name, fields)
                    text = dec.fields_json or fields_json_text(dec.name, fields)
                else:
                    if dec.invalid_xdr and raw.id not in accept_invalid_xdr:
                        raise InvalidXdrError(raw.id, dec.reason or "invalid XDR")
                    outcome.unknown += 1
                    text = None
                previous_toid = raw.id[:19]
                rows.append(
                    (
                        ref,
                        raw.id,
                        raw.ledger,
                        raw.close_time,
                        raw.tx_hash,
                        raw.tx_index,
                        raw.op_index,
                        dec.name,
                        dec.stream_id,
                        text,
                        raw.topic_xdr,
                        raw.value,
                    )
                )
            connection.executemany(_INSERT_EVENT, rows)
            now = events[-1].close_time if events else 0
            changed = apply.result.changed
            if changed:
                new = [sid for sid in sorted(changed) if sid not in existing]
                if new:
                    connection.executemany(
                        _UPSERT_STREAM, [stream_to_row(ref, streams[sid], now) for sid in new]
                    )
                connection.executemany(
                    _UPDATE_STREAM,
                    [
                        stream_update_row(ref, streams[sid], now)
                        for sid in sorted(changed)
                        if sid in existing
                    ],
                )
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
                    latest_ledger,
                    oldest_ledger,
                    retention_window,
                    len(rows),
                    outcome.unknown,
                    int(time.time()),
                    ref,
                ),
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        outcome.new_events = len(rows)
        outcome.changed_streams = changed
        outcome.orphans = apply.result.orphans
        outcome.anomalies = apply.result.anomalies
        outcome.last_event_id = events[-1].id if events else None
        return outcome

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
