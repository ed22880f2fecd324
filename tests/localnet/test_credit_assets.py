"""Credit assets: trustlines, payments with per-operation sources in one transaction, a Stellar
Asset Contract for an issued asset, and a stream in it (the demo's test USDC path)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stellar_sdk import (
    Asset,
    AuthorizationFlag,
    Keypair,
    SorobanServer,
    TransactionBuilder,
    TrustLineFlags,
    scval,
    xdr,
)
from stellar_sdk.contract import ContractClient
from stellar_sdk.soroban_rpc import GetTransactionStatus, SendTransactionStatus

from .conftest import Net
from .helpers import PASSPHRASE, invoke, read, result

pytestmark = pytest.mark.localnet


def _trustline_balance(url: str, account: str, asset: Asset) -> int | None:
    key = xdr.LedgerKey(
        xdr.LedgerEntryType.TRUSTLINE,
        trust_line=xdr.LedgerKeyTrustLine(
            Keypair.from_public_key(account).xdr_account_id(),
            asset.to_trust_line_asset_xdr_object(),
        ),
    )
    entries = result(url, "getLedgerEntries", {"keys": [key.to_xdr()]})["entries"]
    if not entries:
        return None
    return int(xdr.LedgerEntryData.from_xdr(entries[0]["xdr"]).trust_line.balance.int64)


def test_issued_asset_stream(
    net: Net, stream_contract: str, make_account: Callable[[], Keypair]
) -> None:
    url = net.rpc_url
    srv = SorobanServer(url)
    issuer, alice, bob = make_account(), make_account(), make_account()
    usdc = Asset("USDC", issuer.public_key)

    # One classic transaction, three sources: two trustlines and the issue to alice.
    tx = (
        TransactionBuilder(srv.load_account(issuer.public_key), PASSPHRASE, base_fee=100)
        .append_change_trust_op(usdc, source=alice.public_key)
        .append_change_trust_op(usdc, source=bob.public_key)
        .append_payment_op(alice.public_key, usdc, "1000")
        .set_timeout(60)
        .build()
    )
    tx.sign(issuer)
    tx.sign(alice)
    tx.sign(bob)
    sent = srv.send_transaction(tx)
    assert sent.status == SendTransactionStatus.PENDING, sent
    done = srv.poll_transaction(sent.hash)
    assert done.status == GetTransactionStatus.SUCCESS
    assert xdr.TransactionResult.from_xdr(done.result_xdr).fee_charged.int64 == 300
    assert _trustline_balance(url, alice.public_key, usdc) == 1000 * 10_000_000
    assert _trustline_balance(url, bob.public_key, usdc) == 0

    # Without a trustline a payment fails on apply with PAYMENT_NO_TRUST.
    stranger = make_account()
    bad = (
        TransactionBuilder(srv.load_account(alice.public_key), PASSPHRASE, base_fee=100)
        .append_payment_op(stranger.public_key, usdc, "1")
        .set_timeout(60)
        .build()
    )
    bad.sign(alice)
    failed = srv.poll_transaction(srv.send_transaction(bad).hash)
    assert failed.status == GetTransactionStatus.FAILED
    op = xdr.TransactionResult.from_xdr(failed.result_xdr).result.results[0]
    assert op.tr.payment_result.code == xdr.PaymentResultCode.PAYMENT_NO_TRUST

    sac = ContractClient.create_stellar_asset_contract_from_asset(
        usdc, issuer.public_key, issuer, srv, network_passphrase=PASSPHRASE
    )
    assert sac == usdc.contract_id(PASSPHRASE)
    assert read(url, sac, "balance", [scval.to_address(alice.public_key)], alice) == 1000 * 10**7

    amount, duration = 100 * 10**7, 100
    stream_id, h = invoke(
        url,
        stream_contract,
        "create_stream",
        [
            scval.to_address(alice.public_key),
            scval.to_address(bob.public_key),
            scval.to_address(sac),
            scval.to_int128(amount),
            scval.to_uint64(duration),
        ],
        alice,
    )
    assert _trustline_balance(url, alice.public_key, usdc) == 900 * 10**7
    result(url, "localnet_advanceTime", {"seconds": 1000})
    got, _ = invoke(
        url,
        stream_contract,
        "withdraw",
        [scval.to_address(bob.public_key), scval.to_uint64(stream_id)],
        bob,
    )
    assert got == amount
    assert _trustline_balance(url, bob.public_key, usdc) == amount

    # The issue to alice is a CAP-67 "mint" event under the asset's contract id.
    start = result(url, "getTransaction", {"hash": sent.hash})["ledger"]
    events = result(url, "getEvents", {"startLedger": start, "filters": [{"contractIds": [sac]}]})[
        "events"
    ]
    names = [scval.to_native(xdr.SCVal.from_xdr(e["topic"][0])) for e in events]
    assert names[0] == "mint"
    assert "transfer" in names
    assert h


def test_authorization_required_asset(net: Net, make_account: Callable[[], Keypair]) -> None:
    url = net.rpc_url
    srv = SorobanServer(url)
    issuer, holder, other = make_account(), make_account(), make_account()
    eur = Asset("EURT", issuer.public_key)

    def run(builder: TransactionBuilder, *signers: Keypair) -> object:
        tx = builder.set_timeout(60).build()
        for k in signers:
            tx.sign(k)
        sent = srv.send_transaction(tx)
        assert sent.status == SendTransactionStatus.PENDING, sent
        return srv.poll_transaction(sent.hash)

    def builder(kp: Keypair) -> TransactionBuilder:
        return TransactionBuilder(srv.load_account(kp.public_key), PASSPHRASE, base_fee=100)

    flags = AuthorizationFlag.AUTHORIZATION_REQUIRED | AuthorizationFlag.AUTHORIZATION_REVOCABLE
    flags |= AuthorizationFlag.AUTHORIZATION_CLAWBACK_ENABLED
    done = run(builder(issuer).append_set_options_op(set_flags=flags), issuer)
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    done = run(
        builder(issuer)
        .append_change_trust_op(eur, source=holder.public_key)
        .append_change_trust_op(eur, source=other.public_key),
        issuer,
        holder,
        other,
    )
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    # Not yet authorized: the issue fails.
    done = run(builder(issuer).append_payment_op(holder.public_key, eur, "10"), issuer)
    assert done.status == GetTransactionStatus.FAILED  # type: ignore[attr-defined]
    op = xdr.TransactionResult.from_xdr(done.result_xdr).result.results[0]  # type: ignore[attr-defined]
    assert op.tr.payment_result.code == xdr.PaymentResultCode.PAYMENT_NOT_AUTHORIZED
    done = run(
        builder(issuer)
        .append_set_trust_line_flags_op(
            holder.public_key, eur, set_flags=TrustLineFlags.AUTHORIZED_FLAG
        )
        .append_set_trust_line_flags_op(
            other.public_key, eur, set_flags=TrustLineFlags.AUTHORIZED_FLAG
        )
        .append_payment_op(holder.public_key, eur, "10"),
        issuer,
    )
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    assert _trustline_balance(url, holder.public_key, eur) == 10 * 10**7
    done = run(builder(issuer).append_clawback_op(eur, holder.public_key, "4"), issuer)
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    assert _trustline_balance(url, holder.public_key, eur) == 6 * 10**7
    # The asset contract sees the same authorization state.
    sac = ContractClient.create_stellar_asset_contract_from_asset(
        eur, issuer.public_key, issuer, srv, network_passphrase=PASSPHRASE
    )
    assert read(url, sac, "authorized", [scval.to_address(holder.public_key)], holder) is True
    done = run(
        builder(issuer).append_set_trust_line_flags_op(
            holder.public_key, eur, clear_flags=TrustLineFlags.AUTHORIZED_FLAG
        ),
        issuer,
    )
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    assert read(url, sac, "authorized", [scval.to_address(holder.public_key)], holder) is False
    done = run(builder(holder).append_payment_op(other.public_key, eur, "1"), holder)
    assert done.status == GetTransactionStatus.FAILED  # type: ignore[attr-defined]
    op = xdr.TransactionResult.from_xdr(done.result_xdr).result.results[0]  # type: ignore[attr-defined]
    assert op.tr.payment_result.code == xdr.PaymentResultCode.PAYMENT_SRC_NOT_AUTHORIZED
