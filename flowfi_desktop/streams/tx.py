"""Build, simulate, review, sign, send, poll, result: one contract call as a transaction.

    prepared = await prepare(soroban, call, source)        # builds + simulates, no key needed
    print(prepared.review.render(...))                      # the user decides here
    envelope = await sign(soroban, prepared, keypairs)      # auth entries, then the envelope
    outcome = await submit(soroban, envelope)               # send, poll, decode the result

`sendTransaction` is sent again only on TRY_AGAIN_LATER (the server did not take it), with
bounded jittered backoff; a timeout while sending is reported, never re-sent blindly.
"""

from __future__ import annotations

import asyncio
import copy
import random
import struct
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from stellar_sdk import (
    Account,
    Address,
    Keypair,
    StrKey,
    TransactionBuilder,
    TransactionEnvelope,
    scval,
    xdr,
)
from stellar_sdk.auth import authorize_entry
from stellar_sdk.base_soroban_server import _assemble_transaction
from stellar_sdk.operation import InvokeHostFunction
from stellar_sdk.soroban_rpc import (
    GetTransactionStatus,
    SendTransactionStatus,
    SimulateTransactionResponse,
)

from flowfi_desktop.chain.rpc import RpcProtocolError, redact_url
from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.errors import FlowFiError, RefusedError
from flowfi_desktop.streams.calls import ContractCall, TokenRef
from flowfi_desktop.streams.edges import Widening, probe_payout, widen
from flowfi_desktop.streams.errors import TransactionFailed, describe_from, failure_from_text
from flowfi_desktop.streams.review import (
    Review,
    balance_changes,
    decode_diagnostic_events,
    fee_warnings,
    stream_warnings,
)

#: Any account works as the source of a read-only simulation.
NULL_ACCOUNT = "GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF"
BASE_FEE = 100
TX_TIMEOUT_SECONDS = 300
AUTH_VALID_LEDGERS = 100
#: After auth entries are signed the fee may grow (signature checks cost instructions);
#: more than this over the reviewed fee and we stop and ask again.
FEE_GROWTH_ALLOWED = 0.25


@dataclass
class Prepared:
    call: ContractCall
    source: str
    built: TransactionEnvelope  # before simulation (no resources)
    envelope: TransactionEnvelope  # assembled with the simulation's resources and auth
    simulation: SimulateTransactionResponse
    review: Review
    latest_ledger: int
    #: Entries and resources added for a payout time may add before the call lands (edges.py).
    widening: Widening | None = None

    @property
    def widened(self) -> bool:
        return self.widening is not None


@dataclass(frozen=True)
class Outcome:
    tx_hash: str
    return_value: Any
    ledger: int | None


def _build(
    source: Any, passphrase: str, call: ContractCall, auth: list[xdr.SorobanAuthorizationEntry]
) -> TransactionEnvelope:
    builder = TransactionBuilder(source, passphrase, base_fee=BASE_FEE)
    builder.append_invoke_contract_function_op(
        call.contract_id, call.function, call.args, auth=auth or None
    )
    builder.set_timeout(TX_TIMEOUT_SECONDS)
    envelope: TransactionEnvelope = builder.build()
    return envelope


def _check_simulation(
    what: str, simulation: SimulateTransactionResponse, contract_id: str | None = None
) -> None:
    if simulation.error:
        attributed = contract_failure(
            f"simulation of {what}", simulation.events, contract_id, on_chain=False
        )
        raise attributed or failure_from_text(f"simulation of {what}", simulation.error)
    if simulation.restore_preamble is not None:
        raise TransactionFailed(
            f"{what} needs archived contract state restored first; this wallet does not do "
            "restores yet (use `stellar contract restore`)"
        )
    if not simulation.results or simulation.transaction_data is None:
        raise TransactionFailed(f"simulation of {what} returned no result")


def _auth_entries(simulation: SimulateTransactionResponse) -> list[xdr.SorobanAuthorizationEntry]:
    assert simulation.results is not None
    return [xdr.SorobanAuthorizationEntry.from_xdr(a) for a in simulation.results[0].auth or []]


def _entry_address(entry: xdr.SorobanAuthorizationEntry) -> str | None:
    credentials = entry.credentials
    for attr in ("address", "address_v2", "address_with_delegates"):
        value = getattr(credentials, attr, None)
        if value is not None:
            return str(Address.from_xdr_sc_address(value.address).address)
    return None


@contextmanager
def undecodable_is_protocol_error(soroban: Soroban, method: str) -> Iterator[None]:
    """XDR from the server that does not decode is the server's fault: RpcProtocolError."""
    try:
        yield
    except FlowFiError:
        raise
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, struct.error) as exc:
        raise RpcProtocolError(
            f"RPC server at {redact_url(soroban.url)} answered {method} with data that does "
            f"not decode ({type(exc).__name__}); retrying will not help",
            method=method,
            url=redact_url(soroban.url),
        ) from None


async def read_call(soroban: Soroban, call: ContractCall) -> Any:
    """Simulates a read-only call and returns its value as Python data."""
    envelope = _build(Account(NULL_ACCOUNT, 0), soroban.network.passphrase, call, [])
    simulation = await soroban.simulate(envelope)
    with undecodable_is_protocol_error(soroban, "simulateTransaction"):
        _check_simulation(call.function, simulation, call.stream_contract)
        assert simulation.results is not None
        return scval.to_native(xdr.SCVal.from_xdr(simulation.results[0].xdr))


async def prepare(
    soroban: Soroban,
    call: ContractCall,
    source: str,
    *,
    tokens: Mapping[str, TokenRef] | None = None,
    fee_warning_stroops: int = 0,
) -> Prepared:
    """Builds and simulates `call` with `source` paying; returns it with its review."""
    account = await soroban.load_account(source)
    passphrase = soroban.network.passphrase
    built = _build(account, passphrase, call, [])
    simulation = await soroban.simulate(built)
    with undecodable_is_protocol_error(soroban, "simulateTransaction"):
        _check_simulation(call.function, simulation, call.stream_contract)
        events = decode_diagnostic_events(simulation.events or [])
        changes = balance_changes(events)
        others = sorted(
            {a for a in map(_entry_address, _auth_entries(simulation)) if a and a != source}
        )
    widening = await probe_payout(soroban, call, source, changes, TX_TIMEOUT_SECONDS, _build)
    notes: list[str] = []
    if widening is not None:
        with undecodable_is_protocol_error(soroban, "simulateTransaction"):
            simulation = widen(simulation, widening)
        notes.append(
            f"{widening.reason}; the simulation shows no such payment, so the fee includes "
            f"room for it ({widening.resource_fee} stroops at most)"
        )
    with undecodable_is_protocol_error(soroban, "simulateTransaction"):
        envelope = _assemble_transaction(built, simulation)
    resource_fee = int(simulation.min_resource_fee or 0)
    inclusion_fee = BASE_FEE
    token = (tokens or {}).get(str(call.facts.get("token", "")))
    warnings = fee_warnings(inclusion_fee + resource_fee, fee_warning_stroops)
    warnings += stream_warnings(call, events, token)
    review = Review(
        call=call,
        source=source,
        inclusion_fee=inclusion_fee,
        resource_fee=resource_fee,
        changes=changes,
        events=events,
        warnings=warnings,
        other_signers=others,
        notes=notes,
    )
    return Prepared(
        call, source, built, envelope, simulation, review, simulation.latest_ledger, widening
    )


async def sign(
    soroban: Soroban, prepared: Prepared, keypairs: Mapping[str, Keypair]
) -> TransactionEnvelope:
    """Signs the authorization entries of non-source addresses, then the envelope."""
    passphrase = soroban.network.passphrase
    source_kp = keypairs.get(prepared.source)
    if source_kp is None:
        raise RefusedError(f"no key for the transaction source {prepared.source}")
    entries = _auth_entries(prepared.simulation)
    needs_signing = [e for e in entries if _entry_address(e) not in (None, prepared.source)]
    envelope = prepared.envelope
    if needs_signing:
        valid_until = prepared.latest_ledger + AUTH_VALID_LEDGERS
        signed: list[xdr.SorobanAuthorizationEntry] = []
        for entry in entries:
            address = _entry_address(entry)
            if address is None:
                signed.append(entry)
                continue
            keypair = keypairs.get(address)
            if keypair is None:
                raise RefusedError(f"the call needs an authorization by {address}: no key for it")
            signed.append(authorize_entry(entry, keypair, valid_until, passphrase))
        rebuilt = copy.deepcopy(prepared.built)
        op = rebuilt.transaction.operations[0]
        assert isinstance(op, InvokeHostFunction)
        op.auth = signed
        # Simulate again with the signed entries: signature checks need resources too.
        simulation = await soroban.simulate(rebuilt)
        with undecodable_is_protocol_error(soroban, "simulateTransaction"):
            _check_simulation(prepared.call.function, simulation, prepared.call.stream_contract)
            if prepared.widening is not None:
                simulation = widen(simulation, prepared.widening)
            envelope = _assemble_transaction(rebuilt, simulation)
        new_fee = BASE_FEE + int(simulation.min_resource_fee or 0)
        reviewed = prepared.review.total_fee
        if new_fee > reviewed * (1 + FEE_GROWTH_ALLOWED):
            raise RefusedError(
                f"the fee rose from {reviewed} to {new_fee} stroops once the authorizations "
                "were signed; nothing was sent: review the transaction again"
            )
    else:
        envelope = copy.deepcopy(envelope)
    envelope.sign(source_kp)
    return envelope


def _failure_from_result(what: str, result_xdr: str | None, tx_hash: str) -> TransactionFailed:
    code = "unknown result"
    if result_xdr:
        try:
            result = xdr.TransactionResult.from_xdr(result_xdr)
            code = result.result.code.name
            ops = result.result.results or []
            if ops and ops[0].tr is not None and ops[0].tr.invoke_host_function_result:
                code += f" / {ops[0].tr.invoke_host_function_result.code.name}"
        except (ValueError, TypeError, AttributeError, IndexError):
            pass
    hint = ""
    if "RESOURCE_LIMIT_EXCEEDED" in code or "ENTRY_ARCHIVED" in code:
        hint = (
            "; the contract's state changed between the simulation and the ledger (time passed "
            "or another transaction landed): run the command again to simulate afresh"
        )
    elif "txBAD_SEQ" in code:
        hint = "; another transaction from this account landed first: run the command again"
    return TransactionFailed(
        f"{what} failed on chain ({code}){hint}; tx {tx_hash}", tx_hash=tx_hash
    )


def error_origin(diagnostics: list[str] | None) -> tuple[str | None, int] | None:
    """(contract id, code) of the first contract error in diagnostic events: where it began."""
    for item in diagnostics or []:
        try:
            event = xdr.DiagnosticEvent.from_xdr(item).event
        except (ValueError, TypeError, IndexError):
            continue
        body = event.body.v0
        if body is None:
            continue
        for value in [*body.topics, body.data]:
            found = _find_error(value)
            if found is not None:
                origin = (
                    StrKey.encode_contract(event.contract_id.contract_id.hash)
                    if event.contract_id is not None
                    else None
                )
                return origin, found
    return None


def _find_error(value: xdr.SCVal) -> int | None:
    error = value.error if value.type == xdr.SCValType.SCV_ERROR else None
    if error is not None and error.type == xdr.SCErrorType.SCE_CONTRACT and error.contract_code:
        return int(error.contract_code.uint32)
    if value.type == xdr.SCValType.SCV_VEC and value.vec is not None:
        for item in value.vec.sc_vec:
            found = _find_error(item)
            if found is not None:
                return found
    return None


def contract_failure(
    what: str,
    diagnostics: list[str] | None,
    stream_contract: str | None,
    *,
    on_chain: bool,
    tx_hash: str | None = None,
) -> TransactionFailed | None:
    found = error_origin(diagnostics)
    if found is None:
        return None
    info = describe_from(found[1], found[0], stream_contract)
    where = "failed on chain" if on_chain else "failed"
    return TransactionFailed(f"{what} {where}: {info}", contract_error=info, tx_hash=tx_hash)


def return_value(result_meta_xdr: str | None) -> Any:
    if not result_meta_xdr:
        return None
    meta = xdr.TransactionMeta.from_xdr(result_meta_xdr)
    value: xdr.SCVal | None = None
    if meta.v4 is not None and meta.v4.soroban_meta is not None:
        value = meta.v4.soroban_meta.return_value
    elif meta.v3 is not None and meta.v3.soroban_meta is not None:
        value = meta.v3.soroban_meta.return_value
    return None if value is None else scval.to_native(value)


async def submit(
    soroban: Soroban,
    envelope: TransactionEnvelope,
    *,
    what: str = "transaction",
    contract_id: str | None = None,
    poll_timeout: float = 60.0,
    poll_interval: float = 0.5,
    try_again_attempts: int = 5,
) -> Outcome:
    """Sends, polls until final, returns the result; TransactionFailed (exit 4) on failure."""
    tx_hash = envelope.hash_hex()
    rng = random.Random()  # noqa: S311 - jitter only
    for attempt in range(try_again_attempts):
        sent = await soroban.send(envelope)
        if sent.status != SendTransactionStatus.TRY_AGAIN_LATER:
            break
        await asyncio.sleep(rng.uniform(0, min(8.0, 0.5 * 2**attempt)))
    else:
        raise TransactionFailed(
            f"the RPC server kept answering TRY_AGAIN_LATER for {what}; it was not accepted "
            f"(tx {tx_hash}); try again in a while",
            tx_hash=tx_hash,
        )
    if sent.status == SendTransactionStatus.ERROR:
        failure = contract_failure(
            what, sent.diagnostic_events_xdr, contract_id, on_chain=False, tx_hash=tx_hash
        )
        if failure is not None:
            raise failure
        raise _failure_from_result(f"{what} was rejected:", sent.error_result_xdr, tx_hash)
    deadline = time.monotonic() + poll_timeout
    while True:
        got = await soroban.get_transaction(tx_hash)
        if got.status == GetTransactionStatus.SUCCESS:
            with undecodable_is_protocol_error(soroban, "getTransaction"):
                value = return_value(got.result_meta_xdr)
            return Outcome(tx_hash, value, got.ledger)
        if got.status == GetTransactionStatus.FAILED:
            failure = contract_failure(
                what, got.diagnostic_events_xdr, contract_id, on_chain=True, tx_hash=tx_hash
            )
            if failure is not None:
                raise failure
            raise _failure_from_result(what, got.result_xdr, tx_hash)
        if time.monotonic() > deadline:
            raise TransactionFailed(
                f"{what} was sent (tx {tx_hash}) but not seen in a ledger within "
                f"{poll_timeout:g} s; check it later before sending again",
                tx_hash=tx_hash,
            )
        await asyncio.sleep(poll_interval)
