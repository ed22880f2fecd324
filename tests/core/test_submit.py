"""Sending and polling under faults a real server will not produce on demand:
TRY_AGAIN_LATER, ERROR with a contract error, FAILED, a transaction that never lands."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from stellar_sdk import Account, Keypair, StrKey, TransactionBuilder, scval, xdr

from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.networks import BUILTIN
from flowfi_desktop.streams.errors import TransactionFailed
from flowfi_desktop.streams.tx import submit

NETWORK = BUILTIN["local"]
STREAM = StrKey.encode_contract(bytes(32))  # the contract that raises the errors below
KEY = Keypair.from_raw_ed25519_seed(bytes(range(32)))


def envelope() -> Any:
    builder = TransactionBuilder(Account(KEY.public_key, 7), NETWORK.passphrase, base_fee=100)
    builder.append_invoke_contract_function_op(
        StrKey.encode_contract(bytes(32)), "pause_stream", [scval.to_uint64(1)]
    )
    env = builder.set_timeout(300).build()
    env.sign(KEY)
    return env


def error_event(code: int) -> str:
    event = xdr.ContractEvent(
        ext=xdr.ExtensionPoint(0),
        contract_id=xdr.ContractID(xdr.Hash(bytes(32))),
        type=xdr.ContractEventType.DIAGNOSTIC,
        body=xdr.ContractEventBody(
            0,
            v0=xdr.ContractEventV0(
                topics=[
                    scval.to_symbol("error"),
                    xdr.SCVal(
                        xdr.SCValType.SCV_ERROR,
                        error=xdr.SCError(
                            xdr.SCErrorType.SCE_CONTRACT, contract_code=xdr.Uint32(code)
                        ),
                    ),
                ],
                data=scval.to_string("escalating error"),
            ),
        ),
    )
    return xdr.DiagnosticEvent(False, event).to_xdr()


def script(answers: dict[str, list[dict[str, Any]]]) -> tuple[Soroban, list[str]]:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        method = body["method"]
        calls.append(method)
        queue = answers[method]
        result = queue.pop(0) if len(queue) > 1 else queue[0]
        base = {"latestLedger": 10, "latestLedgerCloseTime": "100"}
        if method == "getTransaction":
            base |= {"oldestLedger": 1, "oldestLedgerCloseTime": "1", "txHash": "ab"}
        return httpx.Response(
            200, json={"jsonrpc": "2.0", "id": body["id"], "result": base | result}
        )

    return Soroban(NETWORK, transport=httpx.MockTransport(handler), attempts=1), calls


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    real_sleep = asyncio.sleep

    async def fast(delay: float, *args: Any) -> None:
        await real_sleep(0)

    monkeypatch.setattr("flowfi_desktop.streams.tx.asyncio.sleep", fast)


def test_try_again_later_is_resent_then_polled_to_success() -> None:
    env = envelope()
    soroban, calls = script(
        {
            "sendTransaction": [
                {"status": "TRY_AGAIN_LATER", "hash": env.hash_hex()},
                {"status": "TRY_AGAIN_LATER", "hash": env.hash_hex()},
                {"status": "PENDING", "hash": env.hash_hex()},
            ],
            "getTransaction": [{"status": "NOT_FOUND"}, {"status": "SUCCESS", "ledger": 11}],
        }
    )
    outcome = run(submit(soroban, env))
    assert outcome.tx_hash == env.hash_hex()
    assert outcome.ledger == 11
    assert calls == ["sendTransaction"] * 3 + ["getTransaction"] * 2


def test_try_again_later_forever_gives_up_with_the_hash() -> None:
    env = envelope()
    soroban, calls = script({"sendTransaction": [{"status": "TRY_AGAIN_LATER", "hash": "x"}]})
    with pytest.raises(TransactionFailed, match="TRY_AGAIN_LATER") as info:
        run(submit(soroban, env, try_again_attempts=3))
    assert calls == ["sendTransaction"] * 3
    assert env.hash_hex() in str(info.value)


def test_error_with_a_contract_error_names_it() -> None:
    soroban, _ = script(
        {
            "sendTransaction": [
                {"status": "ERROR", "hash": "x", "diagnosticEventsXdr": [error_event(12)]}
            ]
        }
    )
    with pytest.raises(TransactionFailed, match=r"StreamPaused \(12\): the stream is paused"):
        run(submit(soroban, envelope(), what="withdraw", contract_id=STREAM))


def _failed_result() -> str:
    result = xdr.TransactionResult(
        fee_charged=xdr.Int64(100),
        result=xdr.TransactionResultResult(xdr.TransactionResultCode.txBAD_SEQ),
        ext=xdr.TransactionResultExt(0),
    )
    return result.to_xdr()


def test_error_without_contract_error_gives_the_result_code() -> None:
    soroban, _ = script(
        {"sendTransaction": [{"status": "ERROR", "hash": "x", "errorResultXdr": _failed_result()}]}
    )
    with pytest.raises(TransactionFailed, match="txBAD_SEQ") as info:
        run(submit(soroban, envelope()))
    assert info.value.exit_code == 4


def test_failed_on_chain_names_the_contract_error() -> None:
    soroban, _ = script(
        {
            "sendTransaction": [{"status": "PENDING", "hash": "x"}],
            "getTransaction": [{"status": "FAILED", "diagnosticEventsXdr": [error_event(4)]}],
        }
    )
    with pytest.raises(TransactionFailed, match=r"StreamInactive \(4\)"):
        run(submit(soroban, envelope(), what="cancel_stream", contract_id=STREAM))


def test_never_lands_is_reported_not_resent() -> None:
    soroban, calls = script(
        {
            "sendTransaction": [{"status": "PENDING", "hash": "x"}],
            "getTransaction": [{"status": "NOT_FOUND"}],
        }
    )
    with pytest.raises(TransactionFailed, match="not seen in a ledger"):
        run(submit(soroban, envelope(), poll_timeout=0.05, poll_interval=0.01))
    assert calls.count("sendTransaction") == 1


def test_garbage_answer_shape_is_a_protocol_error() -> None:
    from flowfi_desktop.chain.rpc import RpcProtocolError

    soroban, _ = script({"sendTransaction": [{"status": "WHATEVER"}]})
    with pytest.raises(RpcProtocolError, match="unexpected shape"):
        run(submit(soroban, envelope()))


Handler = Callable[[httpx.Request], httpx.Response]


def test_an_error_raised_inside_the_token_is_named_as_the_token_s() -> None:
    soroban, _ = script(
        {
            "sendTransaction": [
                {"status": "ERROR", "hash": "x", "diagnosticEventsXdr": [error_event(13)]}
            ]
        }
    )
    other_stream = StrKey.encode_contract(bytes(range(32)))
    with pytest.raises(TransactionFailed) as info:
        run(submit(soroban, envelope(), what="withdraw", contract_id=other_stream))
    assert "the token contract" in str(info.value)
    assert "TrustlineMissingError (13)" in str(info.value)
    assert "StreamNotPaused" not in str(info.value)
