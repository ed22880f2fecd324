"""One instant-mode flowfi-localnet for the session, funded accounts and the stream contract.

The binary is the one `make localnet-bin` builds (found by flowfi_desktop.localnet); the tests
skip, saying why, when it is not built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from stellar_sdk import Keypair
from stellar_sdk.contract import ContractClient

from flowfi_desktop import localnet as ln
from flowfi_desktop.bundled import BundledFileMissing, contract_wasm_path

from .helpers import PASSPHRASE, fund, server


@dataclass(frozen=True)
class Net:
    rpc_url: str
    friendbot_url: str
    process: ln.Localnet


def _binary_or_skip() -> None:
    try:
        ln.find_binary()
    except ln.LocalnetError as e:
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def net() -> Iterator[Net]:
    _binary_or_skip()
    proc = ln.start(ledger_interval_ms=0)
    try:
        yield Net(proc.rpc_url, proc.friendbot_url, proc)
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def make_account(net: Net) -> Callable[[], Keypair]:
    def make() -> Keypair:
        kp = Keypair.random()
        fund(net.friendbot_url, kp)
        return kp

    return make


@pytest.fixture(scope="session")
def deployer(make_account: Callable[[], Keypair]) -> Keypair:
    return make_account()


@pytest.fixture(scope="session")
def wasm_bytes() -> bytes:
    try:
        return contract_wasm_path().read_bytes()
    except BundledFileMissing as e:
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def stream_contract(net: Net, deployer: Keypair, wasm_bytes: bytes) -> str:
    srv = server(net.rpc_url)
    wasm_id = ContractClient.upload_contract_wasm(
        wasm_bytes, deployer.public_key, deployer, srv, network_passphrase=PASSPHRASE
    )
    contract_id: str = ContractClient.create_contract(
        wasm_id, deployer.public_key, deployer, srv, network_passphrase=PASSPHRASE
    )
    return contract_id
