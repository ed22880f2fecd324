"""sendTransaction rejects what core rejects, with the result code in errorResultXdr; Soroban
authorization is enforced on apply."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stellar_sdk import (
    Account,
    Asset,
    Keypair,
    Network,
    SorobanServer,
    TransactionBuilder,
    scval,
    xdr,
)
from stellar_sdk.auth import authorize_entry
from stellar_sdk.soroban_rpc import GetTransactionStatus, SendTransactionStatus

from .conftest import Net
from .helpers import PASSPHRASE, invoke, result, rpc

pytestmark = pytest.mark.localnet


def _payment(source: Account, dest: str, passphrase: str = PASSPHRASE) -> TransactionBuilder:
    return (
        TransactionBuilder(source, passphrase, base_fee=100)
        .append_payment_op(dest, Asset.native(), "1")
        .set_timeout(60)
    )


def _error_code(srv: SorobanServer, envelope: object) -> xdr.TransactionResultCode:
    sent = srv.send_transaction(envelope)  # type: ignore[arg-type]
    assert sent.status == SendTransactionStatus.ERROR, sent
    assert sent.error_result_xdr is not None
    return xdr.TransactionResult.from_xdr(sent.error_result_xdr).result.code


def test_core_checks(net: Net, make_account: Callable[[], Keypair]) -> None:
    srv = SorobanServer(net.rpc_url)
    alice, bob = make_account(), make_account()

    forged = _payment(srv.load_account(alice.public_key), bob.public_key).build()
    forged.sign(Keypair.random())
    assert _error_code(srv, forged) == xdr.TransactionResultCode.txBAD_AUTH

    wrong_net = _payment(
        srv.load_account(alice.public_key), bob.public_key, Network.TESTNET_NETWORK_PASSPHRASE
    ).build()
    wrong_net.sign(alice)
    assert _error_code(srv, wrong_net) == xdr.TransactionResultCode.txBAD_AUTH

    stale = Account(alice.public_key, srv.load_account(alice.public_key).sequence - 1)
    old = _payment(stale, bob.public_key).build()
    old.sign(alice)
    assert _error_code(srv, old) == xdr.TransactionResultCode.txBAD_SEQ

    ghost = Keypair.random()
    unfunded = _payment(Account(ghost.public_key, 1), bob.public_key).build()
    unfunded.sign(ghost)
    assert _error_code(srv, unfunded) == xdr.TransactionResultCode.txNO_ACCOUNT

    cheap = (
        TransactionBuilder(srv.load_account(alice.public_key), PASSPHRASE, base_fee=10)
        .append_payment_op(bob.public_key, Asset.native(), "1")
        .set_timeout(60)
        .build()
    )
    cheap.sign(alice)
    assert _error_code(srv, cheap) == xdr.TransactionResultCode.txINSUFFICIENT_FEE

    extra = _payment(srv.load_account(alice.public_key), bob.public_key).build()
    extra.sign(alice)
    extra.sign(bob)
    assert _error_code(srv, extra) == xdr.TransactionResultCode.txBAD_AUTH_EXTRA

    # The valid one goes through, and a second submission is a duplicate.
    good = _payment(srv.load_account(alice.public_key), bob.public_key).build()
    good.sign(alice)
    sent = srv.send_transaction(good)
    assert sent.status == SendTransactionStatus.PENDING
    assert srv.poll_transaction(sent.hash).status == GetTransactionStatus.SUCCESS
    assert srv.send_transaction(good).status == SendTransactionStatus.DUPLICATE


def test_bad_xdr_is_invalid_params(net: Net) -> None:
    out = rpc(net.rpc_url, "sendTransaction", {"transaction": "AAAA"})
    assert out["error"]["code"] == -32602
    assert result(net.rpc_url, "getTransaction", {"hash": "00" * 32})["status"] == "NOT_FOUND"


def test_cancel_signed_by_the_wrong_party_fails(
    net: Net, stream_contract: str, make_account: Callable[[], Keypair]
) -> None:
    srv = SorobanServer(net.rpc_url)
    sender, recipient = make_account(), make_account()
    native = Asset.native().contract_id(PASSPHRASE)
    stream_id, _ = invoke(
        net.rpc_url,
        stream_contract,
        "create_stream",
        [
            scval.to_address(sender.public_key),
            scval.to_address(recipient.public_key),
            scval.to_address(native),
            scval.to_int128(10_000_000),
            scval.to_uint64(100),
        ],
        sender,
    )
    # The recipient submits a cancel in the sender's name and signs the sender's auth entry
    # with its own key: the host must refuse it on apply.
    tx = (
        TransactionBuilder(srv.load_account(recipient.public_key), PASSPHRASE, base_fee=100)
        .append_invoke_contract_function_op(
            stream_contract,
            "cancel_stream",
            [scval.to_address(sender.public_key), scval.to_uint64(stream_id)],
        )
        .set_timeout(60)
        .build()
    )
    prepared = srv.prepare_transaction(tx)
    op = prepared.transaction.operations[0]
    latest = srv.get_latest_ledger().sequence
    op.auth = [  # type: ignore[attr-defined]
        authorize_entry(a, recipient, latest + 100, PASSPHRASE)
        for a in op.auth  # type: ignore[attr-defined]
    ]
    prepared.sign(recipient)
    sent = srv.send_transaction(prepared)
    assert sent.status == SendTransactionStatus.PENDING, sent
    final = srv.poll_transaction(sent.hash)
    assert final.status == GetTransactionStatus.FAILED
    assert final.result_xdr is not None
    res = xdr.TransactionResult.from_xdr(final.result_xdr)
    assert res.result.code == xdr.TransactionResultCode.txFAILED
    # The stream is untouched.
    stream = srv.simulate_transaction(
        TransactionBuilder(srv.load_account(sender.public_key), PASSPHRASE, base_fee=100)
        .append_invoke_contract_function_op(
            stream_contract, "get_stream", [scval.to_uint64(stream_id)]
        )
        .set_timeout(60)
        .build()
    )
    assert stream.results is not None
    value = scval.to_native(xdr.SCVal.from_xdr(stream.results[0].xdr))
    assert value["is_active"] is True


def test_soroban_resource_checks(
    net: Net, stream_contract: str, make_account: Callable[[], Keypair]
) -> None:
    srv = SorobanServer(net.rpc_url)
    kp = make_account()

    def prepared() -> object:
        tx = (
            TransactionBuilder(srv.load_account(kp.public_key), PASSPHRASE, base_fee=100)
            .append_invoke_contract_function_op(
                stream_contract,
                "create_stream",
                [
                    scval.to_address(kp.public_key),
                    scval.to_address(Keypair.random().public_key),
                    scval.to_address(Asset.native().contract_id(PASSPHRASE)),
                    scval.to_int128(10**7),
                    scval.to_uint64(10),
                ],
            )
            .set_timeout(60)
            .build()
        )
        return srv.prepare_transaction(tx)

    # Declared write bytes over the network's per-transaction limit.
    big = prepared()
    big.transaction.soroban_data.resources.write_bytes = xdr.Uint32(10**6)  # type: ignore[attr-defined]
    big.sign(kp)  # type: ignore[attr-defined]
    assert _error_code(srv, big) == xdr.TransactionResultCode.txSOROBAN_INVALID

    # A resource fee below the non-refundable part of the declared resources.
    cheap = prepared()
    data = cheap.transaction.soroban_data  # type: ignore[attr-defined]
    data.resource_fee = xdr.Int64(1)
    cheap.transaction.fee = 101  # type: ignore[attr-defined]
    cheap.sign(kp)  # type: ignore[attr-defined]
    assert _error_code(srv, cheap) == xdr.TransactionResultCode.txINSUFFICIENT_FEE

    # Too few instructions: admitted, then the host runs out of budget on apply.
    starved = prepared()
    starved.transaction.soroban_data.resources.instructions = xdr.Uint32(1000)  # type: ignore[attr-defined]
    starved.sign(kp)  # type: ignore[attr-defined]
    sent = srv.send_transaction(starved)  # type: ignore[arg-type]
    assert sent.status == SendTransactionStatus.PENDING, sent
    final = srv.poll_transaction(sent.hash)
    assert final.status == GetTransactionStatus.FAILED
    res = xdr.TransactionResult.from_xdr(final.result_xdr)
    op = res.result.results[0].tr.invoke_host_function_result
    assert op.code == xdr.InvokeHostFunctionResultCode.INVOKE_HOST_FUNCTION_RESOURCE_LIMIT_EXCEEDED
    assert res.fee_charged.int64 > 100
