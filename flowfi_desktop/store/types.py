"""SQLAlchemy column types of the index schema."""

from __future__ import annotations

from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from flowfi_desktop.store.i128 import decode_i128, encode_i128


class I128(TypeDecorator[int]):
    """SQLAlchemy column type for i128 (the encoding: ``store/i128.py``)."""

    impl = LargeBinary(16)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> bytes | None:
        return None if value is None else encode_i128(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else decode_i128(bytes(value))
