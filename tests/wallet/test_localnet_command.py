"""`flowfi-desktop localnet` runs the local network in the foreground until interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from flowfi_desktop import localnet as ln
from tests.wallet.conftest import skip_without_localnet

pytestmark = pytest.mark.localnet


def test_localnet_command_serves_rpc_until_interrupted(tmp_path: Path) -> None:
    skip_without_localnet()
    port = ln.free_port()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "flowfi_desktop", "localnet", "--port", str(port),
            "--ledger-interval-ms", "100", "--state-dir", str(tmp_path / "state"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("localnet ready"), line
        answer = httpx.post(
            f"http://127.0.0.1:{port}/rpc",
            json={"jsonrpc": "2.0", "id": 1, "method": "getNetwork"},
            timeout=10,
        ).json()
        assert answer["result"]["passphrase"] == ln.STANDALONE_PASSPHRASE
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches our process and the localnet
        code = proc.wait(timeout=20)
        if proc.stdout is not None:
            proc.stdout.close()
    assert code in (0, 130, -signal.SIGINT)
