"""The local SQLite index: schema (SQLAlchemy 2), migrations (Alembic), i128 encoding.

``Store`` and ``open_store`` are loaded on first use: importing them pulls in SQLAlchemy
(~0.2 s), which the CLI's index reads do without (they read with plain ``sqlite3``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowfi_desktop.store.i128 import decode_i128, encode_i128

if TYPE_CHECKING:
    from flowfi_desktop.store.db import Store, open_store

__all__ = ["Store", "decode_i128", "encode_i128", "open_store"]


def __getattr__(name: str) -> Any:
    if name in ("Store", "open_store"):
        from flowfi_desktop.store import db

        return getattr(db, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
