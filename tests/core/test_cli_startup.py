"""Commands import only what they use: each runs in a fresh interpreter (`python -X importtime
-m flowfi_desktop ...`, the real entry point) against a real data dir with a real index, and
the modules it imported are read from the import-time report.

No timings here (the machine's load decides those; `python -m benchmarks bench_cli` measures
them): what is checked is that the heavy packages are not loaded at all.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowfi_desktop.app.demo import populate
from flowfi_desktop.cli.main import HANDLERS, build_parser
from flowfi_desktop.indexer.commands import index_path
from flowfi_desktop.indexer.synthetic import make_address
from flowfi_desktop.keys.accounts import Wallet
from flowfi_desktop.networks import (
    FUTURENET_PASSPHRASE,
    LOCAL_PASSPHRASE,
    MAINNET_PASSPHRASE,
    TESTNET_PASSPHRASE,
    Networks,
)
from flowfi_desktop.paths import KEYSTORE_FILE
from flowfi_desktop.settings import SettingsFile

#: What a command that only reads local files never needs: the Stellar SDK and the RPC stack
#: (~0.4 s to import), the index's database layer and its migrations, the GUI.
NETWORK_STACK = ("stellar_sdk", "httpx", "pydantic")
INDEX_STACK = ("sqlalchemy", "alembic")
GUI = ("PySide6",)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A watch-only account, the local network's contract recorded, and an index of 60 streams
    (a third of them the account's) written through the real migrations."""
    path = tmp_path_factory.mktemp("startup")
    rng = random.Random(3)
    me = make_address(rng)
    demo = populate(
        index_path(path),
        n_streams=60,
        mine=[me],
        tokens=[make_address(rng, contract=True)],
        now=int(time.time()),
        mine_share=0.34,
    )
    Networks(SettingsFile(path)).set_contract("local", demo.contract_id)
    Wallet(path / KEYSTORE_FILE).watch("me", me)
    return path


def run(data_dir: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Runs one command in a new interpreter; returns the result and the top-level packages
    it imported."""
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "flowfi_desktop",
            "--data-dir",
            str(data_dir),
            "--network",
            "local",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    # Guards the assertions below against a report that is not there (or not parsed).
    assert {"flowfi_desktop", "argparse"} <= imported
    return result, imported


@pytest.mark.parametrize(
    "args",
    [
        ["account", "list", "--json"],
        ["network", "list", "--json"],
        ["network", "show", "local", "--json"],
        ["settings", "list", "--json"],
    ],
)
def test_commands_without_network_or_index_import_neither(data_dir: Path, args: list[str]) -> None:
    result, imported = run(data_dir, *args)
    assert json.loads(result.stdout)
    assert imported.isdisjoint(NETWORK_STACK + INDEX_STACK + GUI), sorted(
        imported & {*NETWORK_STACK, *INDEX_STACK, *GUI}
    )


def test_account_list_still_reads_the_keystore(data_dir: Path) -> None:
    result, _ = run(data_dir, "account", "list", "--json")
    [entry] = json.loads(result.stdout)
    assert entry["name"] == "me"
    assert entry["watch_only"] is True


def test_index_reads_do_not_load_the_database_layer(data_dir: Path, tmp_path: Path) -> None:
    # An index at the newest revision is read with plain sqlite3: neither SQLAlchemy nor
    # Alembic (the revision is read with plain SQL too).
    listed, imported = run(data_dir, "stream", "list", "--json")
    rows = json.loads(listed.stdout)
    assert 0 < len(rows) < 60
    assert imported.isdisjoint(INDEX_STACK), sorted(imported & set(INDEX_STACK))
    assert imported.isdisjoint(GUI)

    every, imported = run(data_dir, "stream", "list", "--all", "--json")
    assert len(json.loads(every.stdout)) == 60
    assert imported.isdisjoint(INDEX_STACK)

    shown, imported = run(data_dir, "stream", "show", str(rows[0]["id"]), "--json")
    fixed = ("id", "sender", "recipient", "token", "deposited", "start_time")  # not time-bound
    assert {k: json.loads(shown.stdout)[k] for k in fixed} == {k: rows[0][k] for k in fixed}
    assert imported.isdisjoint(INDEX_STACK)

    out = tmp_path / "events.csv"
    exported, imported = run(data_dir, "export", "csv", "--out", str(out), "--json")
    with out.open(newline="", encoding="utf-8") as handle:
        written = list(csv.reader(handle))
    assert json.loads(exported.stdout) == {"out": str(out), "rows": len(written) - 1}
    assert len(written) > 60
    assert imported.isdisjoint(INDEX_STACK)


def test_index_reads_do_not_load_the_network_stack(data_dir: Path) -> None:
    _, imported = run(data_dir, "stream", "list", "--json")
    assert imported.isdisjoint(NETWORK_STACK), sorted(imported & set(NETWORK_STACK))


def test_every_command_of_the_parser_has_a_handler() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    expected: set[tuple[str, str | None]] = set()
    for name, sub in commands.items():
        if name in ("gui", "localnet", "demo"):  # run by main() itself
            continue
        actions = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        if actions:
            expected.update((name, action) for action in actions[0].choices)
        else:
            expected.add((name, None))
    assert set(HANDLERS) == expected
    for target in HANDLERS.values():
        module, name = target.split(".")
        assert callable(getattr(importlib.import_module(f"flowfi_desktop.cli.{module}"), name))


def test_written_out_passphrases_are_the_sdks() -> None:
    from stellar_sdk import Network

    assert MAINNET_PASSPHRASE == Network.PUBLIC_NETWORK_PASSPHRASE
    assert TESTNET_PASSPHRASE == Network.TESTNET_NETWORK_PASSPHRASE
    assert FUTURENET_PASSPHRASE == Network.FUTURENET_NETWORK_PASSPHRASE
    assert LOCAL_PASSPHRASE == Network.STANDALONE_NETWORK_PASSPHRASE
