"""A stream left alone until its contract state archived (months on a real network) still works.

localnet runs with `--max-entry-ttl 120`, so the contract's code, instance, the stream entry and
the native asset contract archive after 120 ledgers instead of months. Since protocol 23 the
simulation restores archived entries inside the call (the resource extension lists them) and the
wallet sends that unchanged; these tests check it on the real host, end to end.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from stellar_sdk import Address, Keypair, scval, xdr

from flowfi_desktop import localnet as ln
from flowfi_desktop.bundled import contract_wasm_path
from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.networks import LOCAL_PASSPHRASE, Network
from flowfi_desktop.streams import calls
from flowfi_desktop.streams.deploy import deploy
from flowfi_desktop.streams.errors import TransactionFailed
from flowfi_desktop.streams.tx import prepare, read_call, sign, submit
from flowfi_desktop.tokens import balance
from tests.wallet.conftest import fund, skip_without_localnet
from tests.wallet.test_time_edges import XLM

pytestmark = pytest.mark.localnet

MAX_ENTRY_TTL = 120


@pytest.fixture(scope="module")
def short_lived() -> Iterator[ln.Localnet]:
    skip_without_localnet()
    process = ln.start(ledger_interval_ms=0, extra_args=["--max-entry-ttl", str(MAX_ENTRY_TTL)])
    try:
        yield process
    finally:
        process.stop()


def _rpc(url: str, method: str, params: dict[str, Any] | None = None) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}
    answer = httpx.post(url, json=body, timeout=30).json()
    assert "result" in answer, answer
    return answer["result"]


def _stream_key(contract: str, stream_id: int) -> str:
    key = xdr.LedgerKey(
        xdr.LedgerEntryType.CONTRACT_DATA,
        contract_data=xdr.LedgerKeyContractData(
            contract=Address(contract).to_xdr_sc_address(),
            key=scval.to_vec([scval.to_symbol("Stream"), scval.to_uint64(stream_id)]),
            durability=xdr.ContractDataDurability.PERSISTENT,
        ),
    )
    return key.to_xdr()


def _live_until(url: str, key: str) -> tuple[int, int]:
    """(the entry's live-until ledger, the latest ledger)."""
    got = _rpc(url, "getLedgerEntries", {"keys": [key]})
    assert len(got["entries"]) == 1
    return int(got["entries"][0]["liveUntilLedgerSeq"]), int(got["latestLedger"])


def _archive(url: str, key: str) -> None:
    """Closes ledgers until `key` is past its TTL (archived)."""
    live_until, latest = _live_until(url, key)
    assert live_until - latest <= MAX_ENTRY_TTL
    for _ in range(live_until - latest + 1):
        _rpc(url, "localnet_closeLedger")
    live_until, latest = _live_until(url, key)
    assert live_until < latest


def test_withdraw_and_cancel_restore_an_archived_stream(short_lived: ln.Localnet) -> None:
    alice, bob = Keypair.random(), Keypair.random()
    for who in (alice, bob):
        fund(short_lived.friendbot_url, who.public_key)
    network = Network("short", short_lived.rpc_url, LOCAL_PASSPHRASE, short_lived.friendbot_url)

    async def go() -> None:
        async with Soroban(network) as soroban:
            wasm = await asyncio.to_thread(contract_wasm_path().read_bytes)
            contract = (await deploy(soroban, alice, wasm)).contract_id
            create = calls.create_stream(
                contract, alice.public_key, bob.public_key, XLM, 10**9, 10**6
            )
            prepared = await prepare(soroban, create, alice.public_key)
            envelope = await sign(soroban, prepared, {alice.public_key: alice})
            stream_id = (await submit(soroban, envelope)).return_value
            key = _stream_key(contract, stream_id)
            await asyncio.to_thread(_archive, short_lived.rpc_url, key)

            # A read of archived state simulates fine (nothing is written).
            stream = await read_call(soroban, calls.get_stream(contract, stream_id))
            assert stream["withdrawn_amount"] == 0

            before = await balance(soroban, XLM.contract_id, bob.public_key)
            withdraw = await prepare(
                soroban, calls.withdraw(contract, bob.public_key, stream_id), bob.public_key
            )
            assert withdraw.simulation.transaction_data is not None
            data = xdr.SorobanTransactionData.from_xdr(withdraw.simulation.transaction_data)
            assert data.ext.v == 1
            assert data.ext.resource_ext is not None
            assert len(data.ext.resource_ext.archived_soroban_entries) >= 1  # restored in-call
            envelope = await sign(soroban, withdraw, {bob.public_key: bob})
            outcome = await submit(soroban, envelope, what="withdraw")
            assert outcome.return_value > 0
            after = await balance(soroban, XLM.contract_id, bob.public_key)
            assert after - before == outcome.return_value - fee_of(short_lived, outcome.tx_hash)
            live_until, latest = _live_until(short_lived.rpc_url, key)
            assert live_until >= latest  # live again

            # Archive it once more. A transaction that does not list the archived entries for
            # restoration fails as on a real network, and changes nothing.
            await asyncio.to_thread(_archive, short_lived.rpc_url, key)
            unlisted = await prepare(
                soroban,
                calls.cancel_stream(contract, alice.public_key, stream_id),
                alice.public_key,
            )
            tampered = copy.deepcopy(unlisted.envelope)
            assert tampered.transaction.soroban_data is not None
            tampered.transaction.soroban_data.ext = xdr.SorobanTransactionDataExt(0)
            tampered.sign(alice)
            with pytest.raises(TransactionFailed, match="ENTRY_ARCHIVED"):
                await submit(soroban, tampered, what="cancel")
            assert (await read_call(soroban, calls.get_stream(contract, stream_id)))["is_active"]

            # The sender cancels with the wallet's transaction: both get their share.
            alice_before = await balance(soroban, XLM.contract_id, alice.public_key)
            bob_before = await balance(soroban, XLM.contract_id, bob.public_key)
            cancel = await prepare(
                soroban,
                calls.cancel_stream(contract, alice.public_key, stream_id),
                alice.public_key,
            )
            envelope = await sign(soroban, cancel, {alice.public_key: alice})
            cancelled = await submit(soroban, envelope, what="cancel")
            final = await read_call(soroban, calls.get_stream(contract, stream_id))
            assert final["is_active"] is False
            refund = 10**9 - final["withdrawn_amount"]
            payout = final["withdrawn_amount"] - outcome.return_value
            assert refund > 0
            assert payout > 0
            alice_after = await balance(soroban, XLM.contract_id, alice.public_key)
            bob_after = await balance(soroban, XLM.contract_id, bob.public_key)
            assert alice_after - alice_before == refund - fee_of(short_lived, cancelled.tx_hash)
            assert bob_after - bob_before == payout
            assert await balance(soroban, XLM.contract_id, contract) == 0

    asyncio.run(go())


def fee_of(localnet: ln.Localnet, tx_hash: str) -> int:
    got = _rpc(localnet.rpc_url, "getTransaction", {"hash": tx_hash})
    return int(xdr.TransactionResult.from_xdr(got["resultXdr"]).fee_charged.int64)
