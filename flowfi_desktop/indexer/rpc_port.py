"""What the indexer needs from an RPC client.

One coroutine, ``call(method, params)``, returning the JSON-RPC ``result`` as plain JSON (no
models: the indexer reads getEvents itself for speed) and raising ``NetworkError`` subclasses.
A client may also offer ``call_decoded(method, params, decode, decode_off_loop=...)``, which
hands the reply body to a typed reader first, in a worker thread if asked (``RpcClient`` does;
the indexer uses it for getEvents, whose native reader releases the GIL, see ``page.py``).
``flowfi_desktop.chain.rpc.RpcClient`` is the implementation; build it with ``retry=NO_RETRY``
for the indexer, whose loop does its own retrying so it can report each attempt as a status.
A JSON-RPC error carries its ``code`` attribute (``RpcServerError``).
"""

from __future__ import annotations

from typing import Any, Protocol

from flowfi_desktop.chain.rpc import NO_RETRY, RpcClient
from flowfi_desktop.errors import NetworkError


class RpcCaller(Protocol):
    async def call(self, method: str, params: dict[str, Any]) -> Any: ...


class RpcDataError(NetworkError):
    """The RPC answered well-formed JSON-RPC whose content is unusable (retry later)."""


def error_code(error: BaseException) -> int | None:
    """The JSON-RPC error code of a failed call, if the server answered with one."""
    code = getattr(error, "code", None)
    return code if isinstance(code, int) else None


def indexer_rpc(url: str, timeout: float = 30.0) -> RpcClient:
    """The RPC client the indexer uses: per-call deadline, no retries of its own."""
    return RpcClient(url, timeout=timeout, retry=NO_RETRY)
