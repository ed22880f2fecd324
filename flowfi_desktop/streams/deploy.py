"""`contract deploy`: upload the bundled stream contract wasm, create a contract from it,
optionally initialize its fees, and record its id for the network.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from stellar_sdk import Address, Keypair, TransactionBuilder, TransactionEnvelope
from stellar_sdk.base_soroban_server import _assemble_transaction

from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.streams import calls
from flowfi_desktop.streams.errors import TransactionFailed
from flowfi_desktop.streams.tx import (
    BASE_FEE,
    TX_TIMEOUT_SECONDS,
    _check_simulation,
    prepare,
    sign,
    submit,
)


@dataclass(frozen=True)
class Deployment:
    contract_id: str
    wasm_hash: str
    tx_hash: str
    init_tx_hash: str | None = None


async def _run_op(
    soroban: Soroban,
    keypair: Keypair,
    what: str,
    add_op: Callable[[TransactionBuilder], object],
) -> tuple[object, str]:
    account = await soroban.load_account(keypair.public_key)
    builder = TransactionBuilder(account, soroban.network.passphrase, base_fee=BASE_FEE)
    add_op(builder)
    built: TransactionEnvelope = builder.set_timeout(TX_TIMEOUT_SECONDS).build()
    simulation = await soroban.simulate(built)
    _check_simulation(what, simulation)
    envelope = _assemble_transaction(built, simulation)
    envelope.sign(keypair)
    outcome = await submit(soroban, envelope, what=what)
    return outcome.return_value, outcome.tx_hash


async def upload_fee(soroban: Soroban, source: str, wasm: bytes) -> int:
    """The simulated total fee (stroops) of uploading `wasm` from `source`: for the review."""
    account = await soroban.load_account(source)
    builder = TransactionBuilder(account, soroban.network.passphrase, base_fee=BASE_FEE)
    builder.append_upload_contract_wasm_op(contract=wasm)
    built = builder.set_timeout(TX_TIMEOUT_SECONDS).build()
    simulation = await soroban.simulate(built)
    _check_simulation("upload of the contract wasm", simulation)
    return BASE_FEE + int(simulation.min_resource_fee or 0)


async def deploy(
    soroban: Soroban,
    keypair: Keypair,
    wasm: bytes,
    *,
    fee_bps: int | None = None,
    treasury: str | None = None,
) -> Deployment:
    wasm_hash, _ = await _run_op(
        soroban,
        keypair,
        "upload of the contract wasm",
        lambda b: b.append_upload_contract_wasm_op(contract=wasm),
    )
    if not isinstance(wasm_hash, bytes):
        raise TransactionFailed("the wasm upload returned no hash")
    salt = os.urandom(32)
    created, tx_hash = await _run_op(
        soroban,
        keypair,
        "creation of the contract",
        lambda b: b.append_create_contract_op(
            wasm_id=wasm_hash, address=keypair.public_key, salt=salt
        ),
    )
    if not isinstance(created, Address):
        raise TransactionFailed("contract creation returned no address")
    contract_id = str(created.address)
    init_hash = None
    if fee_bps is not None:
        call = calls.initialize(
            contract_id, keypair.public_key, treasury or keypair.public_key, fee_bps
        )
        prepared = await prepare(soroban, call, keypair.public_key)
        envelope = await sign(soroban, prepared, {keypair.public_key: keypair})
        init_hash = (await submit(soroban, envelope, what="initialize")).tx_hash
    return Deployment(contract_id, wasm_hash.hex(), tx_hash, init_hash)
