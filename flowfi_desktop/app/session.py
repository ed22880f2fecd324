"""``AppSession``: the application state the window shows and the actions it starts.

- the current network (from the wallet core's settings) and account (GUI preference);
- the index (``<data dir>/index.sqlite3``), opened off the GUI thread; reads through a read-only
  ``IndexReader``;
- the indexer's follow loop for the network's contract, on the one asyncio loop (its SQLite work
  on the indexer's writer thread), with the indexer's largest pages;
- the dashboard and the notification rules, computed from the index.

Everything it announces goes through ``events`` (an ``EventHub``), which the GUI's bridge turns
into Qt signals. No Qt here.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from flowfi_desktop.app.dashboard import Dashboard
from flowfi_desktop.app.events import (
    AccountSwitched,
    EventHub,
    LockChanged,
    NetworkSwitched,
    NoticeRaised,
    StreamsChanged,
    SyncProgressed,
    SyncStatusChanged,
    TransactionIndexed,
)
from flowfi_desktop.app.notices import NoticeRules
from flowfi_desktop.app.preferences import Preferences
from flowfi_desktop.app.queries import IndexReader, StreamRow
from flowfi_desktop.app.tokenbook import TokenBook, learn_from_index
from flowfi_desktop.indexer import notify
from flowfi_desktop.indexer.rpc_port import indexer_rpc
from flowfi_desktop.indexer.sync import Indexer, SyncConfig
from flowfi_desktop.indexer.writer import ensure_contract
from flowfi_desktop.keys.accounts import Wallet
from flowfi_desktop.keys.keystore import AccountEntry, KdfParams
from flowfi_desktop.networks import Network, Networks
from flowfi_desktop.paths import KEYSTORE_FILE
from flowfi_desktop.settings import SettingsFile
from flowfi_desktop.store.damage import DamagedIndexError
from flowfi_desktop.store.db import Store, open_store

log = logging.getLogger(__name__)

INDEX_FILE = "index.sqlite3"
# Events per getEvents page when following from the GUI: the indexer's maximum. The indexer
# reads answers in a worker thread, commits on its writer thread and slices its Python; the
# views refresh at most every 250 ms whatever the page size (ui/bridge.py), a refresh costs
# little (only changed rows are read again, only shown lists refresh, the notice rules read off
# the loop), so big pages no longer lengthen the loop's stalls. bench_gui --sync-only 30000
# (2026-11-30, interleaved with 500-event pages on the code before): longest stall 26-37 ms
# against 28-33 ms; catch-up 1.0 s against 1.3-1.4 s locally, 1.7 s against 7.3 s with 100 ms
# RPC round trips (13 requests instead of 60+).
GUI_PAGE_LIMIT = 10_000


@dataclass(frozen=True)
class SyncView:
    state: str
    message: str
    ledger: int = 0
    latest_ledger: int = 0
    synced_at: int | None = None


T = TypeVar("T")


async def read_off_loop(path: Path, read: Callable[[IndexReader], T]) -> T:
    """``read`` on a worker thread with a connection of its own to the index at ``path``
    (the session's reader belongs to the loop's thread)."""

    def run() -> T:
        reader = IndexReader(path)
        try:
            return read(reader)
        finally:
            reader.close()

    return await asyncio.to_thread(run)


def _account_rows(
    contract_ref: int, ids: list[int], addresses: tuple[str, ...], reader: IndexReader
) -> list[StreamRow]:
    return reader.streams(contract_ref, ids, addresses)


class AppSession:
    def __init__(self, data_dir: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.data_dir = data_dir
        self.clock = clock
        self.settings = SettingsFile(data_dir)
        self.networks = Networks(self.settings)
        self.prefs = Preferences(data_dir)
        self.events = EventHub()
        self.network: Network = self._initial_network()
        self.tokens = TokenBook(self.network.passphrase)
        self.wallet = Wallet(
            data_dir / KEYSTORE_FILE, kdf=KdfParams.named(self.settings.get("keystore_kdf"))
        )
        self.account: AccountEntry | None = self._initial_account()
        self.store: Store | None = None
        self.reader: IndexReader | None = None
        self.contract_ref: int | None = None
        self.indexer: Indexer | None = None
        self._follow: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.sync = SyncView("stopped", "not synced yet")
        self.rules = self._new_rules()
        self._baseline_task: asyncio.Task[None] | None = None
        self.locked = True
        # Ledgers of transactions this app sent that the index does not cover yet.
        self._awaited_ledgers: set[int] = set()
        # Changed streams the notification rules have not looked at yet, and the task that
        # reads their rows (one read at a time, off the loop).
        self._unruled: set[int] = set()
        self._rules_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ network and account

    def _initial_network(self) -> Network:
        name = self.settings.get("network")
        try:
            return self.networks.get(name)
        except Exception:
            log.warning("network %r from settings is unknown; using local", name)
            return self.networks.get("local")

    def _initial_account(self) -> AccountEntry | None:
        accounts = self.wallet.accounts()
        wanted = self.prefs.get("account")
        for entry in accounts:
            if entry.name == wanted:
                return entry
        return accounts[0] if accounts else None

    @property
    def address(self) -> str | None:
        return self.account.address if self.account else None

    @property
    def addresses(self) -> tuple[str, ...]:
        """The current account's address (the views are per account)."""
        return (self.account.address,) if self.account else ()

    def accounts(self) -> list[AccountEntry]:
        return self.wallet.accounts()

    def switch_account(self, name: str | None) -> None:
        self.account = None if name is None else self.wallet.get(name)
        if name is not None:
            self.prefs.set_soon("account", name)
        self.rules = self._new_rules()
        self._baseline_rules()
        self.events.emit(AccountSwitched(self.account.name if self.account else None, self.address))

    def refresh_account(self) -> None:
        """After accounts were added or removed: keep the current one if it still exists."""
        names = [a.name for a in self.wallet.accounts()]
        current = self.account.name if self.account else None
        self.switch_account(current if current in names else (names[0] if names else None))

    def _new_rules(self) -> NoticeRules:
        return NoticeRules(
            frozenset(self.addresses),
            self.tokens.format,
            running_dry_seconds=int(self.prefs.get("running_dry_minutes")) * 60,
        )

    def _baseline_rules(self) -> None:
        """The rules' first look at the index. With a loop running it is read on a worker
        thread with a connection of its own (0.3-0.4 s for an account in 100,000 streams, which
        an account switch used to spend on the GUI thread); until it lands the rules record
        changes without raising notices. Without a loop (a synchronous caller) it is read here.
        ``rules_ready()`` waits for it."""
        if self.reader is None or self.contract_ref is None:
            return
        rules, path, ref = self.rules, self.reader.path, self.contract_ref
        addresses = self.addresses
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            rules.baseline_seen(self.reader.seen_by_notices(ref, addresses))
            return

        async def load() -> None:
            known = await read_off_loop(path, lambda r: list(r.seen_by_notices(ref, addresses)))
            rules.baseline_seen(known)  # harmless on rules a newer switch has replaced

        self._baseline_task = loop.create_task(load(), name="notice baseline")

    async def rules_ready(self) -> None:
        """Until the notification rules have their baseline (see ``_baseline_rules``)."""
        task = self._baseline_task
        if task is not None:
            await asyncio.shield(task)

    async def switch_network(self, name: str) -> None:
        network = self.networks.get(name)
        await self.stop_sync()
        self.settings.set("network", network.name)
        self.network = network
        self.tokens = TokenBook(network.passphrase)
        self.contract_ref = None
        self.rules = self._new_rules()
        self.events.emit(NetworkSwitched(network.name))
        await self.start_sync()

    def set_lock(self, locked: bool) -> None:
        if locked != self.locked:
            self.locked = locked
            self.events.emit(LockChanged(locked))

    # ------------------------------------------------------------------ the index

    @property
    def index_path(self) -> Path:
        return self.data_dir / INDEX_FILE

    async def open_index(self) -> None:
        """Opens (creating and migrating when needed) the index, off the GUI thread."""
        if self.store is None:
            self.store = await asyncio.to_thread(open_store, self.index_path)
            self.reader = IndexReader(self.index_path)
        self._load_contract_ref()
        await self.rules_ready()

    def _load_contract_ref(self) -> None:
        assert self.reader is not None
        contract = self.network.contract_id
        self.contract_ref = (
            self.reader.contract_ref(self.network.name, contract) if contract else None
        )
        self._load_token_metadata()
        self._baseline_rules()

    def _load_token_metadata(self) -> None:
        if self.reader is not None:
            learn_from_index(self.tokens, self.reader.connection, self.network.name)

    def dashboard(self) -> Dashboard:
        if self.reader is None or self.contract_ref is None:
            return Dashboard(frozenset(self.addresses))
        return Dashboard.from_index(self.reader, self.contract_ref, self.addresses)

    async def load_dashboard(self) -> Dashboard:
        """``dashboard()`` on a worker thread, with a connection of its own: folding 100,000
        streams takes most of a second."""
        if self.reader is None or self.contract_ref is None:
            return Dashboard(frozenset(self.addresses))
        ref, addresses = self.contract_ref, self.addresses
        return await read_off_loop(
            self.reader.path, lambda r: Dashboard.from_index(r, ref, addresses)
        )

    def stream(self, stream_id: int) -> StreamRow | None:
        if self.reader is None or self.contract_ref is None:
            return None
        return self.reader.stream(self.contract_ref, stream_id)

    # ------------------------------------------------------------------ sync

    async def start_sync(self) -> None:
        """Opens the index and starts following the network's contract (when it has one)."""
        try:
            await self.open_index()
        except DamagedIndexError as error:
            # Said where sync problems are said, with Retry (once the file is moved aside).
            log.warning("index not opened: %s", error)
            self._set_sync(SyncView("failed", str(error)))
            return
        contract = self.network.contract_id
        if not contract:
            self._set_sync(
                SyncView("unavailable", f"no stream contract set for {self.network.name}")
            )
            return
        assert self.store is not None
        self.contract_ref = await asyncio.to_thread(
            ensure_contract,
            self.store,
            self.network.name,
            self.network.passphrase,
            contract,
            self.network.rpc_url,
        )
        self._load_contract_ref()
        notifier = notify.Notifier()
        self._unsubscribe = notifier.subscribe(self._on_indexer)
        # Built off the loop: the HTTP client loads the CA store (20-80 ms) and the indexer
        # opens its writer connection.
        store, ref, network = self.store, self.contract_ref, self.network
        timeout = float(self.settings.get("rpc_timeout_seconds"))

        def build() -> Indexer:
            return Indexer(
                store,
                ref,
                indexer_rpc(network.rpc_url, timeout=timeout),
                passphrase=network.passphrase,
                notifier=notifier,
                config=SyncConfig(page_limit=GUI_PAGE_LIMIT),
            )

        self.indexer = await asyncio.to_thread(build)
        assert self.reader is not None
        ledger, latest, updated = self.reader.sync_position(self.contract_ref)
        self._set_sync(
            SyncView("syncing", "connecting to the RPC", ledger, latest, updated or None)
        )
        self._stop = asyncio.Event()
        self._follow = asyncio.get_running_loop().create_task(
            self._run_follow(self.indexer, self._stop), name="indexer-follow"
        )

    async def _run_follow(self, indexer: Indexer, stop: asyncio.Event) -> None:
        try:
            await indexer.follow(stop)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # refused (wrong network) or a bug: say so, offer Retry
            log.warning("sync stopped: %s", error)
            self._set_sync(
                SyncView("failed", str(error), self.sync.ledger, self.sync.latest_ledger)
            )

    async def stop_sync(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._follow is not None:
            self._follow.cancel()
            await asyncio.gather(self._follow, return_exceptions=True)
        self._follow = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.indexer is not None:
            rpc = self.indexer.rpc
            await self.indexer.aclose()  # waits for a running page commit off the loop
            close = getattr(rpc, "close", None)
            if close is not None:
                await close()
            self.indexer = None

    async def retry_sync(self) -> None:
        await self.stop_sync()
        await self.start_sync()

    def nudge(self, ledger: int | None = None) -> None:
        """A transaction was just sent (confirmed in ``ledger``): poll quickly for a while, and
        announce ``TransactionIndexed`` once the index covers that ledger."""
        if ledger is not None:
            self._awaited_ledgers.add(ledger)
        if self.indexer is not None:
            self.indexer.nudge()

    async def close(self) -> None:
        await self.stop_sync()
        await self.rules_checked()
        await self.prefs.flush()
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def _set_sync(self, view: SyncView) -> None:
        self.sync = view
        self.events.emit(SyncStatusChanged(view.state, view.message, view.ledger, view.synced_at))

    def _on_indexer(self, item: notify.Notification) -> None:
        if isinstance(item, notify.SyncProgress):
            self.sync = SyncView(
                self.sync.state,
                self.sync.message,
                item.ledger,
                item.latest_ledger,
                self.sync.synced_at,
            )
            self.events.emit(SyncProgressed(item.ledger, item.latest_ledger, item.events_indexed))
            landed = {ledger for ledger in self._awaited_ledgers if ledger <= item.ledger}
            if landed:
                # The page that reached the ledger has announced its StreamsChanged already.
                self._awaited_ledgers -= landed
                self.events.emit(TransactionIndexed(max(landed)))
        elif isinstance(item, notify.SyncStatus):
            synced = int(self.clock()) if item.state == "caught_up" else self.sync.synced_at
            self._set_sync(
                SyncView(
                    item.state, item.message, self.sync.ledger, self.sync.latest_ledger, synced
                )
            )
        elif isinstance(item, notify.StreamsChanged):
            self.streams_changed(item.stream_ids)

    def streams_changed(self, stream_ids: frozenset[int]) -> None:
        """Tells the views, and runs the notification rules on the changed streams. The rules
        need the account's rows of them: with a loop running they are read on a worker thread
        with a connection of its own, one read at a time, the streams of pages that land
        meanwhile folded into the next read (a 10,000-event page changes thousands of
        streams; reading even only the account's took milliseconds of the loop per page).
        A read sees the index as it is then, never older than the change. Without a loop (a
        synchronous caller) they are read here. ``rules_checked()`` waits for them."""
        self.events.emit(StreamsChanged(stream_ids))
        if self.reader is None or self.contract_ref is None or not self.addresses:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            rows = self.reader.streams(self.contract_ref, sorted(stream_ids), self.addresses)
            self._notify(self.rules.changed(rows))
            return
        self._unruled |= stream_ids
        if self._rules_task is None or self._rules_task.done():
            self._rules_task = loop.create_task(self._check_rules(), name="notice rules")

    async def _check_rules(self) -> None:
        while self._unruled and self.reader is not None and self.contract_ref is not None:
            ids, self._unruled = sorted(self._unruled), set()
            rules, ref, addresses = self.rules, self.contract_ref, self.addresses
            rows = await read_off_loop(
                self.reader.path, functools.partial(_account_rows, ref, ids, addresses)
            )
            if rules is self.rules:  # else the account changed: its rules start afresh
                self._notify(rules.changed(rows))

    def _notify(self, notices: list[NoticeRaised]) -> None:
        if self.prefs.get("notifications"):
            for notice in notices:
                self.events.emit(notice)

    async def rules_checked(self) -> None:
        """Until the notification rules have looked at every change announced so far."""
        while self._rules_task is not None and not self._rules_task.done():
            await asyncio.shield(self._rules_task)

    async def check_running_dry(self) -> None:
        """Call now and then (the window does, every 30 s). The read runs on a worker thread
        with a connection of its own: an account sending tens of thousands of streams makes it
        tens of ms, which the GUI thread should not wait for."""
        if self.reader is None or self.contract_ref is None or not self.address:
            return
        now = int(self.clock())
        horizon = now + self.rules.running_dry_seconds
        ref, address, rules = self.contract_ref, self.address, self.rules
        rows = await read_off_loop(
            self.reader.path, lambda r: r.ending_between(ref, address, now, horizon + 1)
        )
        if rules is not self.rules or address != self.address:
            return  # the account or the index changed meanwhile: the next check covers it
        for notice in self.rules.running_dry(rows, now):
            if self.prefs.get("notifications"):
                self.events.emit(notice)
