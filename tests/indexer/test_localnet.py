"""Against the real contract on flowfi-localnet: every event the contract emits decodes (and
matches stellar-sdk's generic decoding), and the streams rebuilt from events equal the
contract's storage, field by field, through every kind of call (dry top-up included)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from stellar_sdk import Address, Asset, Keypair, scval, xdr

from flowfi_desktop.indexer import accrual
from flowfi_desktop.indexer import page as page_module
from flowfi_desktop.indexer.chain_state import ChainStateReader
from flowfi_desktop.indexer.notify import Notifier
from flowfi_desktop.indexer.rpc_port import indexer_rpc
from flowfi_desktop.indexer.sync import Indexer
from flowfi_desktop.indexer.verify import verify_streams
from flowfi_desktop.indexer.writer import IndexWriter, ensure_contract
from flowfi_desktop.store import open_store
from tests.localnet.conftest import Net
from tests.localnet.helpers import PASSPHRASE, invoke, result

pytestmark = pytest.mark.localnet

XLM = 10_000_000
FEE_BPS = 25


def test_index_of_the_real_contract_equals_its_storage(
    tmp_path: Path,
    net: Net,
    stream_contract: str,
    deployer: Keypair,
    make_account: Callable[[], Keypair],
) -> None:
    url = net.rpc_url
    sender, recipient, treasury = make_account(), make_account(), make_account()
    native = Asset.native().contract_id(PASSPHRASE)
    a = scval.to_address

    def call(fn: str, *args: xdr.SCVal, who: Keypair = sender) -> object:
        value, _ = invoke(url, stream_contract, fn, list(args), who)
        return value

    def advance(seconds: int) -> None:
        result(url, "localnet_advanceTime", {"seconds": seconds})

    call(
        "initialize",
        a(deployer.public_key),
        a(treasury.public_key),
        scval.to_uint32(FEE_BPS),
        who=deployer,
    )
    u64 = scval.to_uint64

    def create(amount: int, duration: int) -> int:
        sid = call(
            "create_stream",
            a(sender.public_key),
            a(recipient.public_key),
            a(native),
            scval.to_int128(amount),
            u64(duration),
        )
        assert isinstance(sid, int)
        return sid

    # 1: withdraw, top up, pause, resume, cancel
    s1 = create(1_000 * XLM, 1_000)
    advance(100)
    call("withdraw", a(recipient.public_key), u64(s1), who=recipient)
    call("top_up_stream", a(sender.public_key), u64(s1), scval.to_int128(100 * XLM))
    call("pause_stream", a(sender.public_key), u64(s1))
    advance(50)
    call("resume_stream", a(sender.public_key), u64(s1))
    advance(10)
    call("cancel_stream", a(sender.public_key), u64(s1))
    # 2: runs dry, dry top-up (tokens_withdrawn before stream_topped_up), then completes
    s2 = create(10 * XLM, 10)
    advance(30)
    call("top_up_stream", a(sender.public_key), u64(s2), scval.to_int128(5 * XLM))
    advance(3)
    call("withdraw", a(recipient.public_key), u64(s2), who=recipient)
    advance(100)
    call("withdraw", a(recipient.public_key), u64(s2), who=recipient)
    # 3: left paused;  4: left running
    s3 = create(50 * XLM, 500)
    advance(7)
    call("pause_stream", a(sender.public_key), u64(s3))
    s4 = create(20 * XLM, 2_000)

    store = open_store(tmp_path / "index.sqlite3")
    ref = ensure_contract(store, "local", PASSPHRASE, stream_contract, rpc_url=url)

    async def run() -> None:
        rpc = indexer_rpc(url)
        reader = ChainStateReader(rpc, stream_contract)
        indexer = Indexer(
            store, ref, rpc, passphrase=PASSPHRASE, notifier=Notifier(), chain_reader=reader
        )
        report = await indexer.sync_once()
        assert report.unknown == 0
        assert report.gaps == []
        verified = await verify_streams(store, ref, reader, indexer)
        assert verified.ok, (verified.summary(), verified.differences)
        assert verified.checked == 4
        indexer.close()
        await rpc.close()

    asyncio.run(run())

    writer = IndexWriter(store, ref)
    streams = writer.load_streams()
    writer.close()
    assert [streams[s].status for s in (s1, s2, s3, s4)] == [
        "cancelled",
        "completed",
        "paused",
        "active",
    ]
    fee = accrual.fee_for
    assert streams[s1].fees_paid == fee(1_000 * XLM, FEE_BPS) + fee(100 * XLM, FEE_BPS)
    assert streams[s1].refunded_amount > 0

    with sqlite3.connect(store.path) as connection:
        rows = connection.execute(
            "SELECT type, stream_id, tx_hash, fields, value_xdr FROM stream_events ORDER BY id"
        ).fetchall()
    names = [r[0] for r in rows]
    assert "unknown" not in names
    assert set(names) >= {
        "initialized",
        "fee_collected",
        "stream_created",
        "tokens_withdrawn",
        "stream_topped_up",
        "stream_paused",
        "stream_resumed",
        "stream_cancelled",
        "stream_completed",
    }
    dry = [
        i
        for i in range(len(rows) - 1)
        if rows[i][:3:2] == ("tokens_withdrawn", rows[i + 1][2])
        and rows[i + 1][0] == "stream_topped_up"
        and rows[i][1] == s2
    ]
    assert len(dry) == 1
    # A real getEvents answer of the real contract: the native page reader takes all of it.
    assert page_module.flowfi_native is not None
    oldest = result(url, "getHealth", {})["oldestLedger"]
    request = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "getEvents",
        "params": {
            "startLedger": oldest,
            "filters": [{"type": "contract", "contractIds": [stream_contract]}],
            "pagination": {"limit": 10_000},
        },
    }
    body = httpx.post(url, json=request, timeout=30).content
    native = page_module.flowfi_native.read_page(body, 1, stream_contract, None)
    reason = page_module.flowfi_native.declined_reason(body, 1, stream_contract, None)
    assert native is not None, reason
    assert len(native) == len(rows)
    # The real contract's bytes, through stellar-sdk's generic path: the same values.
    for _, _, _, fields, value_xdr in rows:
        generic = {
            k: (v.address if isinstance(v, Address) else v)
            for k, v in scval.to_native(xdr.SCVal.from_xdr(value_xdr)).items()
        }
        assert {
            k: (int(v) if isinstance(v, str) and v.lstrip("-").isdigit() else v)
            for k, v in json.loads(fields).items()
        } == generic
    store.close()
