"""The raw JSON-RPC client and the stellar-sdk transport, against scripted HTTP answers.

httpx.MockTransport stands in for faults a real server will not produce on demand: timeouts,
5xx, rate limiting, garbage bodies.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from stellar_sdk import SorobanServerAsync

from flowfi_desktop.chain.rpc import (
    RateLimiter,
    RetryPolicy,
    RpcClient,
    RpcError,
    RpcProtocolError,
    RpcServerError,
    RpcTimeout,
    RpcUnavailable,
    redact_url,
)
from flowfi_desktop.chain.transport import HttpxAsyncClient
from flowfi_desktop.errors import NetworkError

URL = "http://rpc.test/rpc"
NETWORK = {"passphrase": "Test SDF Network ; September 2015", "protocolVersion": 28}


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def ok(request: httpx.Request, result: Any) -> httpx.Response:
    body = json.loads(request.content)
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})


def client(
    handler: Callable[[httpx.Request], Any], sleeps: Sleeps | None = None, **kw: Any
) -> RpcClient:
    return RpcClient(
        URL,
        transport=httpx.MockTransport(handler),
        sleep=sleeps or Sleeps(),
        rng=random.Random(7),
        **kw,
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_call_sends_jsonrpc_and_returns_the_result() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return ok(request, NETWORK)

    assert run(client(handler).call("getNetwork")) == NETWORK
    assert seen[0]["jsonrpc"] == "2.0"
    assert seen[0]["method"] == "getNetwork"
    assert seen[0]["params"] == {}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<html>502 bad gateway</html>", "not JSON"),
        (b"[1, 2, 3]", "JSON list"),
        (b'{"jsonrpc": "2.0", "id": 1}', "without a result"),
        (b'{"jsonrpc": "2.0", "id": 1, "result": 5}', "not an object"),
        (b'{"jsonrpc": "2.0", "id": 1, "error": "boom"}', "malformed error"),
        (b'{"jsonrpc": "2.0", "id": 99, "result": {}}', "another request id"),
    ],
)
def test_garbage_answers_are_protocol_errors_and_not_retried(body: bytes, words: str) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=body)

    with pytest.raises(RpcProtocolError, match=words) as info:
        run(client(handler).call("getHealth"))
    assert not info.value.retryable
    assert len(calls) == 1


def test_jsonrpc_error_object_becomes_server_error_with_code() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "bad params"}},
        )

    with pytest.raises(RpcServerError) as info:
        run(client(handler).call("getEvents", {"startLedger": 0}))
    assert info.value.code == -32602
    assert info.value.server_message == "bad params"
    assert "getEvents" in str(info.value)
    assert "will not help" in str(info.value)
    assert not info.value.retryable


def test_5xx_is_retried_with_growing_jittered_backoff_then_succeeds() -> None:
    answers = [503, 500, 502]
    sleeps = Sleeps()

    def handler(request: httpx.Request) -> httpx.Response:
        if answers:
            return httpx.Response(answers.pop(0), text="busy")
        return ok(request, {"status": "healthy"})

    rpc = client(handler, sleeps, retry=RetryPolicy(attempts=4, base_delay=1.0, max_delay=8.0))
    assert run(rpc.call("getHealth")) == {"status": "healthy"}
    assert len(sleeps.delays) == 3
    for n, delay in enumerate(sleeps.delays):
        assert 0.0 <= delay <= 2.0**n


def test_5xx_every_time_gives_up_after_the_bound_with_a_retry_hint() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(500)

    with pytest.raises(RpcUnavailable) as info:
        run(client(handler, retry=RetryPolicy(attempts=3)).call("getLatestLedger"))
    assert len(calls) == 3
    assert info.value.retryable
    assert info.value.status == 500
    message = str(info.value)
    assert "HTTP 500" in message
    assert "3 attempts" in message
    assert "retrying later may help" in message


def test_429_is_retried() -> None:
    answers = [429]

    def handler(request: httpx.Request) -> httpx.Response:
        if answers:
            return httpx.Response(answers.pop())
        return ok(request, {"sequence": 5})

    assert run(client(handler).call("getLatestLedger")) == {"sequence": 5}


def test_a_server_that_never_answers_times_out() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return ok(request, {})

    rpc = client(handler, timeout=0.05, retry=RetryPolicy(attempts=2, base_delay=0.0))
    with pytest.raises(RpcTimeout, match=r"did not answer within 0.05 s") as info:
        run(rpc.call("getHealth"))
    assert info.value.retryable
    assert isinstance(info.value, NetworkError)
    assert info.value.exit_code == 3


def test_read_timeouts_are_retried_for_reads() -> None:
    answers: list[Exception] = [httpx.ReadTimeout("slow")]

    def handler(request: httpx.Request) -> httpx.Response:
        if answers:
            raise answers.pop()
        return ok(request, {"status": "healthy"})

    assert run(client(handler).call("getHealth")) == {"status": "healthy"}


def test_connection_refused_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(RpcUnavailable, match="could not connect") as info:
        run(client(handler, retry=RetryPolicy(attempts=2)).call("getHealth"))
    assert info.value.retryable


@pytest.mark.parametrize(
    "fault",
    [
        lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow")),
        lambda r: httpx.Response(500),
        lambda r: (_ for _ in ()).throw(httpx.RemoteProtocolError("dropped")),
    ],
    ids=["timeout", "http-500", "dropped"],
)
def test_send_transaction_is_never_resent_after_it_may_have_arrived(
    fault: Callable[[httpx.Request], httpx.Response],
) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return fault(request)

    with pytest.raises(RpcError, match="not re-sent"):
        run(client(handler).call("sendTransaction", {"transaction": "AAAA"}))
    assert len(calls) == 1


def test_send_transaction_is_retried_when_the_connection_never_opened() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused")
        return ok(request, {"status": "PENDING", "hash": "ab"})

    assert run(client(handler).call("sendTransaction", {"transaction": "AAAA"}))["status"] == (
        "PENDING"
    )
    assert len(calls) == 2


def test_messages_never_show_url_credentials_or_query() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"nope")

    rpc = RpcClient(
        "https://user:pw@rpc.example/rpc?apikey=SECRETKEY",
        transport=httpx.MockTransport(handler),
        sleep=Sleeps(),
    )
    with pytest.raises(RpcProtocolError) as info:
        run(rpc.call("getHealth"))
    assert "SECRETKEY" not in str(info.value)
    assert "pw" not in str(info.value)
    assert "https://rpc.example/rpc" in str(info.value)
    assert redact_url("http://a:b@h:8000/rpc?x=1#f") == "http://h:8000/rpc"


def test_params_are_not_in_error_messages() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500)

    with pytest.raises(RpcError) as info:
        run(client(handler).call("sendTransaction", {"transaction": "ENVELOPEXDR"}))
    assert "ENVELOPEXDR" not in str(info.value)


def test_rpc_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        RpcClient("ftp://x/rpc")


def test_rate_limiter_spaces_requests_beyond_the_burst() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)
        now[0] += delay

    async def go() -> None:
        limiter = RateLimiter(2.0, burst=2, clock=lambda: now[0], sleep=sleep)
        for _ in range(6):
            await limiter.acquire()

    run(go())
    # Two free (burst), then one every 0.5 s at 2 requests a second.
    assert now[0] == pytest.approx(2.0)
    assert all(d == pytest.approx(0.5) for d in slept)


def test_client_with_rate_limit_still_answers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok(request, {"status": "healthy"})

    async def go() -> int:
        rpc = client(handler, rate_limit=1000.0, burst=1)
        async with rpc:
            results = [await rpc.call("getHealth") for _ in range(3)]
        return len(results)

    assert run(go()) == 3


# ---------------------------------------------------------------- stellar-sdk over our transport


def test_soroban_server_async_works_over_the_httpx_transport() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok(request, NETWORK | {"friendbotUrl": "http://fb/"})

    async def go() -> str:
        transport = HttpxAsyncClient(transport=httpx.MockTransport(handler))
        async with SorobanServerAsync(URL, client=transport) as server:
            network = await server.get_network()
        return str(network.passphrase)

    assert run(go()) == NETWORK["passphrase"]


def test_soroban_server_async_gets_protocol_error_for_garbage() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>hello</html>")

    async def go() -> None:
        transport = HttpxAsyncClient(transport=httpx.MockTransport(handler))
        async with SorobanServerAsync(URL, client=transport) as server:
            await server.get_network()

    with pytest.raises(RpcProtocolError, match="not a JSON-RPC reply"):
        run(go())


def test_soroban_server_async_retries_reads_but_not_sends() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)["method"])
        return httpx.Response(502)

    async def go(which: str) -> None:
        transport = HttpxAsyncClient(
            transport=httpx.MockTransport(handler), retry=RetryPolicy(attempts=3, base_delay=0)
        )
        async with SorobanServerAsync(URL, client=transport) as server:
            if which == "read":
                await server.get_health()
            else:
                await server.send_transaction("AAAA")

    with pytest.raises(RpcUnavailable):
        run(go("read"))
    assert calls == ["getHealth"] * 3
    calls.clear()
    with pytest.raises(RpcUnavailable, match="not re-sent"):
        run(go("send"))
    assert calls == ["sendTransaction"]


def test_transport_stream_is_not_supported() -> None:
    transport = HttpxAsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    with pytest.raises(NotImplementedError):
        transport.stream(URL)
