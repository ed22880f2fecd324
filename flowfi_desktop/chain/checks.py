"""Checks made against the server before anything is signed."""

from __future__ import annotations

from flowfi_desktop.chain.rpc import RpcClient, RpcProtocolError
from flowfi_desktop.errors import RefusedError
from flowfi_desktop.networks import BUILTIN, Network


class NetworkMismatch(RefusedError):
    """The RPC server serves another network than the profile says: nothing is signed."""


def _label(passphrase: str) -> str:
    for network in BUILTIN.values():
        if network.passphrase == passphrase:
            return f"{network.name} ({passphrase!r})"
    return repr(passphrase)


def check_passphrase(network: Network, served: str) -> None:
    """Raises NetworkMismatch when `served` is not the profile's passphrase."""
    if served != network.passphrase:
        raise NetworkMismatch(
            f"refusing to sign: network {network.name!r} expects passphrase "
            f"{_label(network.passphrase)} but the RPC server at {network.rpc_url} serves "
            f"{_label(served)}; fix the RPC URL or the passphrase with `network add`/settings"
        )


async def ensure_network(rpc: RpcClient, network: Network) -> str:
    """Asks the server's `getNetwork` passphrase and checks it; returns it."""
    answer = await rpc.call("getNetwork")
    served = answer.get("passphrase")
    if not isinstance(served, str):
        raise RpcProtocolError(
            f"RPC server at {network.rpc_url} answered getNetwork without a passphrase",
            method="getNetwork",
        )
    check_passphrase(network, served)
    return served
