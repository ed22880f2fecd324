"""Fast decoding of the stream contract's events straight from base64 XDR.

The generic path (``stellar_sdk.xdr.SCVal.from_xdr`` + ``stellar_sdk.scval.to_native``) builds
an object tree per value and runs at about 6,000 events/s (``bench_ingest``): far too slow for a
catch-up. The contract's events have fixed shapes (``shared/specs/contract-abi.md``): topics
``(Symbol(name), u64 stream_id)`` (or ``(Symbol(name),)`` for protocol events) and data an ScMap
keyed by field-name symbols whose values are u32, u64, i128 or Address. This module reads exactly
those bytes with ``struct`` and checks the result against the known shapes; anything else (other
names, other field sets or types, trailing bytes, garbage) comes back as ``UNKNOWN`` with a
reason, never as an exception. Tests cross-check it against the generic path.

Values: u32/u64/i128 as ``int``; Address as its strkey (``G...``, ``C...``, ``M...``, ``B...``,
``L...``).
"""

from __future__ import annotations

import binascii
import re
import struct
from functools import partial
from typing import Any, Final

import msgspec
from stellar_sdk import StrKey

UNKNOWN: Final = "unknown"

# ScVal type discriminants (Stellar-contract.x).
SCV_U32: Final = 3
SCV_U64: Final = 5
SCV_I128: Final = 10
SCV_SYMBOL: Final = 15
SCV_VEC: Final = 16
SCV_MAP: Final = 17
SCV_ADDRESS: Final = 18

U32, U64, I128, ADDRESS = "u32", "u64", "i128", "address"

STREAM_EVENTS: Final[dict[str, dict[str, str]]] = {
    "stream_created": {
        "stream_id": U64,
        "sender": ADDRESS,
        "recipient": ADDRESS,
        "rate_per_second": I128,
        "token_address": ADDRESS,
        "deposited_amount": I128,
        "start_time": U64,
    },
    "stream_topped_up": {
        "stream_id": U64,
        "sender": ADDRESS,
        "amount": I128,
        "new_deposited_amount": I128,
        "new_end_time": U64,
    },
    "tokens_withdrawn": {
        "stream_id": U64,
        "recipient": ADDRESS,
        "amount": I128,
        "timestamp": U64,
    },
    "stream_cancelled": {
        "stream_id": U64,
        "sender": ADDRESS,
        "recipient": ADDRESS,
        "amount_withdrawn": I128,
        "refunded_amount": I128,
    },
    "stream_paused": {"stream_id": U64, "sender": ADDRESS, "paused_at": U64},
    "stream_resumed": {"stream_id": U64, "sender": ADDRESS, "new_end_time": U64},
    "stream_completed": {"stream_id": U64, "recipient": ADDRESS, "total_withdrawn": I128},
    "fee_collected": {
        "stream_id": U64,
        "treasury": ADDRESS,
        "fee_amount": I128,
        "token": ADDRESS,
    },
}
PROTOCOL_EVENTS: Final[dict[str, dict[str, str]]] = {
    "initialized": {"admin": ADDRESS, "treasury": ADDRESS, "fee_rate_bps": U32},
    "fee_config_updated": {
        "admin": ADDRESS,
        "old_treasury": ADDRESS,
        "new_treasury": ADDRESS,
        "old_fee_rate_bps": U32,
        "new_fee_rate_bps": U32,
    },
    "admin_transferred": {"previous_admin": ADDRESS, "new_admin": ADDRESS},
}
EVENT_SHAPES: Final = {**STREAM_EVENTS, **PROTOCOL_EVENTS}

# SQLite INTEGER is signed 64-bit: a stream id beyond it cannot be a real one (ids count up
# from 1) and is treated as an unknown shape rather than overflowing the store.
MAX_STORABLE_ID: Final = (1 << 63) - 1

# base64.b64decode(..., validate=True) without its Python wrapper (this runs 2x per event).
_b64 = partial(binascii.a2b_base64, strict_mode=True)

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_I128 = struct.Struct(">qQ")
_TYPE_AND_U64 = struct.Struct(">IQ")
_SYMBOL_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


class DecodedEvent(msgspec.Struct, gc=False):
    """``name`` is the event name or ``UNKNOWN``; ``fields`` the data map (None if unknown).
    Not tracked by the cyclic GC, like ``page.RawEvent``."""

    name: str
    stream_id: int | None
    fields: dict[str, Any] | None
    reason: str | None = None  # why it is unknown
    invalid_xdr: bool = False  # the bytes are not even a well-formed ScVal of ours
    fields_json: str | None = None  # ``fields_json_text`` of the fields, when already made

    @property
    def known(self) -> bool:
        return self.name != UNKNOWN


class _Unknown(Exception):
    def __init__(self, reason: str, invalid_xdr: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invalid_xdr = invalid_xdr


# --------------------------------------------------------------------------- addresses

# One cache per address kind (account, contract, muxed, claimable balance, pool).
_ADDRESS_CACHE: tuple[dict[bytes, str], ...] = ({}, {}, {}, {}, {})
_ADDRESS_CACHE_MAX = 100_000


def _strkey(kind: int, raw: bytes) -> str:
    if kind == 0:
        return str(StrKey.encode_ed25519_public_key(raw))
    if kind == 1:
        return str(StrKey.encode_contract(raw))
    if kind == 2:  # MuxedEd25519Account {uint64 id; uint256 ed25519}: strkey wants key + id
        return str(StrKey.encode_med25519_public_key(raw[8:] + raw[:8]))
    if kind == 3:  # ClaimableBalanceID v0: the strkey payload is the type byte + hash
        return str(StrKey.encode_claimable_balance(b"\x00" + raw))
    return str(StrKey.encode_liquidity_pool(raw))


def address_from_raw(kind: int, raw: bytes) -> str:
    cache = _ADDRESS_CACHE[kind]
    found = cache.get(raw)
    if found is None:
        if len(cache) >= _ADDRESS_CACHE_MAX:
            cache.clear()
        found = cache[raw] = _strkey(kind, raw)
    return found


# --------------------------------------------------------------------------- ScVal reading


def _read_symbol(buf: bytes, pos: int) -> tuple[str, int]:
    """A SYMBOL ScVal at ``pos`` (type already known to be SCV_SYMBOL)."""
    (length,) = _U32.unpack_from(buf, pos + 4)
    if length > 32:
        raise _Unknown("symbol longer than 32 bytes", invalid_xdr=True)
    start = pos + 8
    end = start + length
    raw = buf[start:end]
    if len(raw) != length or not _SYMBOL_CHARS.issuperset(raw):
        raise _Unknown("malformed symbol", invalid_xdr=True)
    padded = end + (-length & 3)
    if buf[end:padded].strip(b"\x00") or padded > len(buf):
        raise _Unknown("bad symbol padding", invalid_xdr=True)
    return raw.decode("ascii"), padded


def _read_value(buf: bytes, pos: int) -> tuple[str, Any, int]:
    """One field value: (type tag, python value, next position)."""
    (kind,) = _U32.unpack_from(buf, pos)
    if kind == SCV_I128:
        hi, lo = _I128.unpack_from(buf, pos + 4)
        return I128, (hi << 64) | lo, pos + 20
    if kind == SCV_U64:
        return U64, _U64.unpack_from(buf, pos + 4)[0], pos + 12
    if kind == SCV_ADDRESS:
        (addr_kind,) = _U32.unpack_from(buf, pos + 4)
        if addr_kind == 0 or addr_kind == 3:
            # AccountID (PublicKey union, only ed25519 = 0) / ClaimableBalanceID (only v0 = 0)
            if _U32.unpack_from(buf, pos + 8)[0] != 0:
                raise _Unknown("unsupported key type in address", invalid_xdr=True)
            raw, end = buf[pos + 12 : pos + 44], pos + 44
        elif addr_kind == 1 or addr_kind == 4:
            raw, end = buf[pos + 8 : pos + 40], pos + 40
        elif addr_kind == 2:
            raw, end = buf[pos + 8 : pos + 48], pos + 48
        else:
            raise _Unknown(f"address type {addr_kind}", invalid_xdr=True)
        if end > len(buf):
            raise _Unknown("truncated address", invalid_xdr=True)
        return ADDRESS, address_from_raw(addr_kind, raw), end
    if kind == SCV_U32:
        return U32, _U32.unpack_from(buf, pos + 4)[0], pos + 8
    raise _Unknown(f"field of ScVal type {kind}")


def _read_map(buf: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    if len(buf) < 12:
        raise _Unknown("data too short for a map", invalid_xdr=len(buf) < 4)
    kind, present = _U32.unpack_from(buf, 0)[0], _U32.unpack_from(buf, 4)[0]
    if kind != SCV_MAP:
        raise _Unknown(f"data is ScVal type {kind}, not a map")
    if present != 1:
        raise _Unknown("map absent or malformed", invalid_xdr=present != 0)
    (count,) = _U32.unpack_from(buf, 8)
    if count > 16:
        raise _Unknown(f"map of {count} entries")
    values: dict[str, Any] = {}
    tags: dict[str, str] = {}
    pos = 12
    for _ in range(count):
        if _U32.unpack_from(buf, pos)[0] != SCV_SYMBOL:
            raise _Unknown("map key is not a symbol")
        name, pos = _read_symbol(buf, pos)
        tag, value, pos = _read_value(buf, pos)
        if name in values:
            raise _Unknown(f"duplicate map key {name}")
        values[name] = value
        tags[name] = tag
    if pos != len(buf):
        raise _Unknown("trailing bytes after the map", invalid_xdr=True)
    return values, tags


def _symbol_xdr(name: str) -> bytes:
    raw = name.encode("ascii")
    return _U32.pack(SCV_SYMBOL) + _U32.pack(len(raw)) + raw + b"\x00" * (-len(raw) & 3)


# The fast path: the host writes a struct's map with its keys sorted, so for each known event
# the bytes of every key are known in advance, and only the values need reading.
_TEMPLATES: Final = {
    name: tuple((key, _symbol_xdr(key), shape[key], f'"{key}":') for key in sorted(shape))
    for name, shape in EVENT_SHAPES.items()
}
_MAP_HEADERS: Final = {
    name: _U32.pack(SCV_MAP) + _U32.pack(1) + _U32.pack(len(shape))
    for name, shape in EVENT_SHAPES.items()
}


def _known_pattern(name: str) -> re.Pattern[bytes]:
    """The whole data map of ``name`` as the host writes it, as one regular expression: the
    header, each key's bytes and type tag are literal; each value is a group (an address is two
    alternative groups: account or contract). One C-level match checks the layout and cuts the
    values out, instead of a Python step per key."""
    parts = [re.escape(_MAP_HEADERS[name])]
    for _key, key_xdr, tag, _json_key in _TEMPLATES[name]:
        parts.append(re.escape(key_xdr))
        if tag is I128:
            parts.append(re.escape(_U32.pack(SCV_I128)) + b"(.{16})")
        elif tag is U64:
            parts.append(re.escape(_U32.pack(SCV_U64)) + b"(.{8})")
        elif tag is U32:
            parts.append(re.escape(_U32.pack(SCV_U32)) + b"(.{4})")
        else:  # Address: account (type 0, ed25519 key type 0) or contract (type 1)
            parts.append(
                re.escape(_U32.pack(SCV_ADDRESS))
                + b"(?:"
                + re.escape(_U32.pack(0) + _U32.pack(0))
                + b"(.{32})|"
                + re.escape(_U32.pack(1))
                + b"(.{32}))"
            )
    return re.compile(b"".join(parts), re.DOTALL)


_KNOWN_MATCH: Final = {name: _known_pattern(name).fullmatch for name in EVENT_SHAPES}


def _read_known_map(buf: bytes, name: str) -> tuple[dict[str, Any], str] | None:
    """The data map of event ``name`` laid out exactly as the contract writes it, with its JSON
    text (as ``fields_json_text`` makes it), or None (then the general reader decides)."""
    match = _KNOWN_MATCH[name](buf)
    if match is None:
        return None
    groups = match.groups()
    values: dict[str, Any] = {}
    parts: list[str] = []
    i = 0
    for key, _key_xdr, tag, json_key in _TEMPLATES[name]:
        if tag is ADDRESS:
            account = groups[i]
            text = values[key] = (
                address_from_raw(0, account)
                if account is not None
                else address_from_raw(1, groups[i + 1])
            )
            parts.append(f'{json_key}"{text}"')
            i += 2
        elif tag is I128:
            value = values[key] = int.from_bytes(groups[i], "big", signed=True)
            parts.append(f'{json_key}"{value}"')
            i += 1
        else:
            value = values[key] = int.from_bytes(groups[i], "big")
            parts.append(f"{json_key}{value}")
            i += 1
    return values, "{" + ",".join(parts) + "}"


_TOPIC_NAMES: dict[str, str] = {}


def _topic_name(topic0: str) -> str:
    name = _TOPIC_NAMES.get(topic0)
    if name is None:
        buf = _b64(topic0)
        if len(buf) < 8 or _U32.unpack_from(buf, 0)[0] != SCV_SYMBOL:
            raise _Unknown("first topic is not a symbol")
        name, end = _read_symbol(buf, 0)
        if end != len(buf):
            raise _Unknown("trailing bytes after the topic", invalid_xdr=True)
        if name in EVENT_SHAPES and len(_TOPIC_NAMES) < 1024:
            _TOPIC_NAMES[topic0] = name
    return name


def _topic_u64(topic: str) -> int:
    buf = _b64(topic)
    if len(buf) != 12:
        raise _Unknown("second topic is not a u64")
    kind, value = _TYPE_AND_U64.unpack(buf)
    if kind != SCV_U64:
        raise _Unknown("second topic is not a u64")
    return int(value)


def _decode(topic: list[str], value: str) -> DecodedEvent:
    if not topic:
        raise _Unknown("no topics")
    name = _topic_name(topic[0])
    stream_shape = STREAM_EVENTS.get(name)
    if stream_shape is not None:
        if len(topic) != 2:
            raise _Unknown(f"{name} with {len(topic)} topics")
        stream_id = _topic_u64(topic[1])
        shape = stream_shape
    else:
        protocol_shape = PROTOCOL_EVENTS.get(name)
        if protocol_shape is None:
            raise _Unknown(f"unknown event name {name!r}")
        if len(topic) != 1:
            raise _Unknown(f"{name} with {len(topic)} topics")
        stream_id = None
        shape = protocol_shape
    buf = _b64(value)
    known = _read_known_map(buf, name)
    fields_json = None
    if known is None:
        fields, tags = _read_map(buf)
        if tags != shape:
            raise _Unknown(f"{name} data does not have the known fields")
    else:
        fields, fields_json = known
    if stream_id is not None:
        if fields["stream_id"] != stream_id:
            raise _Unknown(f"{name}: stream id in topics and data differ")
        if stream_id > MAX_STORABLE_ID:
            raise _Unknown(f"{name}: stream id {stream_id} out of range")
    return DecodedEvent(name, stream_id, fields, fields_json=fields_json)


def decode_event(topic: list[str], value: str) -> DecodedEvent:
    """Decodes one event's base64 topics and value; never raises for bad input."""
    try:
        return _decode(topic, value)
    except _Unknown as unknown:
        return DecodedEvent(UNKNOWN, None, None, unknown.reason, unknown.invalid_xdr)
    except (binascii.Error, ValueError, struct.error, TypeError, IndexError) as error:
        return DecodedEvent(UNKNOWN, None, None, f"invalid XDR: {error}", invalid_xdr=True)


def fields_to_json(fields: dict[str, Any], name: str) -> dict[str, Any]:
    """A decoded data map as JSON-safe values: i128 as decimal strings (they overflow JSON
    numbers elsewhere), u32/u64 as numbers, addresses as strkeys."""
    shape = EVENT_SHAPES[name]
    return {k: (str(v) if shape[k] == I128 else v) for k, v in fields.items()}


def fields_json_text(name: str, fields: dict[str, Any]) -> str:
    """``json.dumps(fields_to_json(fields, name), separators=(",", ":"))``, faster: the values
    are integers and strkeys (base32), which need no escaping."""
    shape = EVENT_SHAPES[name]
    parts = []
    for key, value in fields.items():
        tag = shape[key]
        if tag is I128 or tag is ADDRESS:
            parts.append(f'"{key}":"{value}"')
        else:
            parts.append(f'"{key}":{value}')
    return "{" + ",".join(parts) + "}"
