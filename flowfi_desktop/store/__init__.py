"""The local SQLite index: schema (SQLAlchemy 2), migrations (Alembic), i128 encoding."""

from flowfi_desktop.store.db import Store, open_store
from flowfi_desktop.store.i128 import decode_i128, encode_i128

__all__ = ["Store", "decode_i128", "encode_i128", "open_store"]
