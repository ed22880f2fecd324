"""flowfi_desktop.localnet: finding the binary, start/stop, the foreground runner, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from flowfi_desktop import localnet as ln

pytestmark = pytest.mark.localnet


@pytest.fixture
def binary() -> Path:
    try:
        return ln.find_binary()
    except ln.LocalnetError as e:
        pytest.skip(str(e))


def test_env_override_wins_and_missing_binary_is_clear(
    binary: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLOWFI_LOCALNET_BIN", str(binary))
    assert ln.find_binary() == binary
    monkeypatch.setenv("FLOWFI_LOCALNET_BIN", str(tmp_path / "nope"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(ln, "_PACKAGE_DIR", tmp_path)
    monkeypatch.setattr(ln, "_REPO_ROOT", tmp_path)
    monkeypatch.delenv("CARGO_TARGET_DIR", raising=False)
    with pytest.raises(ln.LocalnetError, match="make localnet-bin"):
        ln.find_binary()


def test_start_async_and_stop(binary: Path) -> None:
    async def go() -> ln.Localnet:
        return await ln.start_async(ledger_interval_ms=50)

    net = asyncio.run(go())
    try:
        assert net.running()
        body = {"jsonrpc": "2.0", "id": 1, "method": "getNetwork"}
        got = httpx.post(net.rpc_url, json=body, timeout=10).json()["result"]
        assert got["passphrase"] == ln.STANDALONE_PASSPHRASE
        assert got["friendbotUrl"] == net.friendbot_url
    finally:
        code = net.stop()
    assert not net.running()
    assert code is not None


def test_bad_arguments_report_stderr(binary: Path) -> None:
    with pytest.raises(ln.LocalnetError, match="unknown argument"):
        ln.start(extra_args=["--no-such-flag"], binary=binary)


def test_run_foreground_returns_the_exit_code(binary: Path) -> None:
    net = ln.start(ledger_interval_ms=0, binary=binary)
    try:
        # The port is taken, so the foreground run ends at once with the binary's code.
        assert ln.run_foreground(net.port, 0, None) == 3
    finally:
        net.stop()
