"""Which schema revision an index file records, read with plain ``sqlite3`` (no SQLAlchemy or
Alembic: an up-to-date index is opened without them)."""

from __future__ import annotations

import sqlite3

#: The newest migration's revision: a new migration changes it too (a test compares it with
#: what Alembic finds in ``migrations/versions``).
HEAD_REVISION = "0003"


def recorded_revision(connection: sqlite3.Connection) -> str | None:
    """The one revision the database records; None when there is no version table or it does
    not hold exactly one row (Alembic then looks for itself)."""
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if found is None:
        return None
    rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return str(rows[0][0]) if len(rows) == 1 else None
