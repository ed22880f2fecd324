"""Fee-bump transactions: the fee source pays (and gets the Soroban refund), the inner source's
sequence moves, results are wrapped as core wraps them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stellar_sdk import Asset, Keypair, SorobanServer, TransactionBuilder, scval, xdr
from stellar_sdk.soroban_rpc import GetTransactionStatus, SendTransactionStatus

from .conftest import Net
from .helpers import PASSPHRASE, fee_charged, result, xlm_balance

pytestmark = pytest.mark.localnet


def test_classic_fee_bump(net: Net, make_account: Callable[[], Keypair]) -> None:
    url = net.rpc_url
    srv = SorobanServer(url)
    alice, bob, carol = make_account(), make_account(), make_account()
    a0, b0, c0 = (xlm_balance(url, k.public_key) for k in (alice, bob, carol))
    inner = (
        TransactionBuilder(srv.load_account(alice.public_key), PASSPHRASE, base_fee=0)
        .append_payment_op(carol.public_key, Asset.native(), "3")
        .set_timeout(60)
        .build()
    )
    inner.sign(alice)
    bump = TransactionBuilder.build_fee_bump_transaction(bob.public_key, 100, inner, PASSPHRASE)
    bump.sign(bob)
    sent = srv.send_transaction(bump)
    assert sent.status == SendTransactionStatus.PENDING, sent
    done = srv.poll_transaction(sent.hash)
    assert done.status == GetTransactionStatus.SUCCESS
    assert result(url, "getTransaction", {"hash": sent.hash})["feeBump"] is True
    res = xdr.TransactionResult.from_xdr(done.result_xdr)
    assert res.result.code == xdr.TransactionResultCode.txFEE_BUMP_INNER_SUCCESS
    assert res.fee_charged.int64 == 200
    assert xlm_balance(url, alice.public_key) == a0 - 3 * 10**7
    assert xlm_balance(url, bob.public_key) == b0 - 200
    assert xlm_balance(url, carol.public_key) == c0 + 3 * 10**7

    # A bump of an inner transaction whose sequence number is already used.
    again = TransactionBuilder.build_fee_bump_transaction(bob.public_key, 101, inner, PASSPHRASE)
    again.sign(bob)
    out = srv.send_transaction(again)
    assert out.status == SendTransactionStatus.ERROR
    wrapped = xdr.TransactionResult.from_xdr(out.error_result_xdr).result
    assert wrapped.code == xdr.TransactionResultCode.txFEE_BUMP_INNER_FAILED
    assert wrapped.inner_result_pair.result.result.code == xdr.TransactionResultCode.txBAD_SEQ
    unsigned = TransactionBuilder.build_fee_bump_transaction(
        carol.public_key, 100, inner, PASSPHRASE
    )
    unsigned.sign(bob)
    out = srv.send_transaction(unsigned)
    code = xdr.TransactionResult.from_xdr(out.error_result_xdr).result.code
    assert code == xdr.TransactionResultCode.txBAD_AUTH


def test_soroban_fee_bump(
    net: Net, stream_contract: str, make_account: Callable[[], Keypair]
) -> None:
    url = net.rpc_url
    srv = SorobanServer(url)
    alice, sponsor = make_account(), make_account()
    a0, s0 = xlm_balance(url, alice.public_key), xlm_balance(url, sponsor.public_key)
    amount = 5 * 10**7
    tx = (
        TransactionBuilder(srv.load_account(alice.public_key), PASSPHRASE, base_fee=100)
        .append_invoke_contract_function_op(
            stream_contract,
            "create_stream",
            [
                scval.to_address(alice.public_key),
                scval.to_address(Keypair.random().public_key),
                scval.to_address(Asset.native().contract_id(PASSPHRASE)),
                scval.to_int128(amount),
                scval.to_uint64(10),
            ],
        )
        .set_timeout(60)
        .build()
    )
    inner = srv.prepare_transaction(tx)
    inner.sign(alice)
    bump = TransactionBuilder.build_fee_bump_transaction(sponsor.public_key, 100, inner, PASSPHRASE)
    bump.sign(sponsor)
    sent = srv.send_transaction(bump)
    assert sent.status == SendTransactionStatus.PENDING, sent
    done = srv.poll_transaction(sent.hash)
    assert done.status == GetTransactionStatus.SUCCESS
    fee = fee_charged(url, sent.hash)
    assert fee > 200
    # Alice pays only the deposit; the sponsor pays the fee (net of the refund).
    assert xlm_balance(url, alice.public_key) == a0 - amount
    assert xlm_balance(url, sponsor.public_key) == s0 - fee
    meta = xdr.TransactionMeta.from_xdr(done.result_meta_xdr)
    payer = scval.to_native(meta.v4.events[0].event.body.v0.topics[1])
    assert payer.address == sponsor.public_key
