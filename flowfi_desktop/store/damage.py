"""An index file that is not a sound SQLite database (overwritten, truncated, not SQLite at all):
a clear error that says what to do, instead of a crash. Nothing is deleted: the index is only a
cache of the chain, so the user moves it aside and the next sync rebuilds it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flowfi_desktop.errors import RefusedError

# SQLite's "database disk image is malformed" and "file is not a database".
_DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


class DamagedIndexError(RefusedError):
    """The index file cannot be read as an SQLite database."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"the index {path} is damaged ({reason}); rename it (e.g. to {path.name}.damaged) "
            "and sync again: it is rebuilt from the chain"
        )
        self.path = path


def damage_reason(error: BaseException) -> str | None:
    """SQLite's reason when ``error`` (sqlite3's, or SQLAlchemy's wrapping of it in ``orig``)
    says the file is damaged; None for any other error (a locked file, a full disk...)."""
    inner = getattr(error, "orig", error)
    if isinstance(inner, sqlite3.DatabaseError) and (
        getattr(inner, "sqlite_errorcode", None) in _DAMAGE_CODES
    ):
        return str(inner)
    return None
