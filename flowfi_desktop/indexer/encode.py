"""XDR encoding of the contract's event shapes and storage keys (the inverse of ``decode``).

Used to build ``DataKey::Stream(id)`` ledger keys for ``getLedgerEntries`` and by the synthetic
chain (tests, benchmarks) to produce events exactly as the contract emits them. Tests check the
bytes against stellar-sdk's own encoder.
"""

from __future__ import annotations

import struct
from base64 import b64encode
from collections.abc import Callable
from typing import Any

from stellar_sdk import StrKey

from flowfi_desktop.indexer.decode import (
    ADDRESS,
    EVENT_SHAPES,
    I128,
    SCV_ADDRESS,
    SCV_I128,
    SCV_MAP,
    SCV_SYMBOL,
    SCV_U32,
    SCV_U64,
    SCV_VEC,
    STREAM_EVENTS,
    U32,
    U64,
)

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_I128 = struct.Struct(">IqQ")

_RAW_ADDRESS: dict[str, bytes] = {}


def sc_symbol(name: str) -> bytes:
    raw = name.encode("ascii")
    return _U32.pack(SCV_SYMBOL) + _U32.pack(len(raw)) + raw + b"\x00" * (-len(raw) & 3)


def sc_u32(value: int) -> bytes:
    return _U32.pack(SCV_U32) + _U32.pack(value)


def sc_u64(value: int) -> bytes:
    return _U32.pack(SCV_U64) + _U64.pack(value)


def sc_i128(value: int) -> bytes:
    return _I128.pack(SCV_I128, value >> 64, value & 0xFFFF_FFFF_FFFF_FFFF)


def sc_address(address: str) -> bytes:
    """An Address ScVal from a G... (account) or C... (contract) strkey."""
    found = _RAW_ADDRESS.get(address)
    if found is None:
        if address.startswith("G"):
            body = _U32.pack(0) + _U32.pack(0) + StrKey.decode_ed25519_public_key(address)
        elif address.startswith("C"):
            body = _U32.pack(1) + StrKey.decode_contract(address)
        else:
            raise ValueError(f"cannot encode address {address[:1]}...")
        found = _RAW_ADDRESS[address] = _U32.pack(SCV_ADDRESS) + body
    return found


def sc_vec(items: list[bytes]) -> bytes:
    return _U32.pack(SCV_VEC) + _U32.pack(1) + _U32.pack(len(items)) + b"".join(items)


def sc_map(entries: dict[str, bytes]) -> bytes:
    """A map keyed by symbols, sorted as the host sorts them."""
    body = b"".join(sc_symbol(k) + entries[k] for k in sorted(entries))
    return _U32.pack(SCV_MAP) + _U32.pack(1) + _U32.pack(len(entries)) + body


_ENCODERS: dict[str, Callable[[Any], bytes]] = {
    U32: sc_u32,
    U64: sc_u64,
    I128: sc_i128,
    ADDRESS: sc_address,
}


def event_xdr(name: str, fields: dict[str, Any]) -> tuple[list[str], str]:
    """The base64 (topics, value) of one contract event with these data fields."""
    shape = EVENT_SHAPES[name]
    value = sc_map({k: _ENCODERS[t](fields[k]) for k, t in shape.items()})
    topics = [sc_symbol(name)]
    if name in STREAM_EVENTS:
        topics.append(sc_u64(fields["stream_id"]))
    return [b64encode(t).decode() for t in topics], b64encode(value).decode()


def stream_key_scval(stream_id: int) -> bytes:
    """``DataKey::Stream(id)`` as an ScVal: ``Vec[Symbol("Stream"), U64(id)]``."""
    return sc_vec([sc_symbol("Stream"), sc_u64(stream_id)])
