"""The one adapter from the Qt-free core to Qt: application events become Qt signals emitted on
the GUI thread (Electrum's ``qt_event_listener`` idea). Frequent events are coalesced and
rate-limited (Electrum's ``rate_limited``): a burst of stream changes during catch-up becomes one
refresh carrying the union of the changed ids, at most every ``interval_ms`` (so the GUI can
follow with big getEvents pages: the refreshes, not the pages, set how often the views repaint).
Two moments do not wait for the interval: the end of a catch-up (any sync state but
``syncing``: what is shown is then the index as it is), and a transaction the user sent
reaching the index (``TransactionIndexed``)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

from flowfi_desktop.app.events import (
    AccountSwitched,
    AppEvent,
    LockChanged,
    NetworkSwitched,
    NoticeRaised,
    StreamsChanged,
    SyncProgressed,
    SyncStatusChanged,
    TransactionIndexed,
)

Subscribe = Callable[[Callable[[AppEvent], None]], Callable[[], None]]


class RateLimited(QObject):
    """Calls ``fn`` at most once per ``interval_ms``: the first request runs at once when the
    last run is older than the interval, later ones within it are folded into one run at its
    end."""

    def __init__(self, interval_ms: int, fn: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self._interval = interval_ms / 1000
        self._fn = fn
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)

    def request(self) -> None:
        if self._timer.isActive():
            return
        wait = self._last + self._interval - time.monotonic()
        if wait <= 0:
            self._run()
        else:
            self._timer.start(max(1, int(wait * 1000)))

    def flush(self) -> None:
        """Runs a pending call now (its interval starts again from here)."""
        if self._timer.isActive():
            self._timer.stop()
            self._run()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def _run(self) -> None:
        self._last = time.monotonic()
        self._fn()


class Bridge(QObject):
    """Attach it to an event source (``AppSession.events.subscribe``); connect views to its
    signals. Every signal is emitted on the thread this object lives in (the GUI thread)."""

    sync_progressed = Signal(object)  # SyncProgressed, rate-limited (latest wins)
    sync_status_changed = Signal(object)  # SyncStatusChanged
    streams_changed = Signal(object)  # frozenset[int], coalesced and rate-limited
    notice_raised = Signal(object)  # NoticeRaised
    account_switched = Signal(object)  # AccountSwitched
    network_switched = Signal(object)  # NetworkSwitched
    lock_changed = Signal(bool)

    # The hop to the GUI thread is a posted event, not a queued signal: emitting a PySide6 6.12
    # signal from a plain Python thread corrupts a refcount (the interpreter aborts at exit).
    _WAKE = QEvent.Type(QEvent.registerEventType())

    def __init__(self, interval_ms: int = 250, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._changed: set[int] = set()
        self._progress: SyncProgressed | None = None
        self._streams_limiter = RateLimited(interval_ms, self._emit_streams, self)
        self._progress_limiter = RateLimited(interval_ms, self._emit_progress, self)
        self._unsubscribers: list[Callable[[], None]] = []
        # Always queued: listeners may run on the indexer's thread, and even on the GUI thread a
        # queued hop keeps core code from re-entering widgets in the middle of its own work.
        self._inbox: deque[AppEvent] = deque()
        self._inbox_lock = threading.Lock()
        self._wake_posted = False

    def attach(self, subscribe: Subscribe) -> None:
        self._unsubscribers.append(subscribe(self.receive))

    def receive(self, event: AppEvent) -> None:
        """Thread-safe: queues ``event`` for the GUI thread."""
        with self._inbox_lock:
            self._inbox.append(event)
            if self._wake_posted:
                return
            self._wake_posted = True
        QCoreApplication.postEvent(self, QEvent(self._WAKE))

    def event(self, event: QEvent) -> bool:
        if event.type() == self._WAKE:
            with self._inbox_lock:
                items, self._inbox = list(self._inbox), deque()
                self._wake_posted = False
            for item in items:
                self._dispatch(item)
            return True
        return super().event(event)

    def detach_all(self) -> None:
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()

    def flush(self) -> None:
        self._streams_limiter.flush()
        self._progress_limiter.flush()

    def _dispatch(self, event: AppEvent) -> None:
        if isinstance(event, StreamsChanged):
            self._changed |= event.stream_ids
            self._streams_limiter.request()
        elif isinstance(event, SyncProgressed):
            self._progress = event
            self._progress_limiter.request()
        elif isinstance(event, SyncStatusChanged):
            if event.state != "syncing":  # caught up (or stopped): show the index as it is
                self._streams_limiter.flush()
            self._progress_limiter.flush()  # progress first, then the state it led to
            self.sync_status_changed.emit(event)
        elif isinstance(event, TransactionIndexed):
            self._streams_limiter.flush()  # the user's own change: now, not in up to 250 ms
        elif isinstance(event, NoticeRaised):
            self.notice_raised.emit(event)
        elif isinstance(event, AccountSwitched):
            self.account_switched.emit(event)
        elif isinstance(event, NetworkSwitched):
            self.network_switched.emit(event)
        elif isinstance(event, LockChanged):
            self.lock_changed.emit(event.locked)

    def _emit_streams(self) -> None:
        if self._changed:
            changed, self._changed = frozenset(self._changed), set()
            self.streams_changed.emit(changed)

    def _emit_progress(self) -> None:
        if self._progress is not None:
            progress, self._progress = self._progress, None
            self.sync_progressed.emit(progress)
