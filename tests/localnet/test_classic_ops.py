"""BumpSequence, ManageData, SetOptions (signers, thresholds: weighted signature checks), and
an unsupported operation failing cleanly on apply."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stellar_sdk import Asset, Keypair, SorobanServer, TransactionBuilder, xdr
from stellar_sdk.soroban_rpc import GetTransactionStatus, SendTransactionStatus

from .conftest import Net
from .helpers import PASSPHRASE, account_key_b64, result, xlm_balance

pytestmark = pytest.mark.localnet


def _submit(srv: SorobanServer, builder: TransactionBuilder, kp: Keypair) -> object:
    tx = builder.set_timeout(60).build()
    tx.sign(kp)
    return srv.poll_transaction(srv.send_transaction(tx).hash)


def test_bump_sequence_and_manage_data(net: Net, make_account: Callable[[], Keypair]) -> None:
    srv = SorobanServer(net.rpc_url)
    kp = make_account()
    seq = srv.load_account(kp.public_key).sequence
    done = _submit(
        srv,
        TransactionBuilder(srv.load_account(kp.public_key), PASSPHRASE, base_fee=100)
        .append_bump_sequence_op(seq + 100)
        .append_manage_data_op("flowfi", b"stream"),
        kp,
    )
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    assert srv.load_account(kp.public_key).sequence == seq + 100
    key = xdr.LedgerKey(
        xdr.LedgerEntryType.DATA,
        data=xdr.LedgerKeyData(kp.xdr_account_id(), xdr.String64(b"flowfi")),
    )
    entries = result(net.rpc_url, "getLedgerEntries", {"keys": [key.to_xdr()]})["entries"]
    assert xdr.LedgerEntryData.from_xdr(entries[0]["xdr"]).data.data_value.data_value == b"stream"
    done = _submit(
        srv,
        TransactionBuilder(
            srv.load_account(kp.public_key), PASSPHRASE, base_fee=100
        ).append_manage_data_op("flowfi", None),
        kp,
    )
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    assert result(net.rpc_url, "getLedgerEntries", {"keys": [key.to_xdr()]})["entries"] == []

    failed = _submit(
        srv,
        TransactionBuilder(srv.load_account(kp.public_key), PASSPHRASE, base_fee=100)
        .append_manage_data_op("x", b"1")
        .append_manage_sell_offer_op(Asset.native(), Asset("USD", kp.public_key), "1", "1"),
        kp,
    )
    assert failed.status == GetTransactionStatus.FAILED  # type: ignore[attr-defined]
    res = xdr.TransactionResult.from_xdr(failed.result_xdr)  # type: ignore[attr-defined]
    assert res.result.results[1].code == xdr.OperationResultCode.opNOT_SUPPORTED
    # The whole transaction failed, so the first operation's data entry was not written either.
    key_x = xdr.LedgerKey(
        xdr.LedgerEntryType.DATA,
        data=xdr.LedgerKeyData(kp.xdr_account_id(), xdr.String64(b"x")),
    )
    assert result(net.rpc_url, "getLedgerEntries", {"keys": [key_x.to_xdr()]})["entries"] == []


def test_account_merge(net: Net, make_account: Callable[[], Keypair]) -> None:
    srv = SorobanServer(net.rpc_url)
    gone, dest = make_account(), make_account()
    d0 = xlm_balance(net.rpc_url, dest.public_key)
    g0 = xlm_balance(net.rpc_url, gone.public_key)
    done = _submit(
        srv,
        TransactionBuilder(
            srv.load_account(gone.public_key), PASSPHRASE, base_fee=100
        ).append_account_merge_op(dest.public_key),
        gone,
    )
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    assert xlm_balance(net.rpc_url, dest.public_key) == d0 + g0 - 100
    keys = {"keys": [account_key_b64(gone.public_key)]}
    assert result(net.rpc_url, "getLedgerEntries", keys)["entries"] == []


def _send(srv: SorobanServer, builder: TransactionBuilder, *signers: Keypair) -> object:
    tx = builder.set_timeout(60).build()
    for k in signers:
        tx.sign(k)
    return srv.send_transaction(tx)


def test_set_options_signers_and_thresholds(net: Net, make_account: Callable[[], Keypair]) -> None:
    srv = SorobanServer(net.rpc_url)
    alice, bob, carol = make_account(), make_account(), make_account()
    done = _submit(
        srv,
        TransactionBuilder(srv.load_account(alice.public_key), PASSPHRASE, base_fee=100)
        .append_set_options_op(home_domain="flowfi.example")
        .append_ed25519_public_key_signer(bob.public_key, 1)
        .append_set_options_op(master_weight=1, low_threshold=1, med_threshold=2, high_threshold=2),
        alice,
    )
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]

    def pay() -> TransactionBuilder:
        return TransactionBuilder(
            srv.load_account(alice.public_key), PASSPHRASE, base_fee=100
        ).append_payment_op(carol.public_key, Asset.native(), "1")

    for signers in ((alice,), (bob,)):
        out = _send(srv, pay(), *signers)
        assert out.status == SendTransactionStatus.ERROR  # type: ignore[attr-defined]
        code = xdr.TransactionResult.from_xdr(out.error_result_xdr).result.code  # type: ignore[attr-defined]
        assert code == xdr.TransactionResultCode.txBAD_AUTH
    both = _send(srv, pay(), alice, bob)
    assert srv.poll_transaction(both.hash).status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    # A low-threshold operation needs only one of them.
    seq = srv.load_account(alice.public_key).sequence
    bump = _send(
        srv,
        TransactionBuilder(
            srv.load_account(alice.public_key), PASSPHRASE, base_fee=100
        ).append_bump_sequence_op(seq + 10),
        bob,
    )
    assert srv.poll_transaction(bump.hash).status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    acct = xdr.LedgerEntryData.from_xdr(
        result(net.rpc_url, "getLedgerEntries", {"keys": [account_key_b64(alice.public_key)]})[
            "entries"
        ][0]["xdr"]
    ).account
    assert acct.home_domain.string32 == b"flowfi.example"
    assert [s.weight.uint32 for s in acct.signers] == [1]
    assert acct.num_sub_entries.uint32 == 1
