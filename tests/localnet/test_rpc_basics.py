"""The read-only methods, friendbot and ledger control, with the shapes of Stellar RPC."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from stellar_sdk import Address, Asset, Keypair, SorobanServer, xdr

from .conftest import Net
from .helpers import PASSPHRASE, account_key_b64, result, rpc, xlm_balance

pytestmark = pytest.mark.localnet


def test_health_network_latest_ledger(net: Net) -> None:
    srv = SorobanServer(net.rpc_url)
    health = srv.get_health()
    assert health.status == "healthy"
    network = srv.get_network()
    assert network.passphrase == PASSPHRASE
    assert network.protocol_version == 28
    assert network.friendbot_url == net.friendbot_url
    latest = srv.get_latest_ledger()
    assert latest.sequence >= 1
    header = xdr.LedgerHeader.from_xdr(latest.header_xdr)
    assert header.ledger_seq.uint32 == latest.sequence
    meta = xdr.LedgerCloseMeta.from_xdr(latest.metadata_xdr)
    assert meta.v == 2
    assert meta.v2.ledger_header.hash.hash.hex() == latest.id
    raw = result(net.rpc_url, "getHealth")
    assert raw["ledgerRetentionWindow"] == 120960
    assert raw["oldestLedger"] == 1


def test_version_and_fee_stats(net: Net) -> None:
    srv = SorobanServer(net.rpc_url)
    assert srv.get_version_info().protocol_version == 28
    stats = srv.get_fee_stats()
    assert int(stats.inclusion_fee.p50) >= 100
    assert stats.latest_ledger >= 1


def test_friendbot_funds_once(net: Net) -> None:
    kp = Keypair.random()
    ok = httpx.get(net.friendbot_url, params={"addr": kp.public_key}, timeout=30)
    assert ok.status_code == 200, ok.text
    assert xlm_balance(net.rpc_url, kp.public_key) == 10_000 * 10_000_000
    again = httpx.get(net.friendbot_url, params={"addr": kp.public_key}, timeout=30)
    assert again.status_code == 400
    assert "already exists" in again.json()["detail"]
    # Horizon's shape, which SDK airdrop helpers look for.
    assert again.json()["extras"]["result_codes"]["operations"] == ["op_already_exists"]
    meta = xdr.TransactionMeta.from_xdr(ok.json()["result_meta_xdr"])
    assert meta.v == 4
    bad = httpx.get(net.friendbot_url, params={"addr": "GNOTANADDRESS"}, timeout=30)
    assert bad.status_code == 400


def test_close_ledger_and_advance_time(net: Net) -> None:
    before = result(net.rpc_url, "getLatestLedger")
    closed = result(net.rpc_url, "localnet_closeLedger", {})
    assert closed["sequence"] == before["sequence"] + 1
    moved = result(net.rpc_url, "localnet_advanceTime", {"seconds": 3600})
    assert moved["sequence"] == closed["sequence"] + 1
    assert moved["closeTime"] == closed["closeTime"] + 3600
    after = result(net.rpc_url, "getLatestLedger")
    assert int(after["closeTime"]) == moved["closeTime"]
    # Time keeps following the clock from there, never going back.
    again = result(net.rpc_url, "localnet_closeLedger")
    assert again["closeTime"] >= moved["closeTime"]
    bad = rpc(net.rpc_url, "localnet_advanceTime", {"seconds": -5})
    assert bad["error"]["code"] == -32602


def test_ledger_entries_native_sac_and_accounts(
    net: Net, make_account: Callable[[], Keypair]
) -> None:
    kp = make_account()
    srv = SorobanServer(net.rpc_url)
    sac = Asset.native().contract_id(PASSPHRASE)
    instance = xdr.LedgerKey(
        xdr.LedgerEntryType.CONTRACT_DATA,
        contract_data=xdr.LedgerKeyContractData(
            contract=xdr.SCAddress.from_xdr(Address(sac).to_xdr_sc_address().to_xdr()),
            key=xdr.SCVal(xdr.SCValType.SCV_LEDGER_KEY_CONTRACT_INSTANCE),
            durability=xdr.ContractDataDurability.PERSISTENT,
        ),
    )
    missing = xdr.LedgerKey.from_xdr(account_key_b64(Keypair.random().public_key))
    res = srv.get_ledger_entries(
        [missing, instance, xdr.LedgerKey.from_xdr(account_key_b64(kp.public_key))]
    )
    assert len(res.entries) == 2
    assert res.entries[0].key == instance.to_xdr()
    assert res.entries[0].live_until_ledger is not None
    data = xdr.LedgerEntryData.from_xdr(res.entries[0].xdr)
    assert data.contract_data is not None
    assert srv.load_account(kp.public_key).sequence > 0
    ttl_key = xdr.LedgerKey(
        xdr.LedgerEntryType.TTL, ttl=xdr.LedgerKeyTtl(key_hash=xdr.Hash(b"\0" * 32))
    )
    err = rpc(net.rpc_url, "getLedgerEntries", {"keys": [ttl_key.to_xdr()]})
    assert err["error"]["message"] == "ledger ttl entries cannot be queried directly"


def test_get_ledgers_and_transactions_paging(net: Net, make_account: Callable[[], Keypair]) -> None:
    make_account()
    make_account()
    latest = result(net.rpc_url, "getLatestLedger")["sequence"]
    page = result(net.rpc_url, "getLedgers", {"startLedger": 1, "pagination": {"limit": 2}})
    assert [ledger["sequence"] for ledger in page["ledgers"]] == [1, 2]
    assert page["cursor"] == "2"
    nxt = result(net.rpc_url, "getLedgers", {"pagination": {"cursor": page["cursor"], "limit": 2}})
    assert nxt["ledgers"][0]["sequence"] == 3
    xdr.LedgerHeaderHistoryEntry.from_xdr(nxt["ledgers"][0]["headerXdr"])
    xdr.LedgerCloseMeta.from_xdr(nxt["ledgers"][0]["metadataXdr"])
    out_of_range = rpc(net.rpc_url, "getLedgers", {"startLedger": latest + 100})
    assert out_of_range["error"]["code"] == -32600
    assert (
        "must be between the oldest ledger: 1 and the latest ledger"
        in out_of_range["error"]["message"]
    )
    # Every transaction, once, in order, whatever the page size.
    one = result(net.rpc_url, "getTransactions", {"startLedger": 1, "pagination": {"limit": 200}})
    hashes = [t["txHash"] for t in one["transactions"]]
    assert len(hashes) >= 2
    paged: list[str] = []
    cursor = None
    params: dict[str, object] = {"startLedger": 1, "pagination": {"limit": 1}}
    while True:
        page_t = result(net.rpc_url, "getTransactions", params)
        if not page_t["transactions"]:
            break
        paged += [t["txHash"] for t in page_t["transactions"]]
        cursor = page_t["cursor"]
        params = {"pagination": {"cursor": cursor, "limit": 1}}
        if len(paged) >= len(hashes):
            break
    assert paged == hashes
    srv = SorobanServer(net.rpc_url)
    txs = srv.get_transactions(1, limit=5)
    assert txs.transactions[0].ledger >= 1
