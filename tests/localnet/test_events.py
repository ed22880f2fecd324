"""getEvents: TOID ids, filters (type, contract ids, topics with * and **), cursor paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from stellar_sdk import Asset, Keypair, SorobanServer, scval, xdr
from stellar_sdk.soroban_rpc import EventFilter, EventFilterType

from .conftest import Net
from .helpers import PASSPHRASE, invoke, result, rpc, tx_info

pytestmark = pytest.mark.localnet


def _activity(net: Net, contract: str, make_account: Callable[[], Keypair]) -> int:
    """A few streams with events; returns the ledger of the first transaction."""
    sender, recipient = make_account(), make_account()
    native = Asset.native().contract_id(PASSPHRASE)
    first = 0
    for _ in range(3):
        stream_id, h = invoke(
            net.rpc_url,
            contract,
            "create_stream",
            [
                scval.to_address(sender.public_key),
                scval.to_address(recipient.public_key),
                scval.to_address(native),
                scval.to_int128(50_000_000),
                scval.to_uint64(50),
            ],
            sender,
        )
        first = first or tx_info(net.rpc_url, h)["ledger"]
        invoke(
            net.rpc_url,
            contract,
            "pause_stream",
            [scval.to_address(sender.public_key), scval.to_uint64(stream_id)],
            sender,
        )
    return int(first)


def _all(url: str, start: int, filters: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"startLedger": start, "pagination": {"limit": 10000}}
    if filters is not None:
        params["filters"] = filters
    events: list[dict[str, Any]] = result(url, "getEvents", params)["events"]
    return events


def _segment_match(seg: str, topic: str) -> bool:
    return seg == "*" or seg == topic


def _matches(topic_filter: list[str], topics: list[str]) -> bool:
    if topic_filter and topic_filter[-1] == "**":
        fixed = topic_filter[:-1]
        return len(topics) >= len(fixed) and all(map(_segment_match, fixed, topics))
    return len(topics) == len(topic_filter) and all(map(_segment_match, topic_filter, topics))


def test_filters_and_paging(
    net: Net, stream_contract: str, make_account: Callable[[], Keypair]
) -> None:
    url = net.rpc_url
    start = _activity(net, stream_contract, make_account)
    everything = _all(url, start)
    assert everything, "activity produced events"
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for e in everything:
        toid, index = e["id"].split("-")
        assert len(toid) == 19
        assert len(index) == 10
        t = int(toid)
        assert (t >> 32) == e["ledger"]
        assert (t >> 12) & 0xFFFFF == e["transactionIndex"]
        assert t & 0xFFF == e["operationIndex"]

    native = Asset.native().contract_id(PASSPHRASE)
    fee_events = [e for e in everything if e["contractId"] == native]
    assert any(scval.to_native(xdr.SCVal.from_xdr(e["topic"][0])) == "fee" for e in fee_events)

    mine = [e for e in everything if e["contractId"] == stream_contract]
    assert mine
    assert _all(url, start, [{"contractIds": [stream_contract]}]) == mine
    assert _all(url, start, [{"type": "contract", "contractIds": [stream_contract]}]) == mine
    assert _all(url, start, [{"type": "system"}]) == []

    topic0 = mine[0]["topic"][0]
    n = len(mine[0]["topic"])
    for tf in ([topic0, "**"], [topic0] + ["*"] * (n - 1), ["*"] * n, ["**"], [topic0]):
        expected = [e for e in everything if _matches(tf, e["topic"])]
        assert _all(url, start, [{"topics": [tf]}]) == expected, tf
    # Filters are OR-ed; topic filters inside one filter too.
    union = _all(url, start, [{"contractIds": [native]}, {"contractIds": [stream_contract]}])
    assert union == [e for e in everything if e["contractId"] in (native, stream_contract)]

    # Paging with small pages yields the same events as one page.
    for limit in (1, 2, 5):
        paged: list[dict[str, Any]] = []
        page = result(url, "getEvents", {"startLedger": start, "pagination": {"limit": limit}})
        while page["events"]:
            paged += page["events"]
            page = result(
                url, "getEvents", {"pagination": {"cursor": page["cursor"], "limit": limit}}
            )
        assert paged == everything
    last = result(url, "getEvents", {"startLedger": start, "pagination": {"limit": 10000}})
    latest = last["latestLedger"]
    toid = int(last["cursor"].split("-")[0])
    assert toid >> 32 == latest
    assert last["cursor"].endswith("-4294967295")

    srv = SorobanServer(url)
    sdk = srv.get_events(
        start,
        filters=[EventFilter(event_type=EventFilterType.CONTRACT, contract_ids=[stream_contract])],
        limit=2,
    )
    assert [e.id for e in sdk.events] == [e["id"] for e in mine[:2]]
    assert sdk.cursor == mine[1]["id"]


def test_validation_errors(net: Net) -> None:
    url = net.rpc_url
    latest = result(url, "getLatestLedger")["sequence"]
    out = rpc(url, "getEvents", {"startLedger": latest + 10})
    assert out["error"]["code"] == -32600
    assert out["error"]["message"] == f"startLedger must be within the ledger range: 1 - {latest}"
    assert rpc(url, "getEvents", {})["error"]["code"] == -32602
    both = rpc(
        url,
        "getEvents",
        {"startLedger": 1, "pagination": {"cursor": "0000000004294967296-0000000000"}},
    )
    assert both["error"]["message"] == "ledger ranges and cursor cannot both be set"
    big = rpc(url, "getEvents", {"startLedger": 1, "pagination": {"limit": 10001}})
    assert big["error"]["message"] == "limit must not exceed 10000"
    bad_topic = rpc(url, "getEvents", {"startLedger": 1, "filters": [{"topics": [["**", "*"]]}]})
    assert bad_topic["error"]["code"] == -32602
    bad_type = rpc(url, "getEvents", {"startLedger": 1, "filters": [{"type": "diagnostic"}]})
    assert bad_type["error"]["code"] == -32602
    nulls = rpc(
        url,
        "getEvents",
        {
            "startLedger": 1,
            "endLedger": None,
            "filters": None,
            "pagination": {"cursor": None, "limit": 5},
        },
    )
    assert "result" in nulls, nulls
