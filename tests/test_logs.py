from __future__ import annotations

import logging
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from stellar_sdk import Keypair

from flowfi_desktop.logs import (
    CRASH_FILE_NAME,
    REDACTED,
    log_uncaught,
    redact,
    register_secret,
    setup_logging,
)


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
