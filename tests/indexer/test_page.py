"""The getEvents reader: the typed decode of a reply body (msgspec) and the conversion of an
already-parsed result must give the same page, and every malformed answer a clear error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowfi_desktop.indexer.page import (
    PageDataError,
    RawEvent,
    decode_events_reply,
    parse_page,
    to_wire_page,
)
from flowfi_desktop.indexer.synthetic import generate_history

CURSOR = f"{(7 << 32):019d}-{0:010d}"


def _result(count: int = 40) -> tuple[str, dict[str, Any]]:
    history = generate_history(count, seed=5)
    events = json.loads(json.dumps(history.events[:count]))  # a copy the test may change
    contract = history.contract_id
    return contract, {
        "events": events,
        "cursor": events[-1]["id"],
        "latestLedger": events[-1]["ledger"],
        "oldestLedger": 1,
    }


def _reply(result: Any, request_id: int = 1) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "result": result}).encode()


def test_typed_and_generic_readers_give_the_same_page() -> None:
    contract, result = _result()
    wire = decode_events_reply(_reply(result), 1)
    assert wire is not None
    typed = parse_page(wire, contract, None)
    generic = parse_page(result, contract, None)
    assert typed == generic
    assert len(typed.events) == len(result["events"])
    first, raw = typed.events[0], result["events"][0]
    assert isinstance(first, RawEvent)
    assert (first.id, first.ledger, first.tx_hash, first.value) == (
        raw["id"],
        raw["ledger"],
        raw["txHash"],
        raw["value"],
    )
    assert first.topic_xdr == ",".join(raw["topic"])
    assert (first.tx_index, first.op_index) == (raw["transactionIndex"], raw["operationIndex"])


def test_the_recorded_real_answer_reads_the_same_both_ways(shared_dir: Path) -> None:
    path = shared_dir / "fixtures" / "stellar-rpc" / "events_response_p23.json"
    if not path.exists():
        pytest.skip(f"{path} not found")
    body = path.read_bytes()
    result = json.loads(body)["result"]
    contract = result["events"][0]["contractId"]
    ours = [e for e in result["events"] if e["contractId"] == contract]
    result = {**result, "events": ours}
    wire = decode_events_reply(_reply(result), 1)
    assert wire is not None
    assert parse_page(wire, contract, None) == parse_page(result, contract, None)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "x"}}',
        b'{"jsonrpc": "2.0", "id": 1, "result": {}}',
        b'{"jsonrpc": "2.0", "id": 1, "result": {"cursor": 5, "latestLedger": 1}}',
    ],
)
def test_bodies_the_typed_reader_leaves_to_the_generic_one(body: bytes) -> None:
    """The generic reader raises the error that says what is wrong (JSON-RPC error, not
    JSON...); the typed one only declines."""
    assert decode_events_reply(body, 1) is None


def test_a_reply_for_another_request_is_declined() -> None:
    _contract, result = _result(3)
    assert decode_events_reply(_reply(result, request_id=2), 1) is None
    assert decode_events_reply(_reply(result, request_id=1), 1) is not None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda r: r.pop("cursor"), "no event list or no valid cursor"),
        (lambda r: r.update(cursor="12"), "no valid cursor"),
        (lambda r: r["events"][3].update(ledger="12"), "$.events[3].ledger"),
        (lambda r: r["events"][1].update(topic=["AAAA", 5]), "$.events[1].topic[1]"),
        (lambda r: r["events"][2].pop("value"), "`value`"),
        (lambda r: r.update(events="none"), "$.events"),
        (lambda r: r["events"][4].update(ledgerClosedAt="yesterday"), "malformed event"),
        (lambda r: r["events"][5].update(contractId="C" * 56), "of another contract"),
        (lambda r: r["events"][6].update(id=r["events"][5]["id"]), "out of order"),
        (lambda r: r["events"][7].update(ledger=r["events"][7]["ledger"] + 1), "malformed"),
        (lambda r: r["events"][0].update(topic=["AAAA"] * 5), "malformed event"),
    ],
)
def test_malformed_answers_say_what_is_wrong(change: Any, words: str) -> None:
    contract, result = _result()
    change(result)
    wire = decode_events_reply(_reply(result), 1)
    with pytest.raises(PageDataError) as caught:
        parse_page(result if wire is None else wire, contract, None)
    assert words in str(caught.value)


def test_a_null_or_missing_event_list_is_an_empty_page() -> None:
    for result in (
        {"cursor": CURSOR, "latestLedger": 7},
        {"cursor": CURSOR, "latestLedger": 7, "events": None},
    ):
        wire = decode_events_reply(_reply(result), 1)
        assert wire is not None
        assert parse_page(wire, "C", None).events == []
        assert to_wire_page(result).events in (None, [])
