"""The `make run` demo builds a real wallet on a real local chain, once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from stellar_sdk import Keypair, scval

from flowfi_desktop import localnet
from flowfi_desktop.demo import DEMO_STREAMS, LOCAL_PORT, ensure_demo, load_demo
from flowfi_desktop.keys.accounts import Wallet
from flowfi_desktop.paths import KEYSTORE_FILE

from .localnet.helpers import read, xlm_balance

pytestmark = [pytest.mark.localnet, pytest.mark.slow]
STROOPS_PER_XLM = 10_000_000


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_demo_makes_funded_accounts_a_contract_and_live_streams(tmp_path: Path) -> None:
    try:
        localnet.find_binary()
    except localnet.LocalnetError as exc:
        pytest.skip(str(exc))
    assert _port_free(LOCAL_PORT), f"port {LOCAL_PORT} is taken; the demo's local network needs it"
    said: list[str] = []

    info = ensure_demo(tmp_path, said.append)

    assert said[-1].startswith("demo: ready in")
    names = {a.name: a.address for a in Wallet(tmp_path / KEYSTORE_FILE).accounts()}
    assert names == info.accounts
    assert info.stream_ids == [1, 2, 3]
    assert info.password_file.stat().st_mode & 0o077 == 0

    chain = localnet.start(LOCAL_PORT, state_dir=tmp_path / "localnet")
    try:
        viewer = Keypair.from_public_key(info.accounts["alice"])
        for stream_id, (sender, recipient, amount, _duration) in zip(
            info.stream_ids, DEMO_STREAMS, strict=True
        ):
            stream = read(chain.rpc_url, info.contract_id, "get_stream",
                          [scval.to_uint64(stream_id)], viewer)  # fmt: skip
            assert stream["sender"].address == info.accounts[sender]
            assert stream["recipient"].address == info.accounts[recipient]
            assert stream["deposited_amount"] == int(amount) * STROOPS_PER_XLM
            assert stream["is_active"] is True
        # Each account got 10,000 XLM and streamed (or deployed) part of it away.
        for address in info.accounts.values():
            assert 0 < xlm_balance(chain.rpc_url, address) < 10_000 * STROOPS_PER_XLM
    finally:
        chain.stop()

    # A second run finds the demo and does nothing else.
    assert load_demo(tmp_path) == info
    assert ensure_demo(tmp_path, said.append) == info

    # `make run` on the made demo: the app opens on it at once, with its chain running.
    shot = tmp_path / "demo.png"
    opened = subprocess.run(
        [sys.executable, "-m", "flowfi_desktop.demo", "--data-dir", str(tmp_path),
         "--screenshot", str(shot), "--quit-after", "4"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    assert "demo: creating" not in opened.stdout
    assert "accounts alice, bob" in opened.stdout
    assert shot.read_bytes()[:4] == b"\x89PNG"
    assert _port_free(LOCAL_PORT), "the demo's local network outlived the app"
