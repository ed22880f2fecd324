"""Change notifications for the GUI and the CLI: plain callbacks, or an asyncio queue.

No Qt here: the GUI's single bridge re-emits these as Qt signals on its own thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventsAdded:
    count: int
    last_event_id: str


@dataclass(frozen=True)
class StreamsChanged:
    stream_ids: frozenset[int]


@dataclass(frozen=True)
class SyncProgress:
    ledger: int  # the index covers events up to here
    latest_ledger: int  # what the RPC reports
    events_indexed: int  # in this sync run


@dataclass(frozen=True)
class SyncStatus:
    """``state``: ``syncing``, ``caught_up``, ``retrying``, ``waiting``, ``gap``, ``failed``,
    ``stopped``; ``message`` says what is happening in words fit for the user."""

    state: str
    message: str


Notification = EventsAdded | StreamsChanged | SyncProgress | SyncStatus
Listener = Callable[[Notification], None]


class Notifier:
    """Fans notifications out to listeners; a failing listener is logged, never fatal."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self.last_status: SyncStatus = SyncStatus("stopped", "not synced yet")

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def queue(self, maxsize: int = 0) -> asyncio.Queue[Notification]:
        """An asyncio queue that receives every notification (call inside the loop)."""
        queue: asyncio.Queue[Notification] = asyncio.Queue(maxsize)

        def put(item: Notification) -> None:
            try:
                queue.put_nowait(item)
            except asyncio.QueueFull:
                log.warning("notification queue full; dropping %s", type(item).__name__)

        self.subscribe(put)
        return queue

    def emit(self, item: Notification) -> None:
        if isinstance(item, SyncStatus):
            self.last_status = item
            log.info("sync %s: %s", item.state, item.message)
        for listener in list(self._listeners):
            try:
                listener(item)
            except Exception:
                log.exception("notification listener failed")
