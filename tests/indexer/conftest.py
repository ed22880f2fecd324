"""The localnet fixtures (one flowfi-localnet process, funded accounts, the deployed stream
contract) for the indexer's chain-backed tests; they skip when the binary is not built."""

from tests.localnet.conftest import (  # noqa: F401 - fixtures, found by name
    deployer,
    make_account,
    net,
    stream_contract,
    wasm_bytes,
)
