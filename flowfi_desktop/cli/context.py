"""What every command needs: the data dir, settings, networks, the wallet, passwords, output."""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from flowfi_desktop.errors import InputError, NetworkError, RefusedError
from flowfi_desktop.networks import Network, Networks
from flowfi_desktop.paths import KEYSTORE_FILE, data_dir
from flowfi_desktop.settings import SettingsFile

if TYPE_CHECKING:
    # Imported where used: the RPC client (stellar_sdk, httpx, pydantic: ~0.3 s) only by the
    # commands that talk to a network, the keystore only by those that read accounts.
    from flowfi_desktop.chain.soroban import Soroban
    from flowfi_desktop.keys.accounts import Wallet

PASSWORD_ENV = "FLOWFI_PASSWORD"  # noqa: S105 - the name of a variable, not a password


@dataclass
class Console:
    """Where output goes: results to stdout, reviews and prompts to stderr with --json."""

    json_mode: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)

    def say(self, text: str) -> None:
        """Human text: stdout normally, stderr when stdout carries JSON."""
        print(text, file=self.err if self.json_mode else self.out, flush=True)

    def result(self, data: Any, text: str) -> None:
        if self.json_mode:
            print(json.dumps(data, indent=2), file=self.out, flush=True)
        else:
            print(text, file=self.out, flush=True)

    def confirm(self, question: str) -> bool:
        print(f"{question} [y/N] ", end="", file=self.err, flush=True)
        answer = self.stdin.readline()
        if not self.stdin.isatty():
            print(answer.strip(), file=self.err, flush=True)  # show the piped answer
        return answer.strip().lower() in ("y", "yes")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def terminal_available() -> bool:
    """Whether a prompt can be shown: getpass talks to /dev/tty even when stdin is a pipe."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


class PasswordSource:
    """--password-file, then FLOWFI_PASSWORD, then a prompt on the terminal."""

    def __init__(self, password_file: str | None, stdin: TextIO) -> None:
        self.password_file = password_file
        self.stdin = stdin
        self._cached: str | None = None

    def __call__(self, new: bool) -> str:
        if self._cached is not None:
            return self._cached
        if self.password_file:
            try:
                text = Path(self.password_file).read_text(encoding="utf-8")
            except OSError as exc:
                raise InputError(
                    f"cannot read the password file {self.password_file} ({exc.strerror})"
                ) from None
            text = text.rstrip("\r\n")
        elif os.environ.get(PASSWORD_ENV):
            text = os.environ[PASSWORD_ENV]
        else:
            if not terminal_available():
                raise InputError(
                    "a password is needed but there is no terminal to ask on: use "
                    f"--password-file FILE or set {PASSWORD_ENV}"
                )
            if new:
                text = getpass.getpass("New keystore password: ")
                if getpass.getpass("Repeat the password: ") != text:
                    raise InputError("the two passwords differ; nothing was changed")
            else:
                text = getpass.getpass("Keystore password: ")
        if not text:
            raise InputError("the password is empty")
        self._cached = text
        return text


@dataclass
class Context:
    data_dir: Path
    network_name: str | None
    console: Console
    passwords: PasswordSource
    _settings: SettingsFile | None = None
    started: list[Any] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any, console: Console) -> Context:
        return cls(
            data_dir=data_dir(getattr(args, "data_dir", None)),
            network_name=getattr(args, "network", None),
            console=console,
            passwords=PasswordSource(getattr(args, "password_file", None), console.stdin),
        )

    @property
    def settings(self) -> SettingsFile:
        if self._settings is None:
            self._settings = SettingsFile(self.data_dir)
        return self._settings

    @property
    def networks(self) -> Networks:
        return Networks(self.settings)

    @property
    def network(self) -> Network:
        name = self.network_name or str(self.settings.get("network"))
        return self.networks.get(name)

    @property
    def wallet(self) -> Wallet:
        from flowfi_desktop.keys.accounts import Wallet
        from flowfi_desktop.keys.keystore import KdfParams

        remember = (
            int(self.settings.get("remember_unlock_minutes"))
            if self.settings.get("remember_unlock")
            else None
        )
        return Wallet(
            self.data_dir / KEYSTORE_FILE,
            kdf=KdfParams.named(str(self.settings.get("keystore_kdf"))),
            remember_minutes=remember,
        )

    def ensure_local(self, network: Network) -> None:
        """Starts the bundled local network for this command when `local` is not running."""
        if network.name != "local":
            return
        parts = urlsplit(network.rpc_url)
        host, port = parts.hostname or "", parts.port or 80
        if host not in ("127.0.0.1", "localhost") or _port_open(host, port):
            return
        try:
            from flowfi_desktop import localnet
        except ImportError:  # pragma: no cover - a build without the local network
            return
        state = self.data_dir / "localnet"
        try:
            process = localnet.start(port, host="127.0.0.1", state_dir=state)
        except localnet.LocalnetError as exc:
            raise NetworkError(
                f"the local network is not running at {network.rpc_url} and could not be "
                f"started: {exc}"
            ) from None
        self.started.append(process)
        print(
            f"started the local network at {network.rpc_url} (state in {state}); it stops "
            "when this command ends (`flowfi-desktop localnet` keeps one running)",
            file=self.console.err,
            flush=True,
        )

    def close(self) -> None:
        for process in self.started:
            process.stop()
        self.started.clear()

    def soroban(self, network: Network | None = None) -> Soroban:
        from flowfi_desktop.chain.soroban import Soroban

        network = network or self.network
        self.ensure_local(network)
        return Soroban(
            network,
            timeout=float(self.settings.get("rpc_timeout_seconds")),
            attempts=int(self.settings.get("rpc_attempts")),
            rate_limit=float(self.settings.get("public_rpc_rate_limit")) or None,
        )

    def contract_id(self, network: Network) -> str:
        if not network.contract_id:
            raise InputError(
                f"no stream contract is recorded for network {network.name!r}: deploy one "
                f"(`contract deploy`) or record one (`network set-contract {network.name} C...`)"
            )
        return network.contract_id

    def address_names(self) -> dict[str, str]:
        try:
            return {a.address: a.name for a in self.wallet.accounts()}
        except InputError:
            return {}


def refuse_unless_confirmed(ctx: Context, yes: bool, review_text: str) -> None:
    ctx.console.say(review_text)
    if yes:
        return
    if not ctx.console.confirm("Sign and send this transaction?"):
        raise RefusedError("refused: nothing was signed or sent")


Confirm = Callable[[str], bool]
