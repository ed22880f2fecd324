"""Start, stop and find `flowfi-localnet`, the local Soroban network (Qt-free).

`flowfi-localnet` is one Rust process that runs the real Soroban host behind the Stellar RPC
JSON-RPC API (see docs/localnet.md). This module finds the binary, starts it on a given or free
port, waits for its ready line and stops it cleanly.
"""

from __future__ import annotations

import asyncio
import os
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from flowfi_desktop.networks import LOCAL_PASSPHRASE

STANDALONE_PASSPHRASE = LOCAL_PASSPHRASE
BINARY_NAME = "flowfi-localnet"
READY_PREFIX = "localnet ready "
_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parent


class LocalnetError(RuntimeError):
    """The binary is missing, or the process did not become ready."""


def find_binary() -> Path:
    """The binary: $FLOWFI_LOCALNET_BIN, the packaged copy, the Cargo build tree, then PATH."""
    candidates: list[Path] = []
    env = os.environ.get("FLOWFI_LOCALNET_BIN")
    if env:
        candidates.append(Path(env))
    candidates.append(_PACKAGE_DIR / "_bundled" / BINARY_NAME)
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        candidates.append(Path(target) / "localnet" / BINARY_NAME)
    candidates.append(_REPO_ROOT / "contracts" / "target" / "localnet" / BINARY_NAME)
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    on_path = shutil.which(BINARY_NAME)
    if on_path:
        return Path(on_path)
    tried = ", ".join(str(c) for c in candidates)
    raise LocalnetError(
        f"{BINARY_NAME} not found (tried {tried} and PATH); build it with `make localnet-bin`"
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def build_args(
    binary: Path,
    *,
    host: str,
    port: int,
    passphrase: str,
    ledger_interval_ms: int,
    state_dir: str | os.PathLike[str] | None,
    extra_args: Sequence[str] = (),
) -> list[str]:
    args = [
        str(binary),
        "--host",
        host,
        "--port",
        str(port),
        "--passphrase",
        passphrase,
        "--ledger-interval-ms",
        str(ledger_interval_ms),
    ]
    if state_dir is not None:
        args += ["--state-dir", str(state_dir)]
    return args + list(extra_args)


@dataclass
class Localnet:
    """A running flowfi-localnet process."""

    process: subprocess.Popen[str]
    host: str
    port: int
    passphrase: str
    _stderr: IO[str] = field(repr=False)
    _pump: threading.Thread | None = field(default=None, repr=False)

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.port}/rpc"

    @property
    def friendbot_url(self) -> str:
        return f"http://{self.host}:{self.port}/friendbot"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr_text(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read()

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> int:
        """Stops the process (SIGTERM, then SIGKILL after `timeout`); returns its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # Let the stdout pump see EOF before the pipe is closed under it.
        if self._pump is not None:
            self._pump.join(timeout=2)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL, as a crash would (for persistence tests)."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> Localnet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    # Drains stdout for the life of the process so the pipe never fills.
    try:
        for line in stream:
            lines.put(line)
    except (OSError, ValueError):
        pass  # the pipe was closed by stop()
    lines.put(None)


def start(
    port: int | None = None,
    *,
    host: str = "127.0.0.1",
    ledger_interval_ms: int = 1000,
    state_dir: str | os.PathLike[str] | None = None,
    passphrase: str = STANDALONE_PASSPHRASE,
    binary: Path | None = None,
    timeout: float = 15.0,
    extra_args: Sequence[str] = (),
) -> Localnet:
    """Starts flowfi-localnet and returns once it accepts requests.

    `port=None` picks a free port. Raises `LocalnetError` (with the process's stderr) when the
    binary is missing, exits early or is not ready within `timeout` seconds.
    """
    exe = binary or find_binary()
    chosen = port if port is not None else free_port(host)
    # Owned by the returned Localnet (closed in stop()), so no context manager here.
    stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")  # noqa: SIM115
    args = build_args(
        exe,
        host=host,
        port=chosen,
        passphrase=passphrase,
        ledger_interval_ms=ledger_interval_ms,
        state_dir=state_dir,
        extra_args=extra_args,
    )
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    net = Localnet(proc, host, chosen, passphrase, stderr)
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    net._pump = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    net._pump.start()
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            net.stop()
            raise LocalnetError(
                f"{exe.name} was not ready after {timeout:g} s; stderr: {net.stderr_text().strip()}"
            )
        try:
            line = lines.get(timeout=min(remaining, 0.5))
        except queue.Empty:
            continue
        if line is None:
            code = proc.wait()
            text = net.stderr_text().strip()
            net.stop()
            raise LocalnetError(f"{exe.name} exited with code {code} before it was ready: {text}")
        if line.startswith(READY_PREFIX):
            return net


async def start_async(
    port: int | None = None,
    *,
    host: str = "127.0.0.1",
    ledger_interval_ms: int = 1000,
    state_dir: str | os.PathLike[str] | None = None,
    passphrase: str = STANDALONE_PASSPHRASE,
    ready_timeout: float = 15.0,
) -> Localnet:
    """`start` without blocking the event loop."""
    return await asyncio.to_thread(
        start,
        port,
        host=host,
        ledger_interval_ms=ledger_interval_ms,
        state_dir=state_dir,
        passphrase=passphrase,
        timeout=ready_timeout,
    )


def run_foreground(
    port: int = 8000,
    ledger_interval_ms: int = 1000,
    state_dir: str | os.PathLike[str] | None = None,
    max_entry_ttl: int | None = None,
) -> int:
    """Runs flowfi-localnet attached to this terminal until it exits or Ctrl-C; returns its code."""
    try:
        exe = find_binary()
    except LocalnetError as e:
        print(f"error: {e}", flush=True)
        return 2
    args = build_args(
        exe,
        host="127.0.0.1",
        port=port,
        passphrase=STANDALONE_PASSPHRASE,
        ledger_interval_ms=ledger_interval_ms,
        state_dir=state_dir,
        extra_args=[] if max_entry_ttl is None else ["--max-entry-ttl", str(max_entry_ttl)],
    )
    proc = subprocess.Popen(args)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 130
