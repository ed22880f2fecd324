"""Bad input never crashes the node: malformed JSON, wrong types, unknown methods, garbage XDR
and oversized bodies each get a JSON-RPC error, and the server keeps serving."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Net

pytestmark = pytest.mark.localnet

METHODS = [
    "getHealth",
    "getNetwork",
    "getLatestLedger",
    "getVersionInfo",
    "getFeeStats",
    "getLedgerEntries",
    "getLedgers",
    "getEvents",
    "getTransaction",
    "getTransactions",
    "simulateTransaction",
    "sendTransaction",
    "localnet_closeLedger",
    "localnet_advanceTime",
]
PARAM_NAMES = [
    "transaction",
    "keys",
    "hash",
    "startLedger",
    "endLedger",
    "filters",
    "pagination",
    "seconds",
    "xdrFormat",
    "authMode",
    "resourceConfig",
]

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(
            st.sampled_from([*PARAM_NAMES, "cursor", "limit", "topics", "type"]), inner, max_size=5
        ),
    ),
    max_leaves=20,
)

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _post(client: httpx.Client, url: str, content: bytes) -> Any:
    reply = client.post(url, content=content, headers={"content-type": "application/json"})
    assert reply.status_code in (200, 413), reply.status_code
    return reply.json()


def _alive(client: httpx.Client, url: str) -> None:
    out = client.post(url, json={"jsonrpc": "2.0", "id": 7, "method": "getHealth"}).json()
    assert out["result"]["status"] == "healthy"


def _is_error(out: Any) -> bool:
    return isinstance(out, dict) and isinstance(out.get("error", {}).get("code"), int)


@FUZZ
@given(body=st.binary(max_size=300))
def test_malformed_bodies(net: Net, body: bytes) -> None:
    with httpx.Client(timeout=30) as client:
        try:
            import json

            json.loads(body)
            return  # valid JSON is covered by the other tests
        except ValueError:
            pass
        out = _post(client, net.rpc_url, body)
        assert _is_error(out)
        assert out["error"]["code"] == -32700
        _alive(client, net.rpc_url)


@FUZZ
@given(method=st.sampled_from([*METHODS, "nope", "rpc.discover", ""]), params=json_value)
def test_wrong_types_and_garbage_params(net: Net, method: str, params: Any) -> None:
    if method == "localnet_advanceTime" and isinstance(params, dict):
        params.pop("seconds", None)  # do not move time by random amounts
    with httpx.Client(timeout=30) as client:
        out = client.post(
            net.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        ).json()
        assert "result" in out or _is_error(out), out
        if method not in METHODS:
            assert out["error"]["code"] == -32601
        _alive(client, net.rpc_url)


@FUZZ
@given(
    blob=st.binary(max_size=600), method=st.sampled_from(["sendTransaction", "simulateTransaction"])
)
def test_garbage_xdr(net: Net, blob: bytes, method: str) -> None:
    with httpx.Client(timeout=30) as client:
        params = {"transaction": base64.b64encode(blob).decode()}
        out = client.post(
            net.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        ).json()
        if method == "sendTransaction":
            assert _is_error(out) or out["result"]["status"] == "ERROR", out
        else:
            assert _is_error(out) or "error" in out["result"], out
        keys = client.post(
            net.rpc_url,
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "getLedgerEntries",
                "params": {"keys": [params["transaction"]]},
            },
        ).json()
        assert _is_error(keys) or "entries" in keys["result"]
        _alive(client, net.rpc_url)


def test_oversized_and_odd_requests(net: Net) -> None:
    with httpx.Client(timeout=60) as client:
        huge = (
            b'{"jsonrpc":"2.0","id":1,"method":"getHealth","params":{"x":"'
            + b"a" * (3 * 1024 * 1024)
            + b'"}}'
        )
        out = _post(client, net.rpc_url, huge)
        assert _is_error(out)
        assert "too large" in out["error"]["message"]
        _alive(client, net.rpc_url)
        assert _is_error(_post(client, net.rpc_url, b"[]"))
        batch = _post(client, net.rpc_url, b'[{"jsonrpc":"2.0","id":1,"method":"getHealth"}, 5]')
        assert batch[0]["result"]["status"] == "healthy"
        assert _is_error(batch[1])
        assert _is_error(
            _post(client, net.rpc_url, b'{"jsonrpc":"1.0","id":1,"method":"getHealth"}')
        )
        assert _is_error(
            _post(client, net.rpc_url, b'{"jsonrpc":"2.0","id":{},"method":"getHealth"}')
        )
        deep = b"[" * 100_000 + b"]" * 100_000
        assert _is_error(_post(client, net.rpc_url, deep))
        _alive(client, net.rpc_url)
    # A raw socket that sends half a request and hangs up does not hurt either.
    import socket

    host, port = net.rpc_url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b'POST /rpc HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{"jsonrpc"')
    with httpx.Client(timeout=30) as client:
        _alive(client, net.rpc_url)
