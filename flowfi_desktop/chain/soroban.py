"""One network's RPC: our raw client plus stellar-sdk's `SorobanServerAsync` over the same HTTP
policy, with the SDK's exceptions turned into ours.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

import pydantic
from stellar_sdk import Account, TransactionEnvelope
from stellar_sdk import exceptions as sdk_errors
from stellar_sdk.soroban_rpc import (
    GetTransactionResponse,
    SendTransactionResponse,
    SimulateTransactionResponse,
)
from stellar_sdk.soroban_server_async import SorobanServerAsync

from flowfi_desktop.chain.rpc import (
    RetryPolicy,
    RpcClient,
    RpcProtocolError,
    RpcServerError,
    RpcUnavailable,
    redact_url,
)
from flowfi_desktop.chain.transport import HttpxAsyncClient
from flowfi_desktop.errors import InputError
from flowfi_desktop.networks import Network

T = TypeVar("T")


class AccountMissing(InputError):
    """The account does not exist on this network (not funded yet)."""


class Soroban:
    """RPC access to one network."""

    def __init__(
        self,
        network: Network,
        *,
        timeout: float = 15.0,
        attempts: int = 4,
        rate_limit: float | None = None,
        transport: Any = None,
    ) -> None:
        self.network = network
        self.url = network.rpc_url
        self.rpc = RpcClient(
            network.rpc_url,
            timeout=timeout,
            retry=RetryPolicy(attempts=attempts),
            rate_limit=rate_limit if network.public else None,
            transport=transport,
        )
        self.server = SorobanServerAsync(network.rpc_url, client=HttpxAsyncClient(self.rpc.http))

    async def close(self) -> None:
        await self.rpc.close()

    async def __aenter__(self) -> Soroban:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def guard(self, what: str, call: Awaitable[T]) -> T:
        """Awaits an SDK call, mapping its exceptions onto our error family."""
        shown = redact_url(self.url)
        try:
            return await call
        except sdk_errors.SorobanRpcErrorResponse as exc:
            raise RpcServerError(int(exc.code), str(exc.message), method=what, url=shown) from None
        except pydantic.ValidationError:
            raise RpcProtocolError(
                f"RPC server at {shown} answered {what} with an unexpected shape",
                method=what,
                url=shown,
            ) from None
        except sdk_errors.BaseHorizonError as exc:
            if exc.status < 500:
                raise RpcProtocolError(
                    f"RPC server at {shown} answered HTTP {exc.status} to {what}; check the URL",
                    method=what,
                    url=shown,
                ) from None
            raise RpcUnavailable(
                f"RPC server at {shown} answered HTTP {exc.status} to {what}",
                method=what,
                url=shown,
            ) from None
        except sdk_errors.ConnectionError:
            raise RpcUnavailable(
                f"could not reach the RPC server at {shown} for {what}", method=what, url=shown
            ) from None

    # ------------------------------------------------------------ calls

    async def network_passphrase(self) -> str:
        answer = await self.rpc.call("getNetwork")
        passphrase = answer.get("passphrase")
        if not isinstance(passphrase, str):
            raise RpcProtocolError(
                f"RPC server at {redact_url(self.url)} answered getNetwork without a passphrase"
            )
        return passphrase

    async def latest_ledger(self) -> int:
        answer = await self.rpc.call("getLatestLedger")
        sequence = answer.get("sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            raise RpcProtocolError(
                f"RPC server at {redact_url(self.url)} answered getLatestLedger without a sequence"
            )
        return sequence

    async def load_account(self, address: str) -> Account:
        try:
            account: Account = await self.guard(
                "getLedgerEntries", self.server.load_account(address)
            )
        except (ValueError, AssertionError, IndexError, AttributeError) as exc:
            if isinstance(exc, InputError):
                raise
            raise RpcProtocolError(
                f"RPC server at {redact_url(self.url)} answered getLedgerEntries with an "
                "account entry that does not decode",
                method="getLedgerEntries",
                url=redact_url(self.url),
            ) from None
        except sdk_errors.AccountNotFoundException:
            raise AccountMissing(
                f"account {address} does not exist on {self.network.name} yet: fund it first "
                "(`account fund` on test networks)"
            ) from None
        return account

    async def simulate(
        self, envelope: TransactionEnvelope, auth_mode: Any = None
    ) -> SimulateTransactionResponse:
        response: SimulateTransactionResponse = await self.guard(
            "simulateTransaction",
            self.server.simulate_transaction(envelope, auth_mode=auth_mode),
        )
        return response

    async def send(self, envelope: TransactionEnvelope) -> SendTransactionResponse:
        response: SendTransactionResponse = await self.guard(
            "sendTransaction", self.server.send_transaction(envelope)
        )
        return response

    async def get_transaction(self, tx_hash: str) -> GetTransactionResponse:
        response: GetTransactionResponse = await self.guard(
            "getTransaction", self.server.get_transaction(tx_hash)
        )
        return response
