"""The native page reader (contracts/flowfi_native) against the Python readers.

For any reply body it either declines (None) or gives exactly the page the Python readers give:
the same events, the same decoded fields and JSON text. It must decline every body the Python
readers refuse or read as unknown events, so errors and unknown events are theirs alone.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowfi_desktop.indexer import page as page_module
from flowfi_desktop.indexer.decode import DecodedEvent
from flowfi_desktop.indexer.encode import sc_symbol
from flowfi_desktop.indexer.page import (
    PageDataError,
    RawEvent,
    decode_events_reply,
    parse_page,
    read_events_reply,
)
from flowfi_desktop.indexer.synthetic import generate_history, rfc3339
from flowfi_desktop.indexer.writer import decode_page
from tests.indexer.test_decode import events as known_events

flowfi_native = page_module.flowfi_native
CONTRACT = "CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC"
TX_HASH = "ab" * 32
Page = tuple[str, int, int, list[RawEvent], list[DecodedEvent]]


def test_the_native_reader_is_built() -> None:
    """`make` builds it; without it the app still works, slowly, and this says so."""
    assert flowfi_native is not None, (
        "flowfi_native is not installed: run `make setup` (maturin develop)"
    )


def _python(body: bytes, after: str | None) -> Page | None:
    """What the Python readers make of a body: None when they refuse it or an event in it is
    not one of the contract's known events."""
    try:
        wire = decode_events_reply(body, 1)
        result = wire if wire is not None else json.loads(body)["result"]
        page = parse_page(result, CONTRACT, after)
    except (PageDataError, ValueError, KeyError, TypeError):
        return None
    decoded = decode_page(page.events)
    if any(not d.known for d in decoded):
        return None
    return page.cursor, page.latest_ledger, page.oldest_ledger, page.events, decoded


def _native(body: bytes, after: str | None) -> Page | None:
    assert flowfi_native is not None
    native = flowfi_native.read_page(body, 1, CONTRACT, after)
    if native is None:
        return None
    raws, decoded = native.take(0, len(native), RawEvent, DecodedEvent)
    assert len(raws) == len(native)
    return native.cursor, native.latest_ledger, native.oldest_ledger, raws, decoded


def _same(body: bytes, after: str | None = None) -> tuple[Page | None, Page | None]:
    """Asserts the property; returns the native and the Python readers' page."""
    native, python = _native(body, after), _python(body, after)
    if native is not None:
        assert python is not None, "the native reader took a page the Python readers refuse"
        assert native == python  # DecodedEvent's equality covers fields_json too
    return native, python


def _event_id(ledger: int, tx: int, index: int) -> str:
    return f"{(ledger << 32) | (tx << 12):019d}-{index:010d}"


def _body(items: list[dict[str, Any]], **page: Any) -> bytes:
    result = {
        "events": items,
        "cursor": page.pop("cursor", None) or (items[-1]["id"] if items else _event_id(9, 0, 0)),
        "latestLedger": 50,
        "oldestLedger": 1,
        **page,
    }
    return json.dumps({"jsonrpc": "2.0", "id": 1, "result": result}).encode()


def _wire_events(encoded: list[tuple[list[str], str]], ledger: int = 7) -> list[dict[str, Any]]:
    return [
        {
            "type": "contract",
            "ledger": ledger,
            "ledgerClosedAt": rfc3339(1_700_000_000 + ledger * 5),
            "contractId": CONTRACT,
            "id": _event_id(ledger, 1, i),
            "operationIndex": 0,
            "transactionIndex": 1,
            "txHash": TX_HASH,
            "inSuccessfulContractCall": True,
            "topic": topic,
            "value": value,
        }
        for i, (topic, value) in enumerate(encoded)
    ]


@pytest.fixture(scope="module")
def history_bodies() -> tuple[str, list[bytes]]:
    history = generate_history(3_000, seed=11)
    bodies = []
    for start in range(0, len(history.events), 700):
        chunk = history.events[start : start + 700]
        result = {"events": chunk, "cursor": chunk[-1]["id"], "latestLedger": 10**6}
        bodies.append(json.dumps({"jsonrpc": "2.0", "id": 1, "result": result}).encode())
    return history.contract_id, bodies


def test_a_synthetic_history_reads_the_same(history_bodies: tuple[str, list[bytes]]) -> None:
    contract, bodies = history_bodies
    assert flowfi_native is not None
    after = None
    for body in bodies:
        native = flowfi_native.read_page(body, 1, contract, after)
        assert native is not None, flowfi_native.declined_reason(body, 1, contract, after)
        raws, decoded = native.take(0, len(native), RawEvent, DecodedEvent)
        wire = decode_events_reply(body, 1)
        assert wire is not None
        python = parse_page(wire, contract, after)
        assert raws == python.events
        assert decoded == decode_page(python.events)
        assert native.cursor == python.cursor
        after = native.cursor


def test_slices_make_the_same_objects(history_bodies: tuple[str, list[bytes]]) -> None:
    contract, bodies = history_bodies
    assert flowfi_native is not None
    native = flowfi_native.read_page(bodies[0], 1, contract, None)
    assert native is not None
    whole = native.take(0, len(native), RawEvent, DecodedEvent)
    parts: tuple[list[Any], list[Any]] = ([], [])
    for start in range(0, len(native), 64):
        raws, decoded = native.take(start, start + 64, RawEvent, DecodedEvent)
        parts[0].extend(raws)
        parts[1].extend(decoded)
    assert parts == whole
    assert native.take(len(native), len(native) + 5, RawEvent, DecodedEvent) == ([], [])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(known_events(), min_size=1, max_size=6))
def test_known_events_read_like_the_python_readers(
    events: list[tuple[str, dict[str, Any], list[str], str]],
) -> None:
    """Random values of every known shape (encoded by stellar-sdk), any field order and address
    kind: the native reader takes what the fast path knows and declines the rest (a muxed
    address, another key order), which the Python readers then read."""
    body = _body(_wire_events([(topic, value) for _, _, topic, value in events]))
    native, python = _same(body)
    if python is not None and all(
        d.fields_json is not None for d in python[4]
    ):  # every event on the Python fast path: the native one takes the page too
        assert native is not None


# Mutations of a page that the Python readers refuse (or, for the close times, read in a form
# the native reader leaves to them): the native reader must decline each.
DECLINED_MUTATIONS = (
    "contract",
    "order",
    "cursor_behind",
    "cursor_backwards",
    "time_offset",
    "time_fraction",
    "time_naive",
    "ledger",
    "drop_key",
    "id_type",
    "reply_id",
    "error_reply",
)
# Mutations that may leave a page the Python readers take (then both must read it alike).
OTHER_MUTATIONS = ("none", "flip", "truncate", "escape", "topics", "extra_key", "null_events")


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(known_events(), min_size=2, max_size=4),
    st.sampled_from(DECLINED_MUTATIONS + OTHER_MUTATIONS),
    st.data(),
)
def test_mutated_pages_are_declined_or_read_alike(
    events: list[tuple[str, dict[str, Any], list[str], str]], how: str, data: st.DataObject
) -> None:
    wire = _wire_events([(topic, value) for _, _, topic, value in events])
    page: dict[str, Any] = {"cursor": wire[-1]["id"]}
    after: str | None = None
    reply: dict[str, Any] | None = None
    victim = wire[data.draw(st.integers(0, len(wire) - 1))]
    if how == "flip" or how == "truncate":
        raw = bytearray(base64.b64decode(victim["value"]))
        if how == "flip":
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= 1 << data.draw(st.integers(0, 7))
        else:
            del raw[data.draw(st.integers(0, len(raw) - 1)) :]
        victim["value"] = base64.b64encode(bytes(raw)).decode()
    elif how == "contract":
        victim["contractId"] = "C" + CONTRACT[1:-1] + "A"
    elif how == "order":
        wire[0]["id"], wire[-1]["id"] = wire[-1]["id"], wire[0]["id"]
    elif how == "cursor_behind":
        page["cursor"] = wire[0]["id"]
    elif how == "cursor_backwards":
        after = _event_id(8, 0, 0)
    elif how == "time_offset":
        victim["ledgerClosedAt"] = victim["ledgerClosedAt"].replace("Z", "+00:00")
    elif how == "time_fraction":
        victim["ledgerClosedAt"] = victim["ledgerClosedAt"].replace("Z", ".5Z")
    elif how == "time_naive":
        victim["ledgerClosedAt"] = victim["ledgerClosedAt"].rstrip("Z")
    elif how == "ledger":
        victim["ledger"] += 1
    elif how == "escape":  # a JSON escape: the same text, spelled differently (below)
        pass
    elif how == "drop_key":
        del victim[data.draw(st.sampled_from(["id", "ledger", "txHash", "topic", "value"]))]
    elif how == "id_type":
        victim["ledger"] = str(victim["ledger"])
    elif how == "topics":
        victim["topic"] = data.draw(st.sampled_from([[], victim["topic"] * 3]))
    elif how == "extra_key":
        victim["somethingNew"] = {"nested": [1, 2]}
    elif how == "reply_id":
        reply = {"jsonrpc": "2.0", "id": 2, "result": {"events": wire, "cursor": wire[-1]["id"]}}
    elif how == "error_reply":
        reply = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "bad"}}
    elif how == "null_events":
        page["events"] = None
    body = json.dumps(reply).encode() if reply is not None else _body(wire, **page)
    if how == "escape":
        body = body.replace(TX_HASH.encode(), b"\\u0061" + TX_HASH[1:].encode(), 1)
    native, python = _same(body, after)
    must_decline = how in DECLINED_MUTATIONS or (how == "topics" and victim["topic"] == [])
    if must_decline:
        assert native is None, how
    if (
        python is not None
        and all(d.fields_json is not None for d in python[4])
        and not how.startswith("time_")
    ):
        # The Python fast path read every event, in the RPC's own spelling: so does this one.
        assert native is not None, how
    if how == "null_events":
        assert native is not None
        assert native[3] == []


def test_read_events_reply_falls_back_to_the_typed_reader() -> None:
    """A page the native reader declines (an unknown event) is the msgspec reader's."""
    topic = [base64.b64encode(sc_symbol("nope")).decode()]
    body = _body(_wire_events([(topic, "AAAAAQ==")]))  # data: Void
    result = read_events_reply(body, 1, CONTRACT, None)
    assert result is not None
    assert type(result).__name__ == "WirePage"
    decoded = decode_page(parse_page(result, CONTRACT, None).events)
    assert [d.name for d in decoded] == ["unknown"]


def test_the_recorded_real_answer_reads_alike(shared_dir: Path) -> None:
    path = shared_dir / "fixtures" / "stellar-rpc" / "events_response_p23.json"
    if not path.exists():
        pytest.skip(f"{path} not found")
    assert flowfi_native is not None
    result = json.loads(path.read_bytes())["result"]
    contract = result["events"][0]["contractId"]
    ours = {**result, "events": [e for e in result["events"] if e["contractId"] == contract]}
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": ours}).encode()
    # Not FlowFi's events: declined, and the Python readers say what they are.
    assert flowfi_native.read_page(body, 1, contract, None) is None
    assert flowfi_native.declined_reason(body, 1, contract, None) == "event name"
