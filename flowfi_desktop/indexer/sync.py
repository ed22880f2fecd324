"""The sync loop: getEvents by cursor into the store, one page per transaction.

One run (``sync_once``): ``getHealth`` (where the RPC stands and what it retains), then
``getNetwork`` once (the passphrase must be the one the index was built for), then ``getEvents``
for our contract with large pages, carrying on through empty or partial pages until the cursor
reaches the RPC's latest ledger. Cursor paging follows stellar-rpc: a full page's cursor is its
last event id; otherwise it is the end of the scanned window (at most 10,000 ledgers), so an
empty page does not mean the end. Each page is applied in id order, and its events, the streams
they change and the new cursor commit together (``IndexWriter.commit_page``).

Faults: transport errors, 5xx, timeouts, malformed answers and invalid XDR are retried with
backoff (nothing is written from a bad page); a cursor the RPC no longer retains is a *gap*
(recorded, stream state re-read from chain storage when a ``ChainStateReader`` is given); an RPC
whose latest ledger is behind the index is waited for, never followed backwards. Every change
of situation is announced as a ``SyncStatus``.

``follow`` repeats ``sync_once`` about once a ledger, and every second for a while after
``nudge()`` (call it when the user has just submitted a transaction).

Threads: every SQLite call runs on the indexer's own *writer thread* (a one-thread executor
that owns the writer connection, so the connection is only ever used from one thread and page
commits are serialized in order); it runs SQL only, during which SQLite releases the GIL. The
page's Python work (checking and decoding its events, planning the stream updates) stays on the
loop in ``SLICE``-event slices with a yield between them: on a worker thread it would hold the
GIL against the GUI thread's own Python (every repaint calls into it), which measured worse. So
the loop — the GUI's, under qasync — is never held for a whole page. Notifications are emitted
on the loop, never from the writer thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flowfi_desktop.errors import NetworkError, RefusedError
from flowfi_desktop.indexer.chain_state import ChainStateReader
from flowfi_desktop.indexer.decode import DecodedEvent
from flowfi_desktop.indexer.notify import (
    EventsAdded,
    Notifier,
    StreamsChanged,
    SyncProgress,
    SyncStatus,
)
from flowfi_desktop.indexer.page import (
    EventsPage,
    NativePage,
    PageDataError,
    RawEvent,
    check_page,
    cursor_ledger,
    max_cursor,
    page_frame,
    parse_events,
    read_events_reply,
    to_wire_page,
)
from flowfi_desktop.indexer.plan import CACHE_MAX, SLICE, PagePlanner, StreamCache
from flowfi_desktop.indexer.rpc_port import RpcCaller, RpcDataError, error_code
from flowfi_desktop.indexer.token_meta import TokenReader, native_meta
from flowfi_desktop.indexer.writer import (
    IndexWriter,
    InvalidXdrError,
    PageOutcome,
    decode_page,
    stream_from_row,
)
from flowfi_desktop.store.db import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

WAKE_CHECK = 0.5  # seconds: see Indexer._in_writer
TOKEN_RETRY = 600.0  # seconds before asking again about a token whose metadata failed
MAX_RESTARTS = 3  # at one stored cursor, before giving up (see sync_once)
INVALID_REQUEST = -32600  # stellar-rpc: e.g. "startLedger must be within the ledger range"


@dataclass
class SyncConfig:
    page_limit: int = 10_000
    poll_interval: float = 5.0  # about one ledger
    fast_poll_interval: float = 1.0
    fast_poll_window: float = 30.0  # seconds of fast polling after nudge()
    retry_initial: float = 0.5
    retry_max: float = 30.0
    attempts: int = 6  # per request in a one-shot sync, before giving up
    invalid_xdr_attempts: int = 3  # then the event is stored raw as unknown


@dataclass
class SyncReport:
    events: int = 0
    unknown: int = 0
    orphans: int = 0  # events of streams whose creation the index never saw
    pages: int = 0
    changed_streams: set[int] = field(default_factory=set)
    ledger: int = 0  # covered up to
    latest_ledger: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    status: SyncStatus = field(default_factory=lambda: SyncStatus("caught_up", ""))


class _Behind(Exception):
    def __init__(self, rpc_latest: int, ours: int) -> None:
        super().__init__(f"RPC latest {rpc_latest} < index {ours}")
        self.rpc_latest = rpc_latest
        self.ours = ours


class Indexer:
    """Indexes one contract on one network into ``store``."""

    def __init__(
        self,
        store: Store,
        contract_ref: int,
        rpc: RpcCaller,
        *,
        passphrase: str | None = None,
        notifier: Notifier | None = None,
        config: SyncConfig | None = None,
        chain_reader: ChainStateReader | None = None,
        token_reader: TokenReader | None = None,
    ) -> None:
        # One thread owns the writer connection: created there, used there, closed there.
        self._db: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="index-writer"
        )
        self._cache = StreamCache()
        self._token_failures: dict[str, float] = {}  # address -> when reading it failed
        self._tokens_checked = False
        self.writer = self._db.submit(IndexWriter, store, contract_ref).result()
        self.contract_id = self._db.submit(self.writer.contract_id).result()
        self.rpc = rpc
        self.passphrase = passphrase
        self.notifier = notifier or Notifier()
        self.config = config or SyncConfig()
        self.chain_reader = chain_reader
        self.token_reader = token_reader
        self._network_checked = passphrase is None
        self._nudged = asyncio.Event()
        self._fast_until = 0.0
        self._invalid_seen: dict[str, int] = {}
        self._oldest = 0
        self._restarts = 0  # runs started over in a row at the stored cursor ``_restart_cursor``
        self._restart_cursor: str | None = None

    def close(self) -> None:
        """Closes the writer connection (after a page commit that is still running, if any:
        a cancelled sync does not cancel the transaction it started, it lets it finish)."""
        if self._db is None:
            return
        db, self._db = self._db, None
        try:
            db.submit(self.writer.close).result()
        finally:
            db.shutdown(wait=True)

    async def aclose(self) -> None:
        """``close`` without holding the loop while a running page commit finishes."""
        await asyncio.to_thread(self.close)

    async def _in_writer(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Runs ``fn`` on the writer thread; the caller resumes on the loop."""
        if self._db is None:
            raise RuntimeError("the indexer is closed")
        job = self._db.submit(functools.partial(fn, *args, **kwargs))
        waiter = asyncio.wrap_future(job)
        try:
            while True:
                # The thread wakes the loop through call_soon_threadsafe (under qasync: a Qt
                # signal from this thread). A GUI benchmark sync once hung with every thread
                # idle (most likely the scenario's own task problem fixed in bench_gui 3d01898,
                # not a lost wake-up); looking at the job now and then is cheap insurance that
                # a lost wake-up would be a 0.5 s delay, never a hang.
                done, _ = await asyncio.wait({waiter}, timeout=WAKE_CHECK)
                if done:
                    return waiter.result()
                if job.done():
                    log.warning("the writer thread finished but the loop was not woken")
                    waiter.cancel()
                    return job.result()
        except asyncio.CancelledError:
            waiter.cancel()  # the job itself runs to its end (a transaction is atomic anyway)
            raise

    @property
    def status(self) -> SyncStatus:
        return self.notifier.last_status

    def _status(self, state: str, message: str) -> SyncStatus:
        status = SyncStatus(state, message)
        if status != self.notifier.last_status:
            self.notifier.emit(status)
        return status

    # ------------------------------------------------------------------ RPC with retries

    async def _call(
        self,
        method: str,
        params: dict[str, Any],
        attempts: int | None,
        decode: Callable[[bytes, int], Any] | None = None,
    ) -> Any:
        """``method``'s result, retried as configured; with ``decode``, a typed reader of the
        reply body that the client tries first (``RpcClient.call_decoded``), when it has one."""
        delay = self.config.retry_initial
        attempt = 0
        call_decoded = getattr(self.rpc, "call_decoded", None) if decode is not None else None
        while True:
            attempt += 1
            try:
                if call_decoded is not None:
                    return await call_decoded(method, params, decode, decode_off_loop=True)
                return await self.rpc.call(method, params)
            except NetworkError as error:
                if error_code(error) == INVALID_REQUEST:
                    raise  # the caller decides (range errors)
                failure: NetworkError = error
            except (TimeoutError, OSError) as error:
                failure = RpcDataError(f"{method}: {error}")
            if attempts is not None and attempt >= attempts:
                self._status("failed", f"{failure}; gave up after {attempt} attempts")
                raise failure
            self._status(
                "retrying", f"{failure}; attempt {attempt} failed, retrying in {delay:.1f} s"
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.retry_max)

    # ------------------------------------------------------------------ one run

    async def sync_once(self, *, attempts: int | None = -1) -> SyncReport:
        """Indexes up to the RPC's latest ledger. ``attempts``: per request before raising
        ``NetworkError`` (-1: the config's; None: forever, as ``follow`` does)."""
        tries = self.config.attempts if attempts == -1 else attempts
        report = SyncReport()
        health = await self._call("getHealth", {}, tries)
        if not isinstance(health, dict) or not isinstance(health.get("latestLedger"), int):
            raise RpcDataError("getHealth: unusable answer")
        if health.get("status", "healthy") != "healthy":
            self._status("waiting", f"the RPC says it is {health.get('status')!r}")
        if not self._network_checked:
            network = await self._call("getNetwork", {}, tries)
            if not isinstance(network, dict) or network.get("passphrase") != self.passphrase:
                got = network.get("passphrase") if isinstance(network, dict) else None
                raise RefusedError(
                    f"the RPC serves network {got!r}, not {self.passphrase!r}: check the RPC URL"
                )
            self._network_checked = True
        latest = int(health["latestLedger"])
        oldest = int(health.get("oldestLedger", 0))
        self._oldest = oldest
        retention = health.get("ledgerRetentionWindow")
        state = await self._in_writer(self.writer.status)
        report.latest_ledger = latest
        if state.last_ledger > latest:
            report.ledger = state.last_ledger
            report.status = self._status(
                "waiting",
                f"the RPC is at ledger {latest}, behind the index (ledger {state.last_ledger}); "
                "waiting for it to catch up",
            )
            return report

        cursor = state.cursor
        if cursor is None:
            start = await self._in_writer(self.writer.start_ledger)
            first = max(start if start is not None else oldest, oldest, 1)
            if start is not None and start < oldest:
                await self._gap(report, start, oldest - 1, "first sync", oldest, tries)
            elif start is None and oldest > 2:
                await self._gap(
                    report, 1, oldest - 1, "first sync, deploy ledger unknown", oldest, tries
                )
            cursor = (await self._in_writer(self.writer.status)).cursor
            if cursor is None:
                cursor = max_cursor(first - 1)
        elif needs_gap(cursor, oldest):
            cl = cursor_ledger(cursor)
            # A cursor that ends ledger cl has seen all of it; a mid-ledger cursor has not.
            missing_from = cl + 1 if cursor == max_cursor(cl) else cl
            await self._gap(
                report,
                missing_from,
                oldest - 1,
                "the RPC no longer has these ledgers",
                oldest,
                tries,
            )
            cursor = (await self._in_writer(self.writer.status)).cursor
            assert cursor is not None

        self._status("syncing", f"indexing from ledger {cursor_ledger(cursor)} to {latest}")
        # The stored cursor as this run leaves it: each page is planned on top of it, and any
        # other cursor found in the store means another writer moved it (see _commit).
        expected = (await self._in_writer(self.writer.status)).cursor
        retention_window = retention if isinstance(retention, int) else None
        prefetch: asyncio.Task[EventsPage] | None = None
        try:
            while True:
                try:
                    with _gc_paused():
                        if prefetch is not None:
                            page = await prefetch
                            prefetch = None
                        else:
                            page = await self._fetch_page(cursor, tries)
                except _Behind as behind:
                    report.status = self._status(
                        "waiting",
                        f"the RPC is at ledger {behind.rpc_latest}, behind the index "
                        f"(ledger {behind.ours}); waiting for it to catch up",
                    )
                    report.ledger = behind.ours
                    return report
                except _OutOfRange:
                    # Retention moved past our cursor since getHealth: start over (gap path).
                    return await self._merge(report, await self.sync_once(attempts=attempts))
                last_page = (
                    len(page.events) < self.config.page_limit
                    and cursor_ledger(page.cursor) >= page.latest_ledger
                )
                if not last_page:
                    # Ask for the next page now: the server prepares it while this one commits.
                    prefetch = asyncio.create_task(self._fetch_page(page.cursor, tries))
                    for _ in range(4):  # let it get the request out
                        await asyncio.sleep(0)
                accept = frozenset(
                    k
                    for k, n in self._invalid_seen.items()
                    if n >= self.config.invalid_xdr_attempts
                )
                try:
                    with _gc_paused():
                        outcome = await self._commit(page, expected, retention_window, accept)
                except InvalidXdrError as error:
                    await _discard(prefetch)
                    prefetch = None
                    seen = self._invalid_seen[error.event_id] = (
                        self._invalid_seen.get(error.event_id, 0) + 1
                    )
                    if tries is not None and seen > max(tries, self.config.invalid_xdr_attempts):
                        raise
                    self._status("retrying", f"{error}; asking again (attempt {seen})")
                    await asyncio.sleep(
                        min(self.config.retry_initial * seen, self.config.retry_max)
                    )
                    continue
                for event_id in accept:
                    if event_id <= page.cursor:
                        self._invalid_seen.pop(event_id, None)
                        log.warning("event %s kept raw: its XDR stayed invalid", event_id)
                report.pages += 1
                report.events += outcome.new_events
                report.unknown += outcome.unknown
                report.orphans += outcome.orphans
                report.changed_streams |= outcome.changed_streams
                for anomaly in outcome.anomalies:
                    log.warning("index anomaly: %s", anomaly)
                if outcome.new_events and outcome.last_event_id:
                    self.notifier.emit(EventsAdded(outcome.new_events, outcome.last_event_id))
                if outcome.changed_streams:
                    self.notifier.emit(StreamsChanged(frozenset(outcome.changed_streams)))
                expected = cursor = page.cursor
                ledger = cursor_ledger(cursor)
                report.ledger = ledger
                report.latest_ledger = max(page.latest_ledger, latest)
                self.notifier.emit(SyncProgress(ledger, page.latest_ledger, report.events))
                if last_page:
                    break
        except _Restart:
            # The store is not where this run left it (another indexer wrote): start over from
            # what is stored.
            await _discard(prefetch)
            prefetch = None
            self._cache.reset()
            stored = (await self._in_writer(self.writer.status)).cursor
            # Two indexers on one file (the GUI and the CLI) make each other start over while
            # either moves the cursor; starting over again and again at one cursor is not that.
            self._restarts = self._restarts + 1 if stored == self._restart_cursor else 1
            self._restart_cursor = stored
            if self._restarts > MAX_RESTARTS:
                raise RpcDataError(
                    "the index keeps changing under the indexer (another indexer?)"
                ) from None
            return await self._merge(report, await self.sync_once(attempts=attempts))
        finally:
            await _discard(prefetch)
        if report.changed_streams or not self._tokens_checked:
            await self._fill_tokens()
        unknown_note = (
            f"; {report.unknown} events of unknown shape kept raw" if report.unknown else ""
        )
        if report.orphans:
            unknown_note += (
                f"; {report.orphans} events of streams whose history is missing (see gaps)"
            )
        report.status = self._status(
            "caught_up", f"indexed up to ledger {report.ledger}{unknown_note}"
        )
        return report

    # ------------------------------------------------------------------ a page

    async def _read_page(self, result: Any, after: str) -> EventsPage:
        """Checks and decodes a getEvents result on the loop, ``SLICE`` events at a time (a
        10,000-event page is ~25 ms of Python; a slice ~5 ms, then Qt gets its turn)."""
        if NativePage is not None and isinstance(result, NativePage):
            return await self._take_native(result)
        items, page = page_frame(to_wire_page(result))
        previous = after
        for start in range(0, len(items), SLICE):
            part = parse_events(items[start : start + SLICE], self.contract_id, previous)
            if part:
                previous = part[-1].id
            page.events += part
            await asyncio.sleep(0)
        check_page(page, after)
        decoded: list[DecodedEvent] = []
        for start in range(0, len(page.events), SLICE):
            decoded += decode_page(page.events[start : start + SLICE])
            await asyncio.sleep(0)
        page.decoded = decoded
        return page

    async def _take_native(self, native: NativePage) -> EventsPage:
        """A page the native reader read and checked in full: its Python objects, ``SLICE``
        events at a time."""
        page = EventsPage([], native.cursor, native.latest_ledger, native.oldest_ledger)
        decoded: list[DecodedEvent] = []
        for start in range(0, len(native), SLICE):
            raws, decs = native.take(start, start + SLICE, RawEvent, DecodedEvent)
            page.events += raws
            decoded += decs
            await asyncio.sleep(0)
        page.decoded = decoded
        return page

    async def _commit(
        self, page: EventsPage, expected: str | None, retention: int | None, accept: frozenset[str]
    ) -> PageOutcome:
        """Plans the page on the loop (in slices) over the stream cache, and writes the plan on
        the writer thread in one transaction, provided the stored cursor is still ``expected``
        (where this run left it). Any other cursor, found when reading stream state or under
        the write lock, means another indexer wrote: ``_Restart`` (the run starts over from the
        stored cursor; planning on it here could apply events twice or move the cursor back)."""
        cache = self._cache
        decoded = page.decoded if page.decoded is not None else decode_page(page.events)
        try:
            if cache.valid and cache.cursor != expected:
                cache.reset()
            if not cache.valid:
                state = await self._in_writer(self.writer.read_state, [], [], CACHE_MAX)
                if state.cursor != expected:
                    raise _Restart
                cache.reset()
                await self._cache_rows(state.stream_rows)
                cache.cursor, cache.complete, cache.valid = state.cursor, state.complete, True
            planner = PagePlanner(cache, self.writer.contract_ref, page.events, decoded, accept)
            ids, fee_ids = planner.needs()
            fees: dict[int, int] = {}
            if ids or fee_ids:
                state = await self._in_writer(self.writer.read_state, ids, fee_ids)
                if state.cursor != expected:
                    raise _Restart
                await self._cache_rows(state.stream_rows)
                fees = state.prior_fees
            planner.start(fees)
            for start in range(0, len(planner.events), SLICE):
                planner.feed(start, start + SLICE)
                await asyncio.sleep(0)
            changed = planner.changed()
            for start in range(0, len(changed), SLICE):
                planner.add_stream_rows(changed[start : start + SLICE])
                await asyncio.sleep(0)
            plan = planner.finish(page.cursor, page.latest_ledger, page.oldest_ledger, retention)
            # The writer thread runs SQL only (the GIL is released while SQLite works).
            if not await self._in_writer(self.writer.write_page, plan):
                raise _Restart
        except BaseException:
            # The cached streams may hold changes that were not written (or were: a cancelled
            # await does not stop the thread); read them again next time.
            cache.reset()
            raise
        cache.cursor = plan.cursor
        if len(cache.streams) > CACHE_MAX:
            cache.reset()
        return PageOutcome.of(plan)

    async def _cache_rows(self, rows: list[tuple[Any, ...]]) -> None:
        streams = self._cache.streams
        for start in range(0, len(rows), SLICE):
            for row in rows[start : start + SLICE]:
                streams[row[0]] = stream_from_row(row)
            await asyncio.sleep(0)

    async def _fill_tokens(self) -> None:
        """Records the metadata of the tokens of indexed streams that have none yet (the native
        token's is fixed; others through ``token_reader``). Failures are logged and retried on
        a later run: metadata never stops indexing."""
        missing = await self._in_writer(self.writer.missing_tokens)
        # Look again on the next run only if a read failed (new streams also trigger a look).
        self._tokens_checked = True
        if not missing:
            return
        native = native_meta(self.passphrase) if self.passphrase else None
        for address in missing:
            if native is not None and address == native[0]:
                meta = native[1]
            elif (
                self.token_reader is not None
                and time.monotonic() - self._token_failures.get(address, -TOKEN_RETRY)
                >= TOKEN_RETRY
            ):
                try:
                    meta = await self.token_reader(address)
                except Exception as error:
                    self._token_failures[address] = time.monotonic()
                    self._tokens_checked = False
                    log.warning("token %s metadata not read: %s", address, error)
                    continue
            else:
                if address in self._token_failures:
                    self._tokens_checked = False  # its retry time will come
                continue
            await self._in_writer(
                self.writer.record_token, address, meta.decimals, meta.symbol, meta.name
            )

    async def _merge(self, report: SyncReport, later: SyncReport) -> SyncReport:
        later.events += report.events
        later.unknown += report.unknown
        later.orphans += report.orphans
        later.pages += report.pages
        later.changed_streams |= report.changed_streams
        later.gaps = report.gaps + later.gaps
        return later

    async def _fetch_page(self, cursor: str, tries: int | None) -> EventsPage:
        delay = self.config.retry_initial
        attempt = 0
        while True:
            attempt += 1
            params: dict[str, Any] = {
                "filters": [{"type": "contract", "contractIds": [self.contract_id]}],
                "pagination": {"limit": self.config.page_limit},
            }
            ledger = cursor_ledger(cursor)
            if cursor == max_cursor(ledger) and ledger < self._oldest:
                # "After all of ledger oldest-1" (a fresh start, or right after a gap): the RPC
                # only takes cursors inside its range, so ask from the ledger instead.
                params["startLedger"] = ledger + 1
            else:
                params["pagination"]["cursor"] = cursor
            try:
                result = await self._call(
                    "getEvents",
                    params,
                    tries,
                    lambda body, request_id: read_events_reply(
                        body, request_id, self.contract_id, cursor
                    ),
                )
                return await self._read_page(result, cursor)
            except PageDataError as error:
                failure: NetworkError = error
            except NetworkError as error:
                if error_code(error) != INVALID_REQUEST:
                    raise
                health = await self._call("getHealth", {}, tries)
                ours = cursor_ledger(cursor)
                if isinstance(health, dict) and isinstance(health.get("latestLedger"), int):
                    if health["latestLedger"] < ours:
                        raise _Behind(health["latestLedger"], ours) from error
                    self._oldest = int(health.get("oldestLedger", 0))
                    if needs_gap(cursor, self._oldest):
                        raise _OutOfRange from error
                failure = error
            if tries is not None and attempt >= tries:
                self._status("failed", f"{failure}; gave up after {attempt} attempts")
                raise failure
            self._status(
                "retrying", f"{failure}; attempt {attempt} failed, retrying in {delay:.1f} s"
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.retry_max)

    # ------------------------------------------------------------------ gaps

    async def _gap(
        self,
        report: SyncReport,
        from_ledger: int,
        to_ledger: int,
        why: str,
        oldest: int,
        tries: int | None,
    ) -> None:
        self._status(
            "gap",
            f"history of ledgers {from_ledger}-{to_ledger} is no longer kept by the RPC ({why}); "
            + (
                "reading stream state from chain storage"
                if self.chain_reader
                else "marking it missing"
            ),
        )
        chain = None
        if self.chain_reader is not None:
            attempt = 0
            while True:
                attempt += 1
                try:
                    chain = await self.chain_reader.read_all()
                    break
                except (NetworkError, OSError, ValueError) as error:
                    if tries is not None and attempt >= tries:
                        raise
                    self._status(
                        "retrying",
                        f"reading chain state failed ({error}); attempt {attempt}, retrying",
                    )
                    await asyncio.sleep(self.config.retry_initial)
        resume = max_cursor(oldest - 1)
        await self._in_writer(
            self.writer.record_gap_and_rebuild,
            from_ledger,
            to_ledger,
            why,
            chain.streams if chain else None,
            chain.latest_ledger if chain else None,
            resume,
        )
        self._cache.reset()  # stream rows replaced, cursor moved
        report.gaps.append((from_ledger, to_ledger))
        if chain:
            report.changed_streams |= set(chain.streams)
            self.notifier.emit(StreamsChanged(frozenset(chain.streams)))

    # ------------------------------------------------------------------ follow mode

    def nudge(self) -> None:
        """Poll right away and then every second for a while (a transaction was just sent)."""
        self._fast_until = time.monotonic() + self.config.fast_poll_window
        self._nudged.set()

    async def follow(self, stop: asyncio.Event | None = None) -> None:
        """Keeps the index up to date until ``stop`` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        delay = self.config.retry_initial
        while not stop.is_set():
            try:
                await self.sync_once(attempts=1)
                delay = self.config.retry_initial
                interval = (
                    self.config.fast_poll_interval
                    if time.monotonic() < self._fast_until
                    else self.config.poll_interval
                )
            except RefusedError as error:
                self._status("failed", str(error))
                raise
            except NetworkError as error:
                self._status("retrying", f"{error}; retrying in {delay:.1f} s")
                interval = delay
                delay = min(delay * 2, self.config.retry_max)
            self._nudged.clear()
            waiters = [
                asyncio.ensure_future(self._nudged.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            try:
                await asyncio.wait(waiters, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
        self._status("stopped", "sync stopped")


async def _discard(task: asyncio.Task[Any] | None) -> None:
    """Cancels a prefetch that is no longer wanted and waits for it to end."""
    if task is not None and not task.done():
        task.cancel()
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


_pause_lock = threading.Lock()
_pausers = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """A page makes hundreds of thousands of small acyclic objects (parsed JSON, decoded
    fields, rows); the cyclic GC would rescan them over and over (it doubles the cost of
    parsing a page). Reference counting frees them anyway; collection resumes after.
    ``gc.disable`` is process-wide and spans may overlap (the loop and the writer thread), so
    the pauses are counted: the last one out restores it."""
    global _pausers, _gc_was_enabled
    with _pause_lock:
        if _pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _pausers += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pausers -= 1
            if _pausers == 0 and _gc_was_enabled:
                gc.enable()


class _OutOfRange(Exception):
    pass


class _Restart(Exception):
    """The store is not where this run left it: start the run over from what is stored."""


def needs_gap(cursor: str, oldest: int) -> bool:
    """Whether events after ``cursor`` are partly gone from an RPC whose oldest is ``oldest``."""
    ledger = cursor_ledger(cursor)
    return ledger < oldest - 1 or (ledger == oldest - 1 and cursor != max_cursor(ledger))
