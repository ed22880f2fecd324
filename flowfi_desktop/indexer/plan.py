"""A page of events turned into the rows of its transaction: pure Python, no database.

Why a separate step: in the GUI one asyncio loop (qasync) serves both Qt and the indexer. The
Python work of a page (checking, decoding, applying events to stream state, building rows) runs
on that loop in slices of ``SLICE`` events, so a repaint waits for one slice at most; the writer
thread only executes SQL, which releases the GIL. (Python running on a second thread is worse
for the GUI than slices on the loop: each time Qt calls into Python — once per visible table
cell in a repaint — it waits for that thread to give up the GIL.)

Stream state comes from a ``StreamCache`` the indexer keeps between pages. It is valid for one
stored cursor: a page is planned on top of the cache's cursor and the writer applies the plan
only if the stored cursor is still that one (checked inside the write transaction, under the
write lock). Anything else — another process wrote, a write failed, a sync was cancelled
mid-page — drops the cache and the page is planned again from a fresh read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowfi_desktop.indexer.decode import DecodedEvent, fields_json_text
from flowfi_desktop.indexer.page import PageDataError, RawEvent
from flowfi_desktop.indexer.state import StreamApplier, StreamState
from flowfi_desktop.store.i128 import encode_i128

SLICE = 1_000  # events per slice of Python work on the loop (~2-5 ms quiet)
# Streams kept in memory between pages (~0.5 kB each); beyond it the cache is rebuilt per page
# from the streams the page touches.
CACHE_MAX = 100_000


class InvalidXdrError(PageDataError):
    """An event's topics or value are not well-formed XDR: the page is not written."""

    def __init__(self, event_id: str, reason: str) -> None:
        super().__init__(f"event {event_id} has invalid XDR ({reason})")
        self.event_id = event_id


@dataclass
class StreamCache:
    """Stream state as of ``cursor`` (``valid``); ``complete``: every stream of the contract
    is in ``streams`` (so an id that is not there does not exist yet)."""

    streams: dict[int, StreamState] = field(default_factory=dict)
    cursor: str | None = None
    valid: bool = False
    complete: bool = False

    def reset(self) -> None:
        self.streams = {}
        self.cursor = None
        self.valid = False
        self.complete = False

    def missing(self, ids: set[int]) -> list[int]:
        if self.complete:
            return []
        return sorted(sid for sid in ids if sid not in self.streams)


@dataclass
class PagePlan:
    """What one transaction writes, planned on top of the stored cursor ``base_cursor``."""

    base_cursor: str | None
    cursor: str
    latest_ledger: int
    oldest_ledger: int
    retention_window: int | None
    event_rows: list[tuple[Any, ...]]
    new_stream_rows: list[tuple[Any, ...]]
    stream_update_rows: list[tuple[Any, ...]]
    unknown: int
    skipped: int
    changed_streams: set[int]
    orphans: int
    anomalies: list[str]
    last_event_id: str | None


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
    """Parameters of the writer's stream UPDATE (its mutable columns, then the key)."""
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


class PagePlanner:
    """Plans one page on top of ``cache`` (valid, with the streams the page touches loaded).

    Use: ``needs()`` -> load those into the cache -> ``feed`` slices in order -> ``finish``.
    ``feed`` mutates the cached streams: if the plan is not written, reset the cache."""

    def __init__(
        self,
        cache: StreamCache,
        contract_ref: int,
        events: list[RawEvent],
        decoded: list[DecodedEvent],
        accept_invalid_xdr: frozenset[str] = frozenset(),
    ) -> None:
        if len(decoded) != len(events):
            raise ValueError("decoded events do not match the page")
        self.cache = cache
        self.ref = contract_ref
        self.base_cursor = cache.cursor
        self.accept = accept_invalid_xdr
        skipped = 0
        stored = cache.cursor
        if stored is not None and events and events[0].id <= stored:
            # Events are in id order (checked with the page): skip the replayed prefix.
            skipped = next((i for i, e in enumerate(events) if e.id > stored), len(events))
        self.events = events[skipped:]
        self.decoded = decoded[skipped:]
        self.skipped = skipped
        self.touched = {d.stream_id for d in self.decoded if d.stream_id is not None}
        self.rows: list[tuple[Any, ...]] = []
        self.unknown = 0
        self.pending: dict[int, int] = {}
        self.prior_fees: dict[int, int] = {}
        self.applier = StreamApplier(cache.streams, self.pending)
        self.existing: set[int] = set()
        self.previous_toid = ""
        self.new_rows: list[tuple[Any, ...]] = []
        self.update_rows: list[tuple[Any, ...]] = []
        self.rows_built = 0

    def needs(self) -> tuple[list[int], list[int]]:
        """Stream ids to load into the cache, and ids whose fees recorded before this page are
        needed (a create whose ``fee_collected`` is in the previous page)."""
        fee_ids = []
        previous = ""
        for raw, dec in zip(self.events, self.decoded, strict=True):
            if (
                dec.name == "stream_created"
                and dec.stream_id is not None
                and raw.id[:19] != previous
                and not raw.id.endswith("-0000000000")
            ):
                fee_ids.append(dec.stream_id)
            previous = raw.id[:19]
        return self.cache.missing(self.touched), fee_ids

    def start(self, prior_fees: dict[int, int]) -> None:
        """Call once the streams of ``needs()`` are in the cache."""
        self.prior_fees = prior_fees
        streams = self.cache.streams
        self.existing = {sid for sid in self.touched if sid in streams}

    def feed(self, start: int, stop: int) -> None:
        """Applies events ``start:stop`` (in order, each once) and builds their rows."""
        streams = self.cache.streams
        apply = self.applier.apply
        rows = self.rows
        ref = self.ref
        previous_toid = self.previous_toid
        for raw, dec in zip(self.events[start:stop], self.decoded[start:stop], strict=True):
            fields = dec.fields
            if fields is not None:
                sid = dec.stream_id
                # A create's fee event comes just before it in the same operation; only when
                # that one is not in this page can it be in the store already.
                if (
                    dec.name == "stream_created"
                    and sid is not None
                    and sid not in streams
                    and raw.id[:19] != previous_toid
                    and not raw.id.endswith("-0000000000")
                ):
                    self.pending[sid] = self.prior_fees.get(sid, 0)
                apply(raw.id, raw.ledger, raw.close_time, dec.name, fields)
                text = dec.fields_json or fields_json_text(dec.name, fields)
            else:
                if dec.invalid_xdr and raw.id not in self.accept:
                    raise InvalidXdrError(raw.id, dec.reason or "invalid XDR")
                self.unknown += 1
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
        self.previous_toid = previous_toid

    def changed(self) -> list[int]:
        """The streams the page changed, in id order (after the last ``feed``)."""
        return sorted(self.applier.result.changed)

    def add_stream_rows(self, ids: list[int]) -> None:
        """Builds the stream rows of ``ids`` (slices of ``changed()``, each once, in order):
        one row per stream the page changed, not per event."""
        streams = self.cache.streams
        now = self.events[-1].close_time if self.events else 0
        ref = self.ref
        existing = self.existing
        for sid in ids:
            if sid in existing:
                self.update_rows.append(stream_update_row(ref, streams[sid], now))
            else:
                self.new_rows.append(stream_to_row(ref, streams[sid], now))
        self.rows_built += len(ids)

    def finish(
        self, cursor: str, latest_ledger: int, oldest_ledger: int, retention: int | None
    ) -> PagePlan:
        changed = self.applier.result.changed
        if self.rows_built != len(changed):
            self.new_rows, self.update_rows, self.rows_built = [], [], 0
            self.add_stream_rows(sorted(changed))
        return PagePlan(
            base_cursor=self.base_cursor,
            cursor=cursor,
            latest_ledger=latest_ledger,
            oldest_ledger=oldest_ledger,
            retention_window=retention,
            event_rows=self.rows,
            new_stream_rows=self.new_rows,
            stream_update_rows=self.update_rows,
            unknown=self.unknown,
            skipped=self.skipped,
            changed_streams=changed,
            orphans=self.applier.result.orphans,
            anomalies=self.applier.result.anomalies,
            last_event_id=self.events[-1].id if self.events else None,
        )
