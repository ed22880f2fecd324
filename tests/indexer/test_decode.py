"""The fast event decoder against stellar-sdk's generic path (SCVal.from_xdr + to_native)."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stellar_sdk import Address, scval, xdr

from flowfi_desktop.indexer.decode import (
    ADDRESS,
    EVENT_SHAPES,
    I128,
    STREAM_EVENTS,
    U32,
    U64,
    UNKNOWN,
    decode_event,
    fields_json_text,
    fields_to_json,
)
from flowfi_desktop.indexer.encode import event_xdr
from flowfi_desktop.indexer.page import cursor_ledger

u32s = st.integers(0, 2**32 - 1)
u64s = st.integers(0, 2**64 - 1)
i128s = st.integers(-(2**127), 2**127 - 1)
raw32 = st.binary(min_size=32, max_size=32)
addresses = st.one_of(
    raw32.map(Address.from_raw_account),
    raw32.map(Address.from_raw_contract),
    st.tuples(raw32, u64s).map(
        lambda t: Address.from_raw_muxed_account(t[0] + t[1].to_bytes(8, "big"))
    ),
    raw32.map(lambda b: Address.from_raw_claimable_balance(b"\x00" + b)),
    raw32.map(Address.from_raw_liquidity_pool),
)
_FIELD = {U32: u32s, U64: u64s, I128: i128s, ADDRESS: addresses}
_TO_SCVAL = {
    U32: scval.to_uint32,
    U64: scval.to_uint64,
    I128: scval.to_int128,
    ADDRESS: scval.to_address,
}


@st.composite
def events(draw: st.DrawFn) -> tuple[str, dict[str, Any], list[str], str]:
    """An event of a known type with random values, encoded by stellar-sdk (not by us)."""
    name = draw(st.sampled_from(sorted(EVENT_SHAPES)))
    shape = EVENT_SHAPES[name]
    values = {k: draw(_FIELD[t]) for k, t in shape.items()}
    if name in STREAM_EVENTS:
        values["stream_id"] = draw(st.integers(0, 2**63 - 1))
    keys = sorted(shape)  # the host's order (the decoder's fast path)...
    if draw(st.booleans()):
        draw(st.randoms()).shuffle(keys)  # ...or any other (the general reader)
    value = scval.to_map({scval.to_symbol(k): _TO_SCVAL[shape[k]](values[k]) for k in keys})
    topics = [scval.to_symbol(name)]
    if name in STREAM_EVENTS:
        topics.append(scval.to_uint64(values["stream_id"]))
    return name, values, [t.to_xdr() for t in topics], value.to_xdr()


def _generic(topic: list[str], value: str) -> tuple[list[Any], Any]:
    def native(v: Any) -> Any:
        if isinstance(v, Address):
            return v.address
        if isinstance(v, dict):
            return {native(k): native(x) for k, x in v.items()}
        return v

    return (
        [native(scval.to_native(xdr.SCVal.from_xdr(t))) for t in topic],
        native(scval.to_native(xdr.SCVal.from_xdr(value))),
    )


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_known_events_decode_like_the_generic_path(
    event: tuple[str, dict[str, Any], list[str], str],
) -> None:
    name, values, topic, value = event
    decoded = decode_event(topic, value)
    assert decoded.name == name
    generic_topics, generic_fields = _generic(topic, value)
    assert (
        decoded.fields
        == generic_fields
        == {k: (v.address if isinstance(v, Address) else v) for k, v in values.items()}
    )
    assert generic_topics[0] == name
    assert decoded.stream_id == (generic_topics[1] if name in STREAM_EVENTS else None)


@settings(max_examples=200)
@given(events())
def test_our_encoder_writes_the_sdk_bytes(
    event: tuple[str, dict[str, Any], list[str], str],
) -> None:
    name, values, topic, value = event
    plain = {k: (v.address if isinstance(v, Address) else v) for k, v in values.items()}
    if any(isinstance(v, str) and v[0] not in "GC" for v in plain.values()):
        return  # the encoder only writes G/C addresses (all the synthetic chain needs)
    ours_topic, ours_value = event_xdr(name, plain)
    assert ours_topic == topic
    # sdk keeps our shuffled key order; the host (and our encoder) sort the keys
    assert decode_event(ours_topic, ours_value).fields == plain
    sorted_map = xdr.SCVal.from_xdr(value)
    assert sorted_map.map is not None
    sorted_map.map.sc_map.sort(key=lambda e: e.key.sym.sc_symbol)
    assert ours_value == sorted_map.to_xdr()


def _check_garbage(topic: list[str], value: str) -> None:
    decoded = decode_event(topic, value)  # must not raise
    if decoded.known:
        # Whatever we accept, the generic path must read the same way.
        _, generic_fields = _generic(topic, value)
        assert decoded.fields == generic_fields
    else:
        assert decoded.fields is None
        assert decoded.reason


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=40), max_size=3), st.binary(max_size=300))
def test_random_bytes_are_unknown_never_a_crash(topics: list[bytes], value: bytes) -> None:
    enc = [base64.b64encode(t).decode() for t in topics]
    assert decode_event(enc, base64.b64encode(value).decode()).name == UNKNOWN


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(events(), st.data())
def test_mutated_events_are_never_a_crash(
    event: tuple[str, dict[str, Any], list[str], str], data: st.DataObject
) -> None:
    _, _, topic, value = event
    raw = bytearray(base64.b64decode(value))
    how = data.draw(st.sampled_from(["flip", "truncate", "extend", "topics"]))
    if how == "flip":
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] ^= 1 << data.draw(st.integers(0, 7))
    elif how == "truncate":
        del raw[data.draw(st.integers(0, len(raw) - 1)) :]
    elif how == "extend":
        raw += data.draw(st.binary(min_size=1, max_size=8))
    else:
        topic = topic[:1] if len(topic) == 2 else [*topic, scval.to_uint64(1).to_xdr()]
    _check_garbage(topic, base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize(
    ("topic", "value"),
    [
        ([], "AAAAAQ=="),
        (["!!!notbase64"], "AAAAAQ=="),
        ([scval.to_symbol("stream_paused").to_xdr()], "AAAAAQ=="),  # stream event, 1 topic
        ([scval.to_symbol("stream_created").to_xdr(), scval.to_uint64(1).to_xdr()], ""),
        ([scval.to_symbol("transfer").to_xdr()], scval.to_int128(5).to_xdr()),
    ],
)
def test_examples_of_unknown(topic: list[str], value: str) -> None:
    assert decode_event(topic, value).name == UNKNOWN


def test_stream_id_in_topics_and_data_must_agree() -> None:
    topic, value = event_xdr(
        "stream_paused",
        {"stream_id": 4, "sender": Address.from_raw_account(bytes(32)).address, "paused_at": 9},
    )
    assert decode_event(topic, value).name == "stream_paused"
    other = [topic[0], scval.to_uint64(5).to_xdr()]
    assert decode_event(other, value).name == UNKNOWN


def test_real_rpc_answers_decode_without_crashing(shared_dir: Path) -> None:
    """Recorded real getEvents answers: fee events of the native SAC and a counter contract.
    None is ours, so all are unknown; ids follow the TOID rule (ledger = toid >> 32)."""
    path = shared_dir / "fixtures" / "stellar-rpc" / "events_response_p23.json"
    if not path.exists():
        pytest.skip(f"{path} not found")
    result = json.loads(path.read_text())["result"]
    assert result["events"]
    for event in result["events"]:
        decoded = decode_event(event["topic"], event["value"])
        assert decoded.name == UNKNOWN
        assert not decoded.invalid_xdr
        assert cursor_ledger(event["id"]) == event["ledger"]
        _generic(event["topic"], event["value"])  # and the generic path reads them too
    assert cursor_ledger(result["cursor"]) == result["latestLedger"]


def test_decoder_keeps_up_with_a_random_mix() -> None:
    """A plain smoke check over many events in the synthetic chain's shapes."""
    rng = random.Random(3)
    account = Address.from_raw_account(bytes(32)).address
    for _ in range(200):
        sid = rng.randrange(1, 2**40)
        topic, value = event_xdr(
            "tokens_withdrawn",
            {
                "stream_id": sid,
                "recipient": account,
                "amount": rng.randrange(-(2**127), 2**127),
                "timestamp": 5,
            },
        )
        assert decode_event(topic, value).stream_id == sid


@settings(max_examples=200)
@given(events())
def test_fields_json_text_is_plain_json(event: tuple[str, dict[str, Any], list[str], str]) -> None:
    _, _, topic, value = event
    decoded = decode_event(topic, value)
    assert decoded.fields is not None
    text = fields_json_text(decoded.name, decoded.fields)
    assert text == json.dumps(fields_to_json(decoded.fields, decoded.name), separators=(",", ":"))
    assert decoded.fields_json in (None, text)  # the fast path makes the same text
    assert {k: str(v) if isinstance(v, int) else v for k, v in json.loads(text).items()} == {
        k: str(v) if isinstance(v, int) else v for k, v in decoded.fields.items()
    }
