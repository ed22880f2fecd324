"""What the application layer announces. Plain frozen dataclasses, no Qt: the GUI's bridge
(``flowfi_desktop/ui/bridge.py``) re-emits each as a Qt signal on the GUI thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncProgressed:
    ledger: int  # the index covers events up to here
    latest_ledger: int  # what the RPC reports
    events_indexed: int  # in this sync run


@dataclass(frozen=True)
class SyncStatusChanged:
    """``state``: ``syncing``, ``caught_up``, ``retrying``, ``waiting``, ``gap``, ``failed``,
    ``stopped`` or ``unavailable``; ``message`` is fit for the user."""

    state: str
    message: str
    last_ledger: int = 0
    synced_at: int | None = None  # Unix seconds of the last successful sync

    @property
    def failed(self) -> bool:
        return self.state in ("failed", "unavailable")


@dataclass(frozen=True)
class StreamsChanged:
    stream_ids: frozenset[int]


@dataclass(frozen=True)
class TransactionIndexed:
    """The index now covers the ledger of a transaction this app sent: its changes are in
    the last ``StreamsChanged``, which the views should show now rather than at their next
    rate-limited refresh."""

    ledger: int


@dataclass(frozen=True)
class NoticeRaised:
    """Something the user should hear about (a desktop notification)."""

    kind: str  # incoming_created | withdrawn | cancelled | running_dry
    title: str
    text: str
    stream_id: int | None = None


@dataclass(frozen=True)
class AccountSwitched:
    name: str | None
    address: str | None


@dataclass(frozen=True)
class NetworkSwitched:
    name: str


@dataclass(frozen=True)
class LockChanged:
    locked: bool


AppEvent = (
    SyncProgressed
    | SyncStatusChanged
    | StreamsChanged
    | TransactionIndexed
    | NoticeRaised
    | AccountSwitched
    | NetworkSwitched
    | LockChanged
)
Listener = Callable[[AppEvent], None]


class EventHub:
    """Fans events out to listeners; a failing listener is logged, never fatal. Listeners may be
    called from any thread (the bridge hops to the GUI thread itself)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: AppEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("listener failed on %s", type(event).__name__)
