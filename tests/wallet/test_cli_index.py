"""`sync`, `stream list|show`, `export csv` and `verify` end to end on a real flowfi-localnet."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from tests.core.cli_helpers import Cli
from tests.wallet.conftest import Localnet, advance_time
from tests.wallet.test_cli_localnet import address, cli

pytestmark = pytest.mark.localnet
XLM = 10_000_000
__all__ = ["cli"]  # the fixture, shared with the write-command tests


def test_sync_list_show_export_and_verify(cli: Cli, localnet: Localnet, tmp_path: Path) -> None:
    bob = address(cli, "bob")
    created = cli(
        "stream", "create", "--account", "alice", "--recipient", bob, "--token", "native",
        "--amount", "100", "--duration", "100s", "--yes", "--json",
    )  # fmt: skip
    assert created.code == 0, created.err
    stream_id = int(created.json()["stream_id"])

    synced = cli("sync", "--json")
    assert synced.code == 0, synced.err
    report: Any = synced.json()
    assert stream_id in report["changed_streams"]
    assert report["ledger"] >= 1

    advance_time(localnet, 30)
    shown = cli("stream", "show", str(stream_id), "--json")
    assert shown.code == 0, shown.err
    stream: Any = shown.json()
    assert stream["sender"] == address(cli, "alice")
    assert stream["recipient"] == bob
    assert stream["deposited"] == str(100 * XLM)
    assert stream["rate_per_second"] == str(XLM)
    assert stream["status"] == "active"
    assert stream["end_time"] == stream["start_time"] + 100

    # Text output: token units with the symbol (the index knows the native token), UTC times.
    text = cli("stream", "show", str(stream_id)).out
    assert "deposited         100 XLM" in text
    assert "rate_per_second   1 XLM a second" in text
    assert "UTC)" in text
    listed = cli("stream", "list").out
    assert f"{stream_id:>6}  active" in listed
    assert "deposited 100 XLM" in listed
    nothing = cli("stream", "list", "--account", "alice", "--role", "incoming")
    assert nothing.code == 0
    assert "no indexed stream that this account receives" in nothing.out

    mine = cli("stream", "list", "--json").json()
    assert stream_id in [row["id"] for row in mine]
    incoming_for_alice = cli("stream", "list", "--account", "alice", "--role", "incoming", "--json")
    assert stream_id not in [row["id"] for row in incoming_for_alice.json()]
    incoming_for_bob = cli("stream", "list", "--account", "bob", "--role", "incoming", "--json")
    assert stream_id in [row["id"] for row in incoming_for_bob.json()]

    withdrawn = cli("stream", "withdraw", str(stream_id), "--account", "bob", "--yes", "--json")
    assert withdrawn.code == 0, withdrawn.err
    assert cli("sync").code == 0
    after: Any = cli("stream", "show", str(stream_id), "--json").json()
    assert after["withdrawn"] == withdrawn.json()["amount"]

    out = tmp_path / "events.csv"
    exported = cli("export", "csv", "--out", str(out), "--account", "bob")
    assert exported.code == 0, exported.err
    with out.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["stream_id"] == str(stream_id)]
    assert [row["type"] for row in rows] == ["stream_created", "tokens_withdrawn"]
    assert rows[1]["amount"] == after["withdrawn"]

    verified = cli("verify", "--json")
    assert verified.code == 0, verified.err
    assert verified.json()["ok"] is True


def test_index_commands_reject_bad_input(cli: Cli) -> None:
    assert cli("stream", "show", "abc").code == 1
    missing = cli("stream", "show", "999999")
    assert missing.code == 1
    assert "not in the index" in missing.err
    assert cli("stream", "list", "--all", "--role", "incoming").code == 1
    assert cli("stream", "list", "--account", "nobody").code == 1
    assert cli("export", "csv").code == 2
