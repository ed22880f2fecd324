"""kill -9 of the real `flowfi-desktop sync` against the real contract on flowfi-localnet, at
random points, many times in a row: afterwards the index holds exactly the events getEvents
returns over the whole range (none missing, none twice) and every indexed stream equals its
contract storage (`flowfi-desktop verify`)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from stellar_sdk import Asset, Keypair, scval, xdr
from stellar_sdk.contract import ContractClient

from flowfi_desktop.indexer.commands import PAGE_LIMIT_ENV
from tests.localnet.conftest import Net
from tests.localnet.helpers import PASSPHRASE, invoke, result, server

pytestmark = [pytest.mark.localnet, pytest.mark.slow]

KILLS = 24
PAGE = 25  # events per getEvents page: ~100 commits to kill in
CREATES = 800  # 2 events each (fee_collected, stream_created)
XLM = 10_000_000


def _cli() -> list[str]:
    found = shutil.which("flowfi-desktop", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "flowfi_desktop.cli.main"]


def _make_history(net: Net, wasm: bytes, make_account: Callable[[], Keypair]) -> str:
    """A fresh contract with ~2,500 real events of every kind (sequential sends: parallel
    ones are simulated on the same state and fail on their resource limits)."""
    deployer, treasury = make_account(), make_account()
    srv = server(net.rpc_url)
    wasm_id = ContractClient.upload_contract_wasm(
        wasm, deployer.public_key, deployer, srv, network_passphrase=PASSPHRASE
    )
    contract: str = ContractClient.create_contract(
        wasm_id, deployer.public_key, deployer, srv, network_passphrase=PASSPHRASE
    )
    a, u64 = scval.to_address, scval.to_uint64

    def call(fn: str, args: list[xdr.SCVal], who: Keypair) -> Any:
        return invoke(net.rpc_url, contract, fn, args, who)[0]

    call(
        "initialize",
        [a(deployer.public_key), a(treasury.public_key), scval.to_uint32(25)],
        deployer,
    )
    native = Asset.native().contract_id(PASSPHRASE)
    senders = [make_account() for _ in range(4)]
    recipients = [make_account() for _ in range(4)]
    rng = random.Random(7)
    streams: list[tuple[int, Keypair, Keypair]] = []
    for i in range(CREATES):
        sender, recipient = senders[i % 4], recipients[rng.randrange(4)]
        sid = call(
            "create_stream",
            [
                a(sender.public_key),
                a(recipient.public_key),
                a(native),
                scval.to_int128(rng.randint(1, 50) * XLM),
                u64(rng.randint(50, 5_000)),
            ],
            sender,
        )
        streams.append((int(sid), sender, recipient))
    result(net.rpc_url, "localnet_advanceTime", {"seconds": 40})
    for sid, _sender, recipient in rng.sample(streams, 300):
        call("withdraw", [a(recipient.public_key), u64(sid)], recipient)
    for sid, sender, _ in rng.sample(streams, 80):
        call("top_up_stream", [a(sender.public_key), u64(sid), scval.to_int128(XLM)], sender)
    paused = rng.sample(streams, 60)
    for sid, sender, _ in paused:
        call("pause_stream", [a(sender.public_key), u64(sid)], sender)
    result(net.rpc_url, "localnet_advanceTime", {"seconds": 15})
    for sid, sender, _ in paused[:40]:
        call("resume_stream", [a(sender.public_key), u64(sid)], sender)
    for sid, sender, _ in rng.sample(streams, 50):
        call("cancel_stream", [a(sender.public_key), u64(sid)], sender)
    return contract


def _all_event_ids(url: str, contract: str) -> list[str]:
    ids: list[str] = []
    params: dict[str, Any] = {"startLedger": 1}
    while True:
        page = result(
            url,
            "getEvents",
            {
                **params,
                "filters": [{"type": "contract", "contractIds": [contract]}],
                "pagination": {**params.get("pagination", {}), "limit": 10_000},
            },
        )
        ids += [e["id"] for e in page["events"]]
        cursor = page["cursor"]
        if len(page["events"]) < 10_000 and int(cursor[:19]) >> 32 >= page["latestLedger"]:
            return ids
        params = {"pagination": {"cursor": cursor}}


def _indexed(db: Path) -> int:
    if not db.exists():
        return -1
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
            row = connection.execute("SELECT count(*) FROM stream_events").fetchone()
            return int(row[0])
    except sqlite3.OperationalError:  # no schema yet
        return -1


def test_kill_9_of_the_real_cli_against_localnet_loses_and_duplicates_nothing(
    tmp_path: Path, net: Net, wasm_bytes: bytes, make_account: Callable[[], Keypair]
) -> None:
    contract = _make_history(net, wasm_bytes, make_account)
    wanted = _all_event_ids(net.rpc_url, contract)
    assert len(wanted) > 2_000

    data = tmp_path / "data"
    cli = [*_cli(), "--data-dir", str(data)]
    env = {**os.environ, PAGE_LIMIT_ENV: str(PAGE)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    added = run("network", "add", "ln", "--rpc-url", net.rpc_url, "--passphrase", PASSPHRASE)
    assert added.returncode == 0, added.stderr
    assert run("network", "set-contract", "ln", contract).returncode == 0

    db = data / "index.sqlite3"
    rng = random.Random(2026)
    kills = mid_catch_up = 0
    while kills < KILLS:
        before = _indexed(db)
        proc = subprocess.Popen(
            [*cli, "--network", "ln", "sync"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if before >= 0 and rng.random() < 0.3:
            # Early: start-up, opening the index, the first requests (a later random time could
            # let one run index everything, leaving too few kill points).
            time.sleep(rng.uniform(0.0, 0.6))
        else:
            # After a random number of newly committed events, plus a few milliseconds (so
            # some kills land inside the next page's transaction).
            target = max(before, 0) + rng.randint(1, PAGE)
            deadline = time.monotonic() + 60
            while proc.poll() is None and _indexed(db) < target and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, 0.008))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            if 0 <= _indexed(db) < len(wanted):
                mid_catch_up += 1
        else:
            assert proc.returncode == 0
            if _indexed(db) == len(wanted):
                break  # caught up before all kills were spent (asserted below)
    assert kills >= 20
    assert mid_catch_up >= 10, f"only {mid_catch_up} kills landed during the catch-up"

    final = run("--network", "ln", "sync")
    assert final.returncode == 0, final.stderr
    with sqlite3.connect(db) as connection:
        ids = [r[0] for r in connection.execute("SELECT id FROM stream_events ORDER BY id")]
        (integrity,) = connection.execute("PRAGMA integrity_check").fetchone()
        native_decimals = connection.execute(
            "SELECT decimals FROM tokens WHERE address = ?",
            (Asset.native().contract_id(PASSPHRASE),),
        ).fetchone()
    assert ids == wanted  # every event once, in id order
    assert integrity == "ok"
    assert native_decimals == (7,)  # token metadata recorded for the streams' token

    verified = run("--network", "ln", "verify", "--json")
    assert verified.returncode == 0, verified.stderr
    report = json.loads(verified.stdout)
    assert report["ok"] is True, report
    assert report["checked"] == CREATES
