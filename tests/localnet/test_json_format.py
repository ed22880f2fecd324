"""xdrFormat "json": the ...Json twins of every XDR field, as stellar-rpc's xdr2json writes them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stellar_sdk import Asset, Keypair, SorobanServer, TransactionBuilder, scval

from .conftest import Net
from .helpers import PASSPHRASE, invoke, result, rpc, tx_info

pytestmark = pytest.mark.localnet


def test_json_twins(net: Net, stream_contract: str, make_account: Callable[[], Keypair]) -> None:
    url = net.rpc_url
    sender = make_account()
    args = [
        scval.to_address(sender.public_key),
        scval.to_address(Keypair.random().public_key),
        scval.to_address(Asset.native().contract_id(PASSPHRASE)),
        scval.to_int128(10**8),
        scval.to_uint64(10),
    ]
    stream_id, h = invoke(url, stream_contract, "create_stream", args, sender)

    tx = result(url, "getTransaction", {"hash": h, "xdrFormat": "json"})
    assert "envelopeXdr" not in tx
    assert tx["resultJson"]["result"]["tx_success"]
    meta = tx["resultMetaJson"]["v4"]
    assert meta["soroban_meta"]["return_value"] == {"u64": str(stream_id)}
    fee = tx["events"]["transactionEventsJson"][0]
    assert fee["event"]["body"]["v0"]["topics"][0] == {"symbol": "fee"}
    assert tx["events"]["contractEventsJson"][0]

    ledger = tx_info(url, h)["ledger"]
    events = result(
        url, "getEvents", {"startLedger": ledger, "xdrFormat": "json", "pagination": {"limit": 5}}
    )["events"]
    assert all("topicJson" in e and "valueJson" in e and "topic" not in e for e in events)

    latest = result(url, "getLatestLedger", {"xdrFormat": "json"})
    assert latest["headerJson"]["ledger_seq"] == latest["sequence"]
    assert "v2" in latest["metadataJson"]

    srv = SorobanServer(url)
    built = (
        TransactionBuilder(srv.load_account(sender.public_key), PASSPHRASE, base_fee=100)
        .append_invoke_contract_function_op(stream_contract, "create_stream", args)
        .set_timeout(60)
        .build()
    )
    sim = result(url, "simulateTransaction", {"transaction": built.to_xdr(), "xdrFormat": "json"})
    assert "resources" in sim["transactionDataJson"]
    assert sim["results"][0]["returnValueJson"] == {"u64": str(stream_id + 1)}
    assert sim["results"][0]["authJson"]
    assert all("keyJson" in c for c in sim["stateChanges"])

    bad = rpc(url, "getLatestLedger", {"xdrFormat": "yaml"})
    assert bad["error"]["code"] == -32602
