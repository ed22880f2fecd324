"""--state-dir: a node killed with SIGKILL restarts from its last closed ledger, with every
ledger, transaction, event and entry it had."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from stellar_sdk import Asset, Keypair, SorobanServer, TransactionBuilder

from flowfi_desktop import localnet as ln

from .helpers import PASSPHRASE, fund, result, xlm_balance

pytestmark = [pytest.mark.localnet, pytest.mark.slow]


@pytest.fixture
def binary() -> Path:
    try:
        return ln.find_binary()
    except ln.LocalnetError as e:
        pytest.skip(str(e))


def test_restart_after_kill_keeps_every_closed_ledger(binary: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = ln.start(ledger_interval_ms=0, state_dir=state, binary=binary)
    try:
        url = first.rpc_url
        alice, bob = Keypair.random(), Keypair.random()
        fund(first.friendbot_url, alice)
        fund(first.friendbot_url, bob)
        srv = SorobanServer(url)
        hashes = []
        for _ in range(3):
            tx = (
                TransactionBuilder(srv.load_account(alice.public_key), PASSPHRASE, base_fee=100)
                .append_payment_op(bob.public_key, Asset.native(), "12.5")
                .set_timeout(60)
                .build()
            )
            tx.sign(alice)
            sent = srv.send_transaction(tx)
            hashes.append(sent.hash)
            srv.poll_transaction(sent.hash)
        result(url, "localnet_advanceTime", {"seconds": 500})
        before_latest = result(url, "getLatestLedger")
        before_ledgers = result(url, "getLedgers", {"startLedger": 1, "pagination": {"limit": 200}})
        before_events = result(url, "getEvents", {"startLedger": 1, "pagination": {"limit": 10000}})
        before_txs = [result(url, "getTransaction", {"hash": h}) for h in hashes]
        balances = (xlm_balance(url, alice.public_key), xlm_balance(url, bob.public_key))
    finally:
        first.kill()
        first.stop()

    second = ln.start(ledger_interval_ms=0, state_dir=state, binary=binary, port=first.port)
    try:
        url = second.rpc_url
        assert result(url, "getLatestLedger") == before_latest
        ledgers = result(url, "getLedgers", {"startLedger": 1, "pagination": {"limit": 200}})
        assert ledgers == before_ledgers
        events = result(url, "getEvents", {"startLedger": 1, "pagination": {"limit": 10000}})
        assert events == before_events
        for h, before in zip(hashes, before_txs, strict=True):
            after = result(url, "getTransaction", {"hash": h})
            assert after == before
        assert (xlm_balance(url, alice.public_key), xlm_balance(url, bob.public_key)) == balances
        # Sequence numbers, time and the chain go on from there.
        srv = SorobanServer(url)
        tx = (
            TransactionBuilder(srv.load_account(alice.public_key), PASSPHRASE, base_fee=100)
            .append_payment_op(bob.public_key, Asset.native(), "1")
            .set_timeout(60)
            .build()
        )
        tx.sign(alice)
        assert srv.poll_transaction(srv.send_transaction(tx).hash).status.value == "SUCCESS"
        after = result(url, "getLatestLedger")
        assert after["sequence"] == before_latest["sequence"] + 1
        assert int(after["closeTime"]) >= int(before_latest["closeTime"])
    finally:
        second.stop()


def test_kill_during_interval_closes(binary: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    net = ln.start(ledger_interval_ms=20, state_dir=state, binary=binary)
    try:
        kp = Keypair.random()
        fund(net.friendbot_url, kp)
        seen = result(net.rpc_url, "getLatestLedger")["sequence"]
    finally:
        net.kill()
        net.stop()
    again = ln.start(ledger_interval_ms=0, state_dir=state, binary=binary)
    try:
        latest = result(again.rpc_url, "getLatestLedger")["sequence"]
        assert latest >= seen
        assert xlm_balance(again.rpc_url, kp.public_key) == 10_000 * 10**7
        health = result(again.rpc_url, "getHealth")
        assert health["oldestLedger"] == 1
    finally:
        again.stop()


def test_port_taken_is_a_clear_error(binary: Path) -> None:
    net = ln.start(ledger_interval_ms=0, binary=binary)
    try:
        with pytest.raises(ln.LocalnetError, match="port is taken"):
            ln.start(port=net.port, ledger_interval_ms=0, binary=binary, timeout=10)
        assert (
            httpx.post(
                net.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "getHealth"}
            ).status_code
            == 200
        )
    finally:
        net.stop()
