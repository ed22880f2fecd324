"""ExtendFootprintTtl and RestoreFootprint through simulate, send and getLedgerEntries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stellar_sdk import Keypair, SorobanDataBuilder, SorobanServer, TransactionBuilder, xdr
from stellar_sdk.contract import ContractClient
from stellar_sdk.soroban_rpc import GetTransactionStatus

from .conftest import Net
from .helpers import PASSPHRASE, fee_charged, result, rpc, xlm_balance

pytestmark = pytest.mark.localnet


def test_extend_and_restore(
    net: Net, wasm_bytes: bytes, make_account: Callable[[], Keypair]
) -> None:
    srv = SorobanServer(net.rpc_url)
    kp = make_account()
    wasm_id = ContractClient.upload_contract_wasm(
        wasm_bytes, kp.public_key, kp, srv, network_passphrase=PASSPHRASE
    )
    key = xdr.LedgerKey(
        xdr.LedgerEntryType.CONTRACT_CODE,
        contract_code=xdr.LedgerKeyContractCode(xdr.Hash(wasm_id)),
    )
    before = srv.get_ledger_entries([key]).entries[0].live_until_ledger
    assert before is not None
    latest = srv.get_latest_ledger().sequence
    extend_to = 3_000_000
    tx = (
        TransactionBuilder(srv.load_account(kp.public_key), PASSPHRASE, base_fee=100)
        .append_extend_footprint_ttl_op(extend_to)
        .set_soroban_data(SorobanDataBuilder().set_read_only([key]).build())
        .set_timeout(60)
        .build()
    )
    sim = srv.simulate_transaction(tx)
    assert sim.error is None
    assert int(sim.min_resource_fee) > 0
    prepared = srv.prepare_transaction(tx, sim)
    prepared.sign(kp)
    b0 = xlm_balance(net.rpc_url, kp.public_key)
    sent = srv.send_transaction(prepared)
    done = srv.poll_transaction(sent.hash)
    assert done.status == GetTransactionStatus.SUCCESS
    after = srv.get_ledger_entries([key]).entries[0].live_until_ledger
    assert after is not None
    assert after == done.ledger + extend_to
    assert after > before
    fee = fee_charged(net.rpc_url, sent.hash)
    assert xlm_balance(net.rpc_url, kp.public_key) == b0 - fee
    assert fee > 100  # rent for the extension was charged
    assert latest < done.ledger

    # Restoring a live entry is a no-op that still succeeds.
    tx = (
        TransactionBuilder(srv.load_account(kp.public_key), PASSPHRASE, base_fee=100)
        .append_restore_footprint_op()
        .set_soroban_data(SorobanDataBuilder().set_read_write([key]).build())
        .set_timeout(60)
        .build()
    )
    prepared = srv.prepare_transaction(tx)
    prepared.sign(kp)
    assert srv.poll_transaction(srv.send_transaction(prepared).hash).status == (
        GetTransactionStatus.SUCCESS
    )
    assert srv.get_ledger_entries([key]).entries[0].live_until_ledger == after

    # Simulating a TTL operation needs SorobanTransactionData, as in the reference.
    bare = (
        TransactionBuilder(srv.load_account(kp.public_key), PASSPHRASE, base_fee=100)
        .append_extend_footprint_ttl_op(10)
        .set_timeout(60)
        .build()
    )
    out = result(net.rpc_url, "simulateTransaction", {"transaction": bare.to_xdr()})
    assert "SorobanTransactionData must be provided" in out["error"]
    mode = rpc(
        net.rpc_url, "simulateTransaction", {"transaction": tx.to_xdr(), "authMode": "record"}
    )
    assert "cannot set authMode" in mode["result"]["error"]
