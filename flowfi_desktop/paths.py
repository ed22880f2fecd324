"""Where the app keeps its files, and how it writes them: atomically, owner-only.

The data dir is `--data-dir`, else `FLOWFI_DATA_DIR`, else the platform's user data dir.
`atomic_write` creates the temp file with mode 0600 before a byte of data is written, fsyncs
it, renames it over the target and fsyncs the directory: a crash leaves the old file or the
new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import platformdirs

from flowfi_desktop import APP_ID

DATA_DIR_ENV = "FLOWFI_DATA_DIR"
SETTINGS_FILE = "settings.json"
KEYSTORE_FILE = "keystore.json"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data dir (not created)."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def ensure_dir(path: Path) -> Path:
    """Creates `path` (owner-only) when missing; returns it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - platforms that cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replaces `path` with `data` so a reader sees the old or the new content, never a mix."""
    ensure_dir(path.parent)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)  # umask cannot widen it; make sure of it anyway
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_dir(path.parent)
