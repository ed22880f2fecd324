"""Dialog helpers: awaiting a dialog from a coroutine without ``exec()`` (which would run a
nested event loop inside the qasync loop): ``open()`` it and await a future."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog


async def run_dialog(dialog: QDialog) -> int:
    """Opens ``dialog`` (window-modal) and waits for its result code."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(done)
    dialog.open()
    try:
        return await future
    finally:
        dialog.finished.disconnect(done)
