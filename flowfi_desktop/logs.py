"""Logging for every entry point: a rotating file in the log folder, secrets redacted, and
faulthandler writing hard crashes (segfaults in Qt, aborts) to a crash file beside it.

Redaction is a last line of defence: code must not log secrets in the first place. The filter
removes anything shaped like a Stellar secret seed (`S` + 55 base32 characters) and any string
registered with `register_secret()` (passwords, mnemonics) for the life of the process.
"""

from __future__ import annotations

import atexit
import faulthandler
import logging
import logging.handlers
import re
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO

LOG_FILE_NAME = "flowfi-desktop.log"
CRASH_FILE_NAME = "crash.log"
_MAX_BYTES = 2 * 1024 * 1024
_BACKUPS = 5
REDACTED = "[redacted]"

_SECRET_SEED = re.compile(r"\bS[A-Z2-7]{55}\b")
_registered: set[str] = set()
_registered_lock = threading.Lock()
_crash_file: IO[str] | None = None


def register_secret(secret: str) -> None:
    """Makes the log filter redact `secret` wherever it appears (min. 6 characters)."""
    if len(secret) >= 6:
        with _registered_lock:
            _registered.add(secret)


def redact(text: str) -> str:
    text = _SECRET_SEED.sub(REDACTED, text)
    with _registered_lock:
        secrets = sorted(_registered, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class RedactingFormatter(logging.Formatter):
    """Redacts the fully formatted record, tracebacks and arguments included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(log_dir: Path, *, level: int = logging.INFO, console: bool = False) -> Path:
    """Sends the `flowfi_desktop` loggers to a rotating file in `log_dir`; returns its path."""
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    log_path = log_dir / LOG_FILE_NAME
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        log_path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
    )
    file_handler.setFormatter(formatter)
    log_path.chmod(0o600)
    root = logging.getLogger("flowfi_desktop")
    root.setLevel(level)
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter)
        root.addHandler(stream)
    _enable_faulthandler(log_dir / CRASH_FILE_NAME)
    return log_path


def _enable_faulthandler(crash_path: Path) -> None:
    global _crash_file
    _close_crash_file()
    # Kept open for the life of the process: faulthandler writes to the raw descriptor.
    _crash_file = crash_path.open("a", encoding="utf-8")
    crash_path.chmod(0o600)
    faulthandler.enable(_crash_file, all_threads=True)


@atexit.register
def _close_crash_file() -> None:
    global _crash_file
    if _crash_file is not None:
        faulthandler.disable()
        _crash_file.close()
        _crash_file = None


def log_uncaught(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """An excepthook body: logs the exception (redacted) so it lands in the log file."""
    logging.getLogger("flowfi_desktop.crash").critical(
        "uncaught exception", exc_info=(exc_type, exc, tb)
    )
