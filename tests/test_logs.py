from __future__ import annotations

import logging
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from stellar_sdk import Keypair

from flowfi_desktop.logs import (
    CRASH_FILE_NAME,
    REDACTED,
    log_uncaught,
    redact,
    register_secret,
    setup_logging,
)
from tests.core.cli_helpers import PASSWORD, Cli, fast_settings


def test_secret_seeds_and_registered_secrets_never_reach_the_log(tmp_path: Path) -> None:
    seed = Keypair.random().secret
    password = "correct horse battery staple"
    register_secret(password)
    log_path = setup_logging(tmp_path)
    log = logging.getLogger("flowfi_desktop.test")
    log.info("signing with %s", seed)
    log.warning("unlock failed for password=%s", password)
    try:
        raise ValueError(f"bad key {seed}")
    except ValueError as exc:
        log_uncaught(type(exc), exc, exc.__traceback__)
    for handler in logging.getLogger("flowfi_desktop").handlers:
        handler.flush()
    text = log_path.read_text()
    assert seed not in text
    assert password not in text
    assert text.count(REDACTED) == 3  # the seed, the password, the exception message
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600


def test_redact_leaves_public_keys_alone() -> None:
    public = Keypair.random().public_key
    assert redact(f"sender {public}") == f"sender {public}"


def test_a_hard_crash_leaves_a_crash_file(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import ctypes
        from pathlib import Path
        from flowfi_desktop.logs import setup_logging
        setup_logging(Path({str(tmp_path)!r}))
        ctypes.string_at(0)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode != 0
    crash = (tmp_path / CRASH_FILE_NAME).read_text()
    assert "Segmentation fault" in crash or "Fatal Python error" in crash


def test_cli_commands_write_the_log_without_their_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    fast_settings(data)
    cli = Cli(data, monkeypatch, capsys)
    seed = Keypair.random().secret
    assert cli("account", "import", "alice", "--secret-stdin", stdin=seed).code == 0
    assert cli("account", "import", "alice", "--secret-stdin", stdin=seed).code == 1  # exists
    for handler in logging.getLogger("flowfi_desktop").handlers:
        handler.flush()
    log_path = data / "logs" / "flowfi-desktop.log"
    text = log_path.read_text()
    assert "command account import finished, exit 0" in text
    assert "command account import failed, exit 1" in text
    assert seed not in text
    assert PASSWORD not in text
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
