"""Run the CLI in-process with a given stdin and environment; fixtures for a ready data dir."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from flowfi_desktop.cli.main import main

PASSWORD = "test password 123"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


class Cli:
    def __init__(
        self, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.data_dir = data_dir
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, *args: str, stdin: str = "", password: str | None = PASSWORD) -> Run:
        if password is None:
            self.monkeypatch.delenv("FLOWFI_PASSWORD", raising=False)
        else:
            self.monkeypatch.setenv("FLOWFI_PASSWORD", password)
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        # As on a machine without a terminal (CI): prompts are impossible, never block.
        self.monkeypatch.setattr("flowfi_desktop.cli.context.terminal_available", lambda: False)
        self.capsys.readouterr()
        try:
            code = main(["--data-dir", str(self.data_dir), *args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)


def fast_settings(data_dir: Path, **extra: object) -> None:
    """Cheap Argon2id (64 MiB 'interactive') and quick RPC give-up for the CLI tests."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = {
        "keystore_kdf": "interactive",
        "rpc_attempts": 1,
        "rpc_timeout_seconds": 1.0,
        **extra,
    }
    (data_dir / "settings.json").write_text(
        json.dumps({"version": 1, "settings": settings, "networks": {}})
    )
