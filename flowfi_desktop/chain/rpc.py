"""A raw JSON-RPC client for Soroban (Stellar) RPC over httpx.

Every call has a deadline. Reads are retried a bounded number of times with jittered exponential
backoff when the failure is one that retrying can cure (could not connect, timed out, HTTP 5xx or
429). `sendTransaction` is never retried blindly: only when the connection could not even be
opened (the request never left this machine); a TRY_AGAIN_LATER answer is handled by the caller
that owns the transaction. An optional token bucket keeps us polite to public servers.

Errors form one hierarchy under `RpcError`; each says what failed and whether retrying can help
(`retryable`). Messages carry the method and the server's address without its query string or
credentials, never the request's parameters.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from flowfi_desktop.errors import NetworkError

T = TypeVar("T")

log = logging.getLogger(__name__)

#: Methods whose repetition could do something twice; only connect failures are retried for them.
NON_IDEMPOTENT_METHODS = frozenset({"sendTransaction"})

Sleep = Callable[[float], Awaitable[None]]


# ---------------------------------------------------------------- errors


class RpcError(NetworkError):
    """An RPC call failed. `retryable` says whether trying again later can help."""

    retryable: bool = False

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class RpcUnavailable(RpcError):
    """The server could not be reached or answered 5xx/429: retrying later can help."""

    retryable = True

    def __init__(
        self, message: str, *, method: str = "", url: str = "", status: int | None = None
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status = status


class RpcTimeout(RpcError):
    """The server did not answer in time: retrying later can help."""

    retryable = True


class RpcProtocolError(RpcError):
    """The server answered something that is not a valid JSON-RPC reply: retrying will not help."""

    retryable = False


class RpcServerError(RpcError):
    """The server answered with a JSON-RPC error object (`code`, `message`)."""

    def __init__(self, code: int, server_message: str, *, method: str = "", url: str = "") -> None:
        self.code = code
        self.server_message = server_message
        hint = (
            "retrying later may help"
            if code == -32603
            else "retrying the same request will not help"
        )
        super().__init__(
            f"RPC {method} at {url} returned error {code}: {server_message} ({hint})",
            method=method,
            url=url,
        )
        # Internal errors of the server may be transient; the rest describe our request.
        self.retryable = code == -32603


# ---------------------------------------------------------------- policy pieces


def redact_url(url: str) -> str:
    """The URL without credentials, query or fragment (API keys often travel there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with 'full jitter' exponential backoff."""

    attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 4.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must not be negative")

    def delay(self, retry_number: int, rng: random.Random) -> float:
        """Seconds to wait before retry `retry_number` (0 for the first retry)."""
        cap = min(self.max_delay, self.base_delay * (2**retry_number))
        return rng.uniform(0.0, cap)


NO_RETRY = RetryPolicy(attempts=1)


class RateLimiter:
    """A token bucket: at most `rate` requests a second on average, bursts up to `burst`."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await self._sleep((1.0 - self._tokens) / self.rate)


# ---------------------------------------------------------------- HTTP with the policy


@dataclass(frozen=True)
class HttpReply:
    status: int
    content: bytes
    headers: dict[str, str]
    url: str
    encoding: str = "utf-8"

    @property
    def text(self) -> str:
        """The body as text (decoded on demand: a fast reader may use ``content`` directly)."""
        return self.content.decode(self.encoding, errors="replace")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings every HTTP client shares (httpx's defaults: certifi's CA bundle, or
    SSL_CERT_FILE / SSL_CERT_DIR). Building them reads the whole CA bundle, ~25 ms with the GIL
    held; each new client paid that twice (50 ms), on the GUI thread at every account switch.
    A configured SSLContext is safe to share between clients and threads."""
    return httpx.create_ssl_context()


class HttpCaller:
    """POST/GET with a deadline per attempt, retries per `RetryPolicy`, and the rate cap.

    Shared by `RpcClient` and the stellar-sdk transport so both behave the same.
    """

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            verify=tls_context(),
        )
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def request(
        self,
        http_method: str,
        url: str,
        *,
        what: str,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool = True,
    ) -> HttpReply:
        """One logical request; raises RpcUnavailable or RpcTimeout when every attempt failed."""
        shown = redact_url(url)
        policy = self.retry
        last: RpcError | None = None
        for attempt in range(policy.attempts):
            if attempt:
                delay = policy.delay(attempt - 1, self._rng)
                log.info("retrying %s at %s in %.2f s (%s)", what, shown, delay, last)
                await self._sleep(delay)
            if self.rate_limiter is not None:
                await self.rate_limiter.acquire()
            try:
                async with asyncio.timeout(self.timeout):
                    response = await self._client.request(
                        http_method, url, json=json_body, params=params
                    )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # The request never left: safe to retry even for sendTransaction.
                last = RpcUnavailable(
                    f"could not connect to the RPC server at {shown} for {what} "
                    f"({type(exc).__name__})",
                    method=what,
                    url=shown,
                )
                continue
            except (TimeoutError, httpx.TimeoutException):
                last = RpcTimeout(
                    f"RPC {what} at {shown} did not answer within {self.timeout:g} s",
                    method=what,
                    url=shown,
                )
                if not idempotent:
                    # The server may have received it: do not send it again blindly.
                    raise RpcTimeout(
                        f"{last}; it may or may not have been received, so it was not re-sent "
                        "(check the transaction status before trying again)",
                        method=what,
                        url=shown,
                    ) from None
                continue
            except httpx.TransportError as exc:
                last = RpcUnavailable(
                    f"the connection to {shown} failed during {what} ({type(exc).__name__})",
                    method=what,
                    url=shown,
                )
                if not idempotent:
                    raise RpcUnavailable(
                        f"{last}; it may or may not have been received, so it was not re-sent "
                        "(check the transaction status before trying again)",
                        method=what,
                        url=shown,
                    ) from None
                continue
            status = response.status_code
            if status == 429 or 500 <= status < 600:
                last = RpcUnavailable(
                    f"RPC server at {shown} answered HTTP {status} to {what}"
                    + (" (rate limited)" if status == 429 else " (server error)"),
                    method=what,
                    url=shown,
                    status=status,
                )
                if not idempotent and status != 429 and status != 503:
                    raise RpcUnavailable(
                        f"{last}; it was not re-sent (check the transaction status first)",
                        method=what,
                        url=shown,
                        status=status,
                    )
                continue
            return HttpReply(
                status,
                response.content,
                dict(response.headers),
                str(response.url),
                response.encoding or "utf-8",
            )
        assert last is not None
        hint = "retrying later may help"
        message = f"{last} (gave up after {policy.attempts} attempts; {hint})"
        if isinstance(last, RpcTimeout):
            raise RpcTimeout(message, method=what, url=shown)
        last_status = last.status if isinstance(last, RpcUnavailable) else None
        raise RpcUnavailable(message, method=what, url=shown, status=last_status)


# ---------------------------------------------------------------- JSON-RPC


def parse_jsonrpc_reply(text: str, *, method: str, url: str, request_id: int | None) -> Any:
    """The `result` of a JSON-RPC reply, or the matching RpcError."""
    try:
        body = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RpcProtocolError(
            f"RPC server at {url} answered {method} with something that is not JSON "
            "(is the URL an RPC endpoint?)",
            method=method,
            url=url,
        ) from None
    if not isinstance(body, dict):
        raise RpcProtocolError(
            f"RPC server at {url} answered {method} with a JSON {type(body).__name__}, "
            "not a JSON-RPC object",
            method=method,
            url=url,
        )
    if request_id is not None and "id" in body and body["id"] != request_id:
        raise RpcProtocolError(
            f"RPC server at {url} answered {method} for another request id",
            method=method,
            url=url,
        )
    error = body.get("error")
    if error is not None:
        if (
            not isinstance(error, dict)
            or not isinstance(error.get("code"), int)
            or isinstance(error.get("code"), bool)
        ):
            raise RpcProtocolError(
                f"RPC server at {url} answered {method} with a malformed error object",
                method=method,
                url=url,
            )
        message = error.get("message")
        raise RpcServerError(
            error["code"], str(message) if message is not None else "", method=method, url=url
        )
    if "result" not in body:
        raise RpcProtocolError(
            f"RPC server at {url} answered {method} without a result", method=method, url=url
        )
    return body["result"]


class RpcClient:
    """Raw JSON-RPC 2.0 calls to one Soroban RPC server."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        rate_limit: float | None = None,
        burst: int = 5,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"RPC URL must start with http:// or https://, got {redact_url(url)}")
        self.url = url
        limiter = RateLimiter(rate_limit, burst, sleep=sleep) if rate_limit else None
        self.http = HttpCaller(
            timeout=timeout,
            retry=retry,
            rate_limiter=limiter,
            client=client,
            transport=transport,
            sleep=sleep,
            rng=rng,
        )
        self._ids = itertools.count(1)

    async def __aenter__(self) -> RpcClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.http.close()

    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Call `method` with by-name `params`; the `result` object, validated to be an object."""
        return await self.call_decoded(method, params, None)

    async def call_decoded(
        self,
        method: str,
        params: Mapping[str, Any] | None,
        decode: Callable[[bytes, int], T | None] | None,
        *,
        decode_off_loop: bool = False,
    ) -> T | dict[str, Any]:
        """``call``, but a 2xx reply's body goes to ``decode(body, request_id)`` first: a typed
        reader for one method's answer (the indexer's getEvents). When it returns None the
        reply is read the generic way: the matching error, or the result as plain JSON.
        ``decode_off_loop``: run ``decode`` in a worker thread (a reader that releases the GIL
        for milliseconds, like the indexer's native one, then leaves the loop free)."""
        request_id = next(self._ids)
        body = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": dict(params or {})}
        shown = redact_url(self.url)
        reply = await self.http.request(
            "POST",
            self.url,
            what=method,
            json_body=body,
            idempotent=method not in NON_IDEMPOTENT_METHODS,
        )
        if not 200 <= reply.status < 300:
            # A JSON-RPC error may still come with a 4xx status; prefer its words when present.
            try:
                parse_jsonrpc_reply(reply.text, method=method, url=shown, request_id=request_id)
            except RpcServerError:
                raise
            except RpcProtocolError:
                pass
            raise RpcProtocolError(
                f"RPC server at {shown} answered HTTP {reply.status} to {method}; "
                "check the RPC URL",
                method=method,
                url=shown,
            )
        if decode is not None:
            if decode_off_loop:
                decoded = await asyncio.to_thread(decode, reply.content, request_id)
            else:
                decoded = decode(reply.content, request_id)
            if decoded is not None:
                return decoded
        result = parse_jsonrpc_reply(reply.text, method=method, url=shown, request_id=request_id)
        if not isinstance(result, dict):
            raise RpcProtocolError(
                f"RPC server at {shown} answered {method} with a result that is not an object",
                method=method,
                url=shown,
            )
        return result
