"""The one way the GUI starts background work: ``spawn()`` keeps a strong reference to every task
(asyncio holds only weak ones) and routes a task's exception to ``sys.excepthook``, which the
crash handler turns into a log entry and a dialog."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
    """Starts ``coro`` on the running (qasync) loop; failures reach ``sys.excepthook``."""
    task: asyncio.Task[T] = asyncio.get_event_loop().create_task(coro, name=name)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.debug("task %s failed", task.get_name())
        sys.excepthook(type(exc), exc, exc.__traceback__)


def running() -> frozenset[asyncio.Task[Any]]:
    return frozenset(_running)


async def cancel_all() -> None:
    """Cancels every spawned task and waits for them (at shutdown)."""
    tasks = list(_running)
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
