"""The offline demo behind `make run`: a wallet on the bundled local network with two funded
accounts, the stream contract deployed and a few live streams between them, one of them
incoming for the first account.

Nothing is simulated: the local network runs the real contract in the real Soroban host, the
accounts live in a real keystore, and every stream is a signed transaction sent through the same
commands a user types. The demo keeps its own data dir (chain state included), so a second run
only opens the app. The demo wallet's password sits in `demo-password` in that dir: it guards
play money on a chain that exists only on this machine.
"""

from __future__ import annotations

import contextlib
import io
import json
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flowfi_desktop import localnet
from flowfi_desktop.errors import FlowFiError
from flowfi_desktop.paths import KEYSTORE_FILE, atomic_write, ensure_dir

MARKER_FILE = "demo.json"
PASSWORD_FILE = "demo-password"  # noqa: S105 - a file name, not a password
LOCAL_PORT = 8000

# (sender, recipient, amount in XLM, duration): what the first account sees is two outgoing
# streams of different lengths and one incoming.
DEMO_STREAMS = (
    ("alice", "bob", "1200", "2h"),
    ("alice", "bob", "90", "15m"),
    ("bob", "alice", "600", "1h"),
)


class DemoSetupFailed(FlowFiError):
    """A demo step failed; the message names the step and what it printed."""


@dataclass(frozen=True)
class DemoInfo:
    data_dir: Path
    contract_id: str
    accounts: dict[str, str]
    stream_ids: list[int]

    @property
    def password_file(self) -> Path:
        return self.data_dir / PASSWORD_FILE


def _cli(data_dir: Path, password_file: Path) -> Callable[..., str]:
    """Runs a `flowfi-desktop` command in-process on the demo wallet; returns its stdout."""
    from flowfi_desktop.cli.main import main

    def run(*argv: str) -> str:
        full = ["--data-dir", str(data_dir), "--network", "local"]
        full += ["--password-file", str(password_file), *argv]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(full)
        if code != 0:
            raise DemoSetupFailed(
                f"demo step `{' '.join(argv)}` failed (exit {code}): {err.getvalue().strip()}"
            )
        return out.getvalue()

    return run


@contextlib.contextmanager
def _local_network(data_dir: Path) -> Iterator[None]:
    """The demo's chain, kept in the demo dir, running for the duration of the set-up."""
    process = localnet.start(LOCAL_PORT, state_dir=data_dir / "localnet")
    try:
        yield
    finally:
        process.stop()


def load_demo(data_dir: Path) -> DemoInfo | None:
    marker = data_dir / MARKER_FILE
    if not marker.is_file():
        return None
    raw = json.loads(marker.read_text(encoding="utf-8"))
    return DemoInfo(data_dir, raw["contract_id"], raw["accounts"], raw["stream_ids"])


def ensure_demo(data_dir: Path, say: Callable[[str], None] = print) -> DemoInfo:
    """Sets the demo up once; later calls return what the first one made."""
    existing = load_demo(data_dir)
    if existing is not None:
        return existing
    if (data_dir / KEYSTORE_FILE).exists():
        raise DemoSetupFailed(
            f"{data_dir} already holds a wallet that is not the demo's; "
            "choose another --data-dir for the demo"
        )
    started = time.monotonic()
    ensure_dir(data_dir)
    password_file = data_dir / PASSWORD_FILE
    atomic_write(password_file, secrets.token_urlsafe(12).encode())
    cli = _cli(data_dir, password_file)
    # Interactive-strength Argon2id keeps each demo unlock near 0.1 s instead of ~1 s.
    cli("settings", "set", "keystore_kdf", "interactive")
    cli("settings", "set", "network", "local")

    with _local_network(data_dir):
        accounts: dict[str, str] = {}
        for name in ("alice", "bob"):
            say(f"demo: creating and funding account {name}")
            cli("account", "create", name)
            cli("account", "fund", name)
        for item in json.loads(cli("account", "list", "--json")):
            accounts[item["name"]] = item["address"]
        say("demo: deploying the stream contract")
        deployed = cli("contract", "deploy", "--account", "alice", "--yes", "--json")
        contract_id = str(json.loads(deployed)["contract_id"])
        stream_ids = []
        for sender, recipient, amount, duration in DEMO_STREAMS:
            say(f"demo: {sender} streams {amount} XLM to {recipient} over {duration}")
            created = cli(
                "stream", "create", "--account", sender, "--recipient", accounts[recipient],
                "--token", "native", "--amount", amount, "--duration", duration, "--yes", "--json",
            )  # fmt: skip
            stream_ids.append(int(json.loads(created)["stream_id"]))

    info = DemoInfo(data_dir, contract_id, accounts, stream_ids)
    marker = {"contract_id": contract_id, "accounts": accounts, "stream_ids": stream_ids}
    atomic_write(data_dir / MARKER_FILE, json.dumps(marker, indent=2).encode())
    say(f"demo: ready in {time.monotonic() - started:.1f} s (wallet password in {password_file})")
    return info


def run_demo(data_dir: Path, screenshot: str | None = None, quit_after: float | None = None) -> int:
    """Sets the demo up when needed, keeps its local chain running and opens the app on it."""
    info = ensure_demo(data_dir)
    print(
        f"demo wallet in {data_dir}: accounts {', '.join(info.accounts)}; "
        f"password in {info.password_file}",
        flush=True,
    )
    # Imported here: everything above works without Qt.
    from flowfi_desktop.ui.app import run_gui

    with _local_network(data_dir):
        return run_gui(screenshot=screenshot, quit_after=quit_after, data_dir=data_dir)


def main(argv: list[str] | None = None) -> int:
    """`python -m flowfi_desktop.demo`: what `make run` calls."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="flowfi-desktop demo", description="open the app on a demo wallet (local network)"
    )
    parser.add_argument("--data-dir", required=True, type=Path, help="the demo's own data dir")
    parser.add_argument("--screenshot", metavar="FILE.png")
    parser.add_argument("--quit-after", metavar="SECONDS", type=float)
    args = parser.parse_args(argv)
    try:
        return run_demo(args.data_dir, args.screenshot, args.quit_after)
    except (FlowFiError, localnet.LocalnetError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
