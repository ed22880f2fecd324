"""flowfi-localnet: startup to ready, one contract call end to end, sustained calls per second.

A contract call is the wallet's path: simulate (prepare), sign, send, confirm with
getTransaction, through stellar-sdk's SorobanServer over HTTP, in instant mode
(--ledger-interval-ms 0), creating a real stream in the bundled contract each time.
"""

from __future__ import annotations

import statistics
import time

import httpx
from stellar_sdk import Asset, Keypair, SorobanServer, TransactionBuilder, scval
from stellar_sdk.contract import ContractClient

from flowfi_desktop import localnet as ln
from flowfi_desktop.bundled import contract_wasm_path

STARTS = 7
CALLS = 30
SUSTAINED_SECONDS = 5.0


def _startup_ms() -> list[float]:
    out = []
    for _ in range(STARTS):
        t = time.perf_counter()
        net = ln.start(ledger_interval_ms=0)
        out.append((time.perf_counter() - t) * 1000)
        net.stop()
    return out


def _call(srv: SorobanServer, account: object, sender: Keypair, contract: str, native: str) -> None:
    tx = (
        TransactionBuilder(account, ln.STANDALONE_PASSPHRASE, base_fee=100)  # type: ignore[arg-type]
        .append_invoke_contract_function_op(
            contract,
            "create_stream",
            [
                scval.to_address(sender.public_key),
                scval.to_address(Keypair.random().public_key),
                scval.to_address(native),
                scval.to_int128(1_000_000),
                scval.to_uint64(100),
            ],
        )
        .set_timeout(60)
        .build()
    )
    prepared = srv.prepare_transaction(tx)
    prepared.sign(sender)
    sent = srv.send_transaction(prepared)
    got = srv.get_transaction(sent.hash)
    while got.status.value == "NOT_FOUND":
        got = srv.get_transaction(sent.hash)
    if got.status.value != "SUCCESS":
        raise RuntimeError(f"call failed: {got}")


def main() -> None:
    starts = _startup_ms()
    print(f"startup to ready: median {statistics.median(starts):.0f} ms over {STARTS} starts")
    net = ln.start(ledger_interval_ms=0)
    try:
        srv = SorobanServer(net.rpc_url)
        sender = Keypair.random()
        httpx.get(net.friendbot_url, params={"addr": sender.public_key}, timeout=30)
        wasm_id = ContractClient.upload_contract_wasm(
            contract_wasm_path().read_bytes(),
            sender.public_key,
            sender,
            srv,
            network_passphrase=ln.STANDALONE_PASSPHRASE,
        )
        contract = ContractClient.create_contract(
            wasm_id, sender.public_key, sender, srv, network_passphrase=ln.STANDALONE_PASSPHRASE
        )
        native = Asset.native().contract_id(ln.STANDALONE_PASSPHRASE)
        account = srv.load_account(sender.public_key)
        _call(srv, account, sender, contract, native)  # warm-up
        times = []
        for _ in range(CALLS):
            t = time.perf_counter()
            _call(srv, account, sender, contract, native)
            times.append((time.perf_counter() - t) * 1000)
        print(
            f"contract call (simulate+send+confirm, instant mode): median "
            f"{statistics.median(times):.1f} ms, p90 {sorted(times)[int(CALLS * 0.9)]:.1f} ms "
            f"over {CALLS} calls (target < 50 ms)"
        )
        done = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < SUSTAINED_SECONDS:
            _call(srv, account, sender, contract, native)
            done += 1
        rate = done / (time.perf_counter() - t0)
        print(f"sustained contract calls: {rate:.1f} per second (one sequential client)")
    finally:
        net.stop()


if __name__ == "__main__":
    main()
