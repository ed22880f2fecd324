"""GUI test fixtures: one qasync loop for the whole session, on pytest-qt's ``qapp``
(a new loop per test loses callbacks queued on the old one)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

T = TypeVar("T")


@pytest.fixture(scope="session")
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()  # while the QApplication still exists


@pytest.fixture
def run(qloop: asyncio.AbstractEventLoop):  # type: ignore[no-untyped-def]
    """``run(coro)``: runs a coroutine to completion on the session loop (Qt events flow)."""

    def runner(coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return qloop.run_until_complete(asyncio.wait_for(coro, timeout))

    return runner
