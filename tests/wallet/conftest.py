"""One flowfi-localnet for the wallet's integration tests, and a stream contract on it.

Started through `flowfi_desktop.localnet` (the binary `make` builds); the tests are skipped,
saying why, when it is not built.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from stellar_sdk import Keypair

from flowfi_desktop import localnet as ln
from flowfi_desktop.bundled import BundledFileMissing, contract_wasm_path
from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.networks import LOCAL_PASSPHRASE, Network
from flowfi_desktop.streams.deploy import deploy


@dataclass(frozen=True)
class Localnet:
    rpc_url: str
    friendbot_url: str
    contract_id: str

    def network(self, name: str = "ln") -> Network:
        return Network(name, self.rpc_url, LOCAL_PASSPHRASE, self.friendbot_url, self.contract_id)


def fund(friendbot_url: str, address: str) -> None:
    reply = httpx.get(friendbot_url, params={"addr": address}, timeout=30)
    assert reply.status_code == 200, reply.text


def advance_time(localnet: Localnet, seconds: int) -> None:
    """Closes a ledger `seconds` later (localnet's ledger control)."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "localnet_advanceTime",
        "params": {"seconds": seconds},
    }
    answer = httpx.post(localnet.rpc_url, json=body, timeout=30).json()
    assert "result" in answer, answer


def skip_without_localnet() -> None:
    try:
        ln.find_binary()
    except ln.LocalnetError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def localnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localnet]:
    skip_without_localnet()
    try:
        wasm = contract_wasm_path().read_bytes()
    except BundledFileMissing as exc:
        pytest.skip(str(exc))
    state = tmp_path_factory.mktemp("localnet-state")
    process = ln.start(ledger_interval_ms=0, state_dir=state)
    try:
        deployer = Keypair.random()
        fund(process.friendbot_url, deployer.public_key)
        network = Network("ln", process.rpc_url, LOCAL_PASSPHRASE, process.friendbot_url)

        async def go() -> str:
            async with Soroban(network) as soroban:
                return (await deploy(soroban, deployer, wasm)).contract_id

        yield Localnet(process.rpc_url, process.friendbot_url, asyncio.run(go()))
    finally:
        process.stop()
