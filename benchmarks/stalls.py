"""Measuring how long the GUI's asyncio loop is held, for the GUI benchmarks.

``Heartbeat``: a 5 ms sleep looping on the running loop; how late each wake-up comes is how long
the loop (the GUI thread, under qasync) was held at once. ``sample_when_late``: for
``BENCH_DETAIL=1``, a thread that records where the threads are whenever the heartbeat is late.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Heartbeat:
    def __init__(self, period: float = 0.005) -> None:
        self.period = period
        self.gaps: list[float] = []  # seconds late, one per wake-up
        # CPU seconds the GUI thread itself spent between the same wake-ups, less the sleep:
        # what the loop's own work cost, apart from time the thread waited (for the GIL, or
        # for a core while other processes ran). Less noisy than ``gaps`` on a shared machine.
        self.cpu: list[float] = []
        self.last = [time.perf_counter()]  # when it last woke
        self.running = True
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._beat())

    async def _beat(self) -> None:
        while self.running:
            before, cpu_before = time.perf_counter(), time.thread_time()
            await asyncio.sleep(self.period)
            self.last[0] = time.perf_counter()
            self.gaps.append(self.last[0] - before - self.period)
            self.cpu.append(time.thread_time() - cpu_before)

    async def stop(self) -> None:
        self.running = False
        if self._task is not None:
            await self._task


def sample_when_late(
    beat: Heartbeat,
    samples: dict[str, int],
    *,
    late: float = 0.02,
    depth: int = 3,
    tag: Callable[[], str] = lambda: "",
) -> None:
    """A thread that, while ``beat`` runs, looks every 3 ms whether it is more than ``late``
    seconds late, and if so counts where the GUI thread and any busy worker thread are
    (``samples``: ``tag()`` and their innermost ``depth`` frames -> times seen)."""
    gui, me = threading.get_ident(), [0]

    def where(ident: int, frame: Any) -> str | None:
        stack = traceback.extract_stack(frame)[-depth:]
        if ident != gui and stack[-1].name == "wait":  # an idle pool thread
            return None
        inner = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack))
        return f"{'GUI' if ident == gui else 'worker'}: {inner}"

    def sample() -> None:
        me[0] = threading.get_ident()
        while beat.running:
            time.sleep(0.003)
            if time.perf_counter() - beat.last[0] > late:
                frames = sys._current_frames().items()
                found = [where(i, f) for i, f in frames if i != me[0]]
                key = tag() + " | ".join(sorted(w for w in found if w))
                samples[key] = samples.get(key, 0) + 1

    threading.Thread(target=sample, daemon=True).start()
