"""Child process of the crash test: syncs and prints each committed ledger (then "done")."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from flowfi_desktop.indexer import commands
from flowfi_desktop.indexer.notify import Notification, SyncProgress
from flowfi_desktop.indexer.rpc_server import STANDALONE
from flowfi_desktop.indexer.sync import SyncConfig


def main() -> None:
    db, url, contract, first, limit = sys.argv[1:6]
    target = commands.IndexTarget(Path(db), "local", STANDALONE, url, contract, int(first))

    def on(notification: Notification) -> None:
        if isinstance(notification, SyncProgress):
            print(notification.ledger, flush=True)

    config = SyncConfig(page_limit=int(limit), retry_initial=0.05)
    asyncio.run(commands.sync(target, on_notification=on, config=config))
    print("done", flush=True)


if __name__ == "__main__":
    main()
