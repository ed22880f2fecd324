"""Token metadata (decimals, symbol, name) of every indexed stream's token, into the index's
``tokens`` table, so lists can show amounts with the right decimals.

The native token's are fixed (7, ``XLM``, as ``flowfi_desktop.tokens`` has them) and need no
call. Other tokens are read by simulating their SEP-41 ``decimals()``/``symbol()``/``name()``
with the wallet core's ``tokens.token_info`` (``SorobanTokenReader``); the indexer asks only
about tokens it has streams of and no metadata for, once per sync run, and a token that cannot
be read is tried again on a later run.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stellar_sdk import Asset

if TYPE_CHECKING:
    from flowfi_desktop.chain.soroban import Soroban


@dataclass(frozen=True)
class TokenMeta:
    decimals: int
    symbol: str
    name: str


TokenReader = Callable[[str], Awaitable[TokenMeta]]


NATIVE = TokenMeta(7, "XLM", "native")  # as flowfi_desktop.tokens.token_info has it


@functools.cache
def native_meta(passphrase: str) -> tuple[str, TokenMeta]:
    """The native token's contract id on this network and its fixed metadata (stellar-sdk's
    Asset directly: importing the wallet core's token module on the loop took tens of ms)."""
    address: str = Asset.native().contract_id(passphrase)
    return address, NATIVE


class SorobanTokenReader:
    """Reads a token's metadata by simulation (the wallet core's ``token_info``); its RPC
    client is made on first use and closed with ``close()``."""

    def __init__(self, network: str, rpc_url: str, passphrase: str, timeout: float = 30.0):
        self.network, self.rpc_url, self.passphrase = network, rpc_url, passphrase
        self.timeout = timeout
        self._soroban: Soroban | None = None

    async def __call__(self, address: str) -> TokenMeta:
        if self._soroban is None:
            # Off the loop: importing the wallet core's transaction code and making an HTTP
            # client (it loads the CA store) took 70-120 ms.
            self._soroban = await asyncio.to_thread(self._make)
        from flowfi_desktop.tokens import token_info

        info = await token_info(self._soroban, address, None)
        return TokenMeta(info.decimals, info.symbol, info.name)

    def _make(self) -> Soroban:
        from flowfi_desktop.chain.soroban import Soroban
        from flowfi_desktop.networks import Network
        from flowfi_desktop.tokens import token_info  # noqa: F401 - imported here, off the loop

        network = Network(self.network, self.rpc_url, self.passphrase)
        return Soroban(network, timeout=self.timeout, attempts=2)

    async def close(self) -> None:
        if self._soroban is not None:
            await self._soroban.close()
            self._soroban = None
