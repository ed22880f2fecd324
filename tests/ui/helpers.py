"""Helpers for GUI tests that run their scenario as one coroutine on the session's qasync loop
(as in the app, the loop runs all the time: spawned work such as the lists' id scans runs)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from flowfi_desktop.ui.main_window import MainWindow


async def until(
    predicate: Callable[[], object],
    timeout: float = 10.0,  # noqa: ASYNC109 - a polling helper with its own deadline
    why: Callable[[], str] = str,
) -> None:
    """Polls on the running loop until ``predicate()`` holds (a deadline, not a speed check)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s: {why()}")
        await asyncio.sleep(0.02)


async def settle(window: MainWindow) -> None:
    """Until both stream lists (the list page and the dashboard's) show their current query,
    and the dashboard its current sums, each token's row built."""
    await window.streams.model.settled()
    await window.dashboard.glance_model.settled()
    await window.dashboard_loaded()
    await window.dashboard.rows_built()
