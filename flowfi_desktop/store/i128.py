"""i128 amounts in SQLite, losslessly.

SQLite's INTEGER is a signed 64-bit number, too small for Soroban's i128. We store an i128 as a
16-byte big-endian BLOB in *offset binary* (the value plus 2**127, i.e. two's complement with
the sign bit flipped). Why a BLOB and not decimal TEXT:

- it is exact and fixed-width (16 bytes, smaller than most decimal strings of large amounts);
- SQLite compares BLOBs with memcmp, and offset binary makes memcmp order equal numeric order,
  so ``ORDER BY``, ``MIN``/``MAX``, range filters and indexes on amount columns are correct in SQL
  (decimal TEXT sorts "10" before "9" and needs padding tricks for negatives);
- SUM cannot work on either representation, so every connection gets the aggregate
  ``i128_sum(x)`` (exact Python ints, result in the same encoding) and the scalar
  ``i128_text(x)`` (decimal text, for reading the database by hand or in exports).

Plain Python, no SQLAlchemy: the CLI's index reads import this alone. The SQLAlchemy column
type is ``store.types.I128``.
"""

from __future__ import annotations

import sqlite3
from typing import Any, cast

I128_MIN = -(1 << 127)
I128_MAX = (1 << 127) - 1
_OFFSET = 1 << 127


def encode_i128(value: int) -> bytes:
    """An i128 as 16 sortable bytes; ValueError when it does not fit."""
    if not I128_MIN <= value <= I128_MAX:
        raise ValueError(f"{value} does not fit in i128")
    return (value + _OFFSET).to_bytes(16, "big")


def decode_i128(blob: bytes) -> int:
    if len(blob) != 16:
        raise ValueError(f"an i128 is 16 bytes, got {len(blob)}")
    return int.from_bytes(blob, "big") - _OFFSET


class _I128Sum:
    def __init__(self) -> None:
        self.total = 0
        self.seen = False

    def step(self, value: bytes | None) -> None:
        if value is not None:
            self.total += decode_i128(value)
            self.seen = True

    def finalize(self) -> bytes | None:
        # A sum may leave i128 (many large rows): clamp rather than fail the query.
        if not self.seen:
            return None
        return encode_i128(max(I128_MIN, min(I128_MAX, self.total)))


def _i128_text(value: bytes | None) -> str | None:
    return None if value is None else str(decode_i128(value))


def register_functions(connection: sqlite3.Connection) -> None:
    """Adds ``i128_sum`` and ``i128_text`` to a SQLite connection."""
    connection.create_aggregate("i128_sum", 1, cast(Any, _I128Sum))
    connection.create_function("i128_text", 1, _i128_text, deterministic=True)
