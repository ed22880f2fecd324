"""An httpx transport for stellar-sdk's async clients, so `SorobanServerAsync` needs no aiohttp.

    server = SorobanServerAsync(url, client=HttpxAsyncClient())

It shares the RPC client's policy (`HttpCaller`): a deadline on every request, bounded jittered
retries for reads, no blind retry of `sendTransaction`, the optional rate cap. Failures raise our
`RpcError` family; a 2xx body that is not a JSON object raises `RpcProtocolError` here rather
than a bare `JSONDecodeError` deep inside the SDK.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import httpx
from stellar_sdk.client.base_async_client import BaseAsyncClient
from stellar_sdk.client.response import Response

from flowfi_desktop.chain.rpc import (
    NON_IDEMPOTENT_METHODS,
    HttpCaller,
    RetryPolicy,
    RpcProtocolError,
    redact_url,
)


class HttpxAsyncClient(BaseAsyncClient):
    """`BaseAsyncClient` over httpx with our timeouts, retries and rate cap."""

    def __init__(
        self,
        caller: HttpCaller | None = None,
        *,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.caller = caller or HttpCaller(timeout=timeout, retry=retry, transport=transport)

    async def get(
        self,
        url: str,
        params: dict[str, str] | None = None,
        max_content_size: int | None = None,
    ) -> Response:
        reply = await self.caller.request("GET", url, what=f"GET {redact_url(url)}", params=params)
        if max_content_size is not None and len(reply.text.encode()) > max_content_size:
            raise RpcProtocolError(
                f"answer from {redact_url(url)} is larger than {max_content_size} bytes",
                url=redact_url(url),
            )
        return Response(reply.status, reply.text, reply.headers, reply.url)

    async def post(
        self,
        url: str,
        data: dict[str, str] | None = None,
        json_data: dict[str, Any] | None = None,
    ) -> Response:
        if data is not None:
            raise NotImplementedError("form posts are not used with Soroban RPC")
        method = str((json_data or {}).get("method", "POST"))
        reply = await self.caller.request(
            "POST",
            url,
            what=method,
            json_body=json_data,
            idempotent=method not in NON_IDEMPOTENT_METHODS,
        )
        if 200 <= reply.status < 300:
            try:
                body = json.loads(reply.text)
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = None
            if not isinstance(body, dict) or ("result" not in body and "error" not in body):
                raise RpcProtocolError(
                    f"RPC server at {redact_url(url)} answered {method} with something that is "
                    "not a JSON-RPC reply (is the URL an RPC endpoint?)",
                    method=method,
                    url=redact_url(url),
                )
        return Response(reply.status, reply.text, reply.headers, reply.url)

    def stream(
        self, url: str, params: dict[str, str] | None = None
    ) -> AsyncGenerator[dict[str, Any], None]:
        raise NotImplementedError(
            "server-sent event streams are Horizon-only; RPC does not use them"
        )

    async def close(self) -> None:
        await self.caller.close()
