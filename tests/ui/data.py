"""Test data for GUI and app-layer tests: real index files on disk, built with the app's demo
writer (the contract model of the indexer's synthetic history)."""

from __future__ import annotations

import random
from pathlib import Path

from flowfi_desktop.app.demo import DemoIndex, populate
from flowfi_desktop.app.queries import StreamRow
from flowfi_desktop.app.session import INDEX_FILE
from flowfi_desktop.app.tokenbook import native_token
from flowfi_desktop.indexer.synthetic import make_address
from flowfi_desktop.keys.accounts import Wallet
from flowfi_desktop.networks import LOCAL_PASSPHRASE, Networks
from flowfi_desktop.paths import KEYSTORE_FILE
from flowfi_desktop.settings import SettingsFile

RNG = random.Random(42)
ME = make_address(RNG)
OTHER = make_address(RNG)
TOKEN = make_address(RNG, contract=True)
NATIVE = native_token(LOCAL_PASSPHRASE)
NOW = 1_790_000_000


def row(**changes: object) -> StreamRow:
    base: dict[str, object] = {
        "stream_id": 1,
        "sender": OTHER,
        "recipient": ME,
        "token_address": NATIVE,
        "rate_per_second": 10,
        "deposited_amount": 1_000,
        "withdrawn_amount": 0,
        "start_time": NOW - 50,
        "last_update_time": NOW - 50,
        "is_active": True,
        "paused": False,
        "paused_at": None,
        "status": "active",
        "end_time": NOW + 50,
        "fees_paid": 0,
        "refunded_amount": 0,
        "created_ledger": 1,
        "last_event_id": None,
        "updated_ledger": 1,
    }
    base.update(changes)
    return StreamRow(**base)  # type: ignore[arg-type]


def demo_data_dir(
    data_dir: Path, n_streams: int = 300, *, now: int = NOW, watch: bool = True
) -> DemoIndex:
    """A data dir with a demo index on the local network, its contract set, and ME watched."""
    demo = populate(
        data_dir / INDEX_FILE,
        n_streams=n_streams,
        mine=[ME],
        tokens=[NATIVE, TOKEN],
        now=now,
        passphrase=LOCAL_PASSPHRASE,
        token_meta={TOKEN: ("USDC", 6)},
    )
    Networks(SettingsFile(data_dir)).set_contract("local", demo.contract_id)
    if watch:
        Wallet(data_dir / KEYSTORE_FILE).watch("me", ME)
    return demo
