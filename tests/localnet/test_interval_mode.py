"""Interval mode: ledgers close on their own; a transaction is PENDING, then in the next ledger."""

from __future__ import annotations

import time

import pytest
from stellar_sdk import Asset, Keypair, SorobanServer, TransactionBuilder
from stellar_sdk.soroban_rpc import GetTransactionStatus, SendTransactionStatus

from flowfi_desktop import localnet as ln

from .helpers import PASSPHRASE, fund, result

pytestmark = pytest.mark.localnet


def test_pending_then_next_ledger() -> None:
    try:
        ln.find_binary()
    except ln.LocalnetError as e:
        pytest.skip(str(e))
    net = ln.start(ledger_interval_ms=300)
    try:
        first = result(net.rpc_url, "getLatestLedger")["sequence"]
        time.sleep(1.0)
        assert result(net.rpc_url, "getLatestLedger")["sequence"] >= first + 2
        alice, bob = Keypair.random(), Keypair.random()
        fund(net.friendbot_url, alice)
        fund(net.friendbot_url, bob)
        srv = SorobanServer(net.rpc_url)
        tx = (
            TransactionBuilder(srv.load_account(alice.public_key), PASSPHRASE, base_fee=100)
            .append_payment_op(bob.public_key, Asset.native(), "1")
            .set_timeout(60)
            .build()
        )
        tx.sign(alice)
        sent = srv.send_transaction(tx)
        assert sent.status == SendTransactionStatus.PENDING
        # Not applied at once (unless a close slipped in between the two requests).
        early = srv.get_transaction(sent.hash)
        assert (
            early.status == GetTransactionStatus.NOT_FOUND or early.ledger == sent.latest_ledger + 1
        )
        done = srv.poll_transaction(sent.hash, max_attempts=20)
        assert done.status == GetTransactionStatus.SUCCESS
        assert done.ledger is not None
        assert done.ledger == sent.latest_ledger + 1
    finally:
        net.stop()
