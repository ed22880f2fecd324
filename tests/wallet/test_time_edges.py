"""Calls whose path depends on the ledger time: simulated at one second, applied at a later one.

A transaction runs in a later ledger than its simulation. When time alone makes the contract pay
the recipient (a cancel simulated in the second the stream was anchored pays 0; a top-up of a
stream that runs dry before it lands settles the accrued balance first), the simulation's
footprint lacks the recipient's balance and the transaction would fail on chain. The wallet
widens the footprint for exactly these cases (`streams/edges.py`); these tests make the edges
happen on purpose on the real contract in localnet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from stellar_sdk import Asset, Keypair, TransactionBuilder

from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.networks import LOCAL_PASSPHRASE
from flowfi_desktop.streams import calls
from flowfi_desktop.streams.calls import TokenRef
from flowfi_desktop.streams.deploy import _run_op
from flowfi_desktop.streams.tx import Outcome, Prepared, prepare, read_call, sign, submit
from flowfi_desktop.tokens import balance, native_contract_id
from tests.wallet.conftest import Localnet, advance_time, fund

pytestmark = pytest.mark.localnet

XLM = TokenRef(native_contract_id(LOCAL_PASSPHRASE), 7, "XLM")


def _funded(localnet: Localnet) -> Keypair:
    keypair = Keypair.random()
    fund(localnet.friendbot_url, keypair.public_key)
    return keypair


async def _run(soroban: Soroban, call: calls.ContractCall, *keys: Keypair) -> Outcome:
    prepared = await prepare(soroban, call, keys[0].public_key)
    return await _send(soroban, prepared, *keys)


async def _send(soroban: Soroban, prepared: Prepared, *keys: Keypair) -> Outcome:
    envelope = await sign(soroban, prepared, {k.public_key: k for k in keys})
    return await submit(
        soroban, envelope, what=prepared.call.function, contract_id=prepared.call.contract_id
    )


async def _create(
    soroban: Soroban,
    contract: str,
    sender: Keypair,
    recipient: Keypair,
    amount: int,
    duration: int,
    token: TokenRef = XLM,
) -> int:
    call = calls.create_stream(
        contract, sender.public_key, recipient.public_key, token, amount, duration
    )
    stream_id = (await _run(soroban, call, sender)).return_value
    assert isinstance(stream_id, int)
    return stream_id


async def _stream(soroban: Soroban, contract: str, stream_id: int) -> dict[str, Any]:
    value = await read_call(soroban, calls.get_stream(contract, stream_id))
    assert isinstance(value, dict)
    return value


async def _start_of_a_second() -> None:
    """Sleeps to just after a wall-clock second starts: the next steps share that second."""
    await asyncio.sleep(1.02 - time.time() % 1)


def test_cancel_simulated_in_the_anchor_second_lands_later(localnet: Localnet) -> None:
    alice, bob = _funded(localnet), _funded(localnet)
    contract = localnet.contract_id

    async def go() -> None:
        async with Soroban(localnet.network()) as soroban:
            stream_id = await _create(soroban, contract, alice, bob, 10**9, 1000)
            # Withdraw, then simulate the cancel in the same wall second: it pays bob nothing.
            # The test retries until that happens (the machine may be slow for one second).
            for _attempt in range(5):
                await advance_time_async(localnet, 1)
                await _start_of_a_second()
                await _run(soroban, calls.withdraw(contract, bob.public_key, stream_id), bob)
                prepared = await prepare(
                    soroban,
                    calls.cancel_stream(contract, alice.public_key, stream_id),
                    alice.public_key,
                )
                if not any(c.address == bob.public_key for c in prepared.review.changes):
                    break
            else:
                pytest.fail("could not simulate a cancel in the anchor's second")
            assert prepared.widened, "the footprint was not widened for the recipient's payout"
            before = await balance(soroban, XLM.contract_id, bob.public_key)
            withdrawn_before = (await _stream(soroban, contract, stream_id))["withdrawn_amount"]
            await advance_time_async(localnet, 3)  # the cancel lands seconds later: it pays bob
            await _send(soroban, prepared, alice)
            after = await balance(soroban, XLM.contract_id, bob.public_key)
            state = await _stream(soroban, contract, stream_id)
            payout = state["withdrawn_amount"] - withdrawn_before
            assert payout > 0
            assert after - before == payout

    asyncio.run(go())


async def advance_time_async(localnet: Localnet, seconds: int) -> None:
    await asyncio.to_thread(advance_time, localnet, seconds)


@pytest.mark.parametrize("token_kind", ["native", "credit asset"])
def test_top_up_of_a_stream_that_runs_dry_before_it_lands(
    localnet: Localnet, token_kind: str
) -> None:
    alice, bob = _funded(localnet), _funded(localnet)
    contract = localnet.contract_id

    async def go() -> None:
        async with Soroban(localnet.network()) as soroban:
            token = XLM
            if token_kind == "credit asset":
                token = await _credit_asset(soroban, localnet, alice, bob)
            stream_id = await _create(soroban, contract, alice, bob, 10**7, 20, token)
            prepared = await prepare(
                soroban,
                calls.top_up_stream(contract, alice.public_key, stream_id, 10**7, token),
                alice.public_key,
            )
            # Not dry when simulated: the simulation pays bob nothing...
            assert not any(c.address == bob.public_key for c in prepared.review.changes)
            assert prepared.widened
            before = await balance(soroban, token.contract_id, bob.public_key)
            await advance_time_async(localnet, 60)  # ...but it runs dry before the top-up lands
            await _send(soroban, prepared, alice)
            after = await balance(soroban, token.contract_id, bob.public_key)
            assert after - before == 10**7  # the dry payout: everything deposited before
            state = await _stream(soroban, contract, stream_id)
            assert state["deposited_amount"] == 2 * 10**7
            assert state["withdrawn_amount"] == 10**7

    asyncio.run(go())


def test_widened_call_whose_sender_is_not_the_source(localnet: Localnet) -> None:
    """The authorization entries are signed, simulated again, and widened again."""
    alice, bob, relayer = _funded(localnet), _funded(localnet), _funded(localnet)
    contract = localnet.contract_id

    async def go() -> None:
        async with Soroban(localnet.network()) as soroban:
            stream_id = await _create(soroban, contract, alice, bob, 10**7, 20)
            prepared = await prepare(
                soroban,
                calls.top_up_stream(contract, alice.public_key, stream_id, 10**7, XLM),
                relayer.public_key,
            )
            assert prepared.widened
            assert prepared.review.other_signers == [alice.public_key]
            assert any("run dry" in note for note in prepared.review.notes)
            before = await balance(soroban, XLM.contract_id, bob.public_key)
            await advance_time_async(localnet, 60)
            await _send(soroban, prepared, relayer, alice)
            assert await balance(soroban, XLM.contract_id, bob.public_key) - before == 10**7

    asyncio.run(go())


def test_no_widening_where_time_cannot_add_a_payout(localnet: Localnet) -> None:
    alice, bob = _funded(localnet), _funded(localnet)
    contract = localnet.contract_id

    async def go() -> None:
        async with Soroban(localnet.network()) as soroban:
            stream_id = await _create(soroban, contract, alice, bob, 10**9, 10**5)
            # A top-up of a stream with days to go, and a cancel that already pays bob.
            top_up = await prepare(
                soroban,
                calls.top_up_stream(contract, alice.public_key, stream_id, 10**7, XLM),
                alice.public_key,
            )
            assert not top_up.widened
            await advance_time_async(localnet, 5)
            cancel = await prepare(
                soroban,
                calls.cancel_stream(contract, alice.public_key, stream_id),
                alice.public_key,
            )
            assert any(c.address == bob.public_key for c in cancel.review.changes)
            assert not cancel.widened
            # A paused stream accrues nothing: its cancel pays no more later than now.
            await _run(soroban, calls.pause_stream(contract, alice.public_key, stream_id), alice)
            paused_cancel = await prepare(
                soroban,
                calls.cancel_stream(contract, alice.public_key, stream_id),
                alice.public_key,
            )
            assert not paused_cancel.widened

    asyncio.run(go())


async def _classic(
    soroban: Soroban, keypair: Keypair, add_op: Callable[[TransactionBuilder], object]
) -> None:
    account = await soroban.load_account(keypair.public_key)
    builder = TransactionBuilder(account, LOCAL_PASSPHRASE, base_fee=100)
    add_op(builder)
    envelope = builder.set_timeout(60).build()
    envelope.sign(keypair)
    await submit(soroban, envelope, what="classic operation")


async def _credit_asset(
    soroban: Soroban, localnet: Localnet, holder: Keypair, receiver: Keypair
) -> TokenRef:
    """A classic asset with its asset contract; both accounts trust it, `holder` has some."""
    issuer = _funded(localnet)
    asset = Asset("EDGE", issuer.public_key)
    await _run_op(
        soroban,
        issuer,
        "asset contract",
        lambda b: b.append_create_stellar_asset_contract_from_asset_op(asset),
    )
    for account in (holder, receiver):
        await _classic(soroban, account, lambda b: b.append_change_trust_op(asset))
    await _classic(soroban, issuer, lambda b: b.append_payment_op(holder.public_key, asset, "100"))
    return TokenRef(asset.contract_id(LOCAL_PASSPHRASE), 7, "EDGE")
