"""Rows of the index read with plain ``sqlite3`` (the GUI's reads and the CLI's): no
SQLAlchemy, which costs ~0.2 s to import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowfi_desktop.store.i128 import decode_i128

#: The ``streams`` columns of ``StreamRow``, in its order (for a SELECT).
STREAM_COLUMNS = (
    "stream_id, sender, recipient, token_address, rate_per_second, deposited_amount, "
    "withdrawn_amount, start_time, last_update_time, is_active, paused, paused_at, status, "
    "end_time, fees_paid, refunded_amount, created_ledger, last_event_id, updated_ledger"
)


@dataclass(slots=True)
class StreamRow:
    """One indexed stream (amounts in base units). Satisfies ``accrual.Accruing``."""

    stream_id: int
    sender: str
    recipient: str
    token_address: str
    rate_per_second: int
    deposited_amount: int
    withdrawn_amount: int
    start_time: int
    last_update_time: int
    is_active: bool
    paused: bool
    paused_at: int | None
    status: str
    end_time: int
    fees_paid: int
    refunded_amount: int
    created_ledger: int | None
    last_event_id: str | None
    updated_ledger: int

    @classmethod
    def from_sql(cls, r: tuple[Any, ...]) -> StreamRow:
        return cls(
            r[0],
            r[1],
            r[2],
            r[3],
            decode_i128(r[4]),
            decode_i128(r[5]),
            decode_i128(r[6]),
            r[7],
            r[8],
            bool(r[9]),
            bool(r[10]),
            r[11],
            r[12],
            decode_i128(r[13]),
            decode_i128(r[14]),
            decode_i128(r[15]),
            r[16],
            r[17],
            r[18],
        )
