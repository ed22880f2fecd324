"""A local JSON-RPC server that serves a synthetic contract history like Soroban RPC does.

For tests and benchmarks of the indexer against a real HTTP server (no mocks of our own code):
``getHealth``, ``getNetwork``, ``getLatestLedger``, ``getEvents`` (stellar-rpc's paging: cursor or
startLedger, 10,000-ledger scan window, the window-end cursor on short pages, range errors) and
``getLedgerEntries`` for the contract's stream entries and instance. ``latest``/``oldest`` can be
moved to model a growing chain and the retention window; ``fault`` lets a test make any request
fail (status code, body, delay). Stream entries reflect the end of the history (``latest`` at
its last ledger).

Run alone: ``python -m flowfi_desktop.indexer.rpc_server --events 200000`` prints its URL.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from stellar_sdk import Address, scval, xdr

from flowfi_desktop.indexer.page import cursor_ledger, is_event_id, max_cursor
from flowfi_desktop.indexer.state import StreamState
from flowfi_desktop.indexer.synthetic import SyntheticHistory, close_time, generate_history
from flowfi_desktop.networks import LOCAL_PASSPHRASE

STANDALONE = LOCAL_PASSPHRASE
SCAN_LIMIT = 10_000
MAX_LIMIT = 10_000


@dataclass
class Fault:
    """How to answer instead: an HTTP status and body, after an optional delay."""

    status: int = 500
    body: bytes = b'{"error": "injected"}'
    delay: float = 0.0
    passthrough: bool = False  # only delay, then answer normally


FaultHook = Callable[[str, dict[str, Any], int], Fault | None]


def stream_scval(s: StreamState) -> xdr.SCVal:
    status = {
        "active": "Active",
        "paused": "Paused",
        "cancelled": "Cancelled",
        "completed": "Completed",
    }
    fields = {
        "deposited_amount": scval.to_int128(s.deposited_amount),
        "is_active": scval.to_bool(s.is_active),
        "last_update_time": scval.to_uint64(s.last_update_time),
        "paused": scval.to_bool(s.paused),
        "paused_at": scval.to_void() if s.paused_at is None else scval.to_uint64(s.paused_at),
        "rate_per_second": scval.to_int128(s.rate_per_second),
        "recipient": scval.to_address(s.recipient),
        "sender": scval.to_address(s.sender),
        "start_time": scval.to_uint64(s.start_time),
        "status": scval.to_vec([scval.to_symbol(status[s.status])]),
        "token_address": scval.to_address(s.token_address),
        "withdrawn_amount": scval.to_int128(s.withdrawn_amount),
    }
    return scval.to_map({scval.to_symbol(k): fields[k] for k in sorted(fields)})


def _contract_data_entry(contract: xdr.SCAddress, key: xdr.SCVal, val: xdr.SCVal) -> str:
    return str(
        xdr.LedgerEntryData(
            type=xdr.LedgerEntryType.CONTRACT_DATA,
            contract_data=xdr.ContractDataEntry(
                ext=xdr.ExtensionPoint(0),
                contract=contract,
                key=key,
                durability=xdr.ContractDataDurability.PERSISTENT,
                val=val,
            ),
        ).to_xdr()
    )


class LocalRpc:
    def __init__(
        self,
        history: SyntheticHistory,
        passphrase: str = STANDALONE,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.history = history
        self.passphrase = passphrase
        self.ids = [e["id"] for e in history.events]
        self.ledgers = [e["ledger"] for e in history.events]
        self.lines = [json.dumps(e, separators=(",", ":")) for e in history.events]
        self.latest = history.last_ledger
        self.oldest = 1
        self.fault: FaultHook | None = None
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._count = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.streams_override: dict[int, StreamState] | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/rpc"

    def start(self) -> LocalRpc:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalRpc:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ methods

    def _health(self) -> dict[str, Any]:
        return {
            "status": "healthy",
            "latestLedger": self.latest,
            "oldestLedger": self.oldest,
            "ledgerRetentionWindow": self.latest - self.oldest + 1,
            "latestLedgerCloseTime": close_time(self.latest),
        }

    def _events(self, params: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
        """The getEvents result as raw JSON text (events are pre-serialized), or an error."""
        pagination = params.get("pagination") or {}
        cursor = pagination.get("cursor")
        start_ledger = params.get("startLedger")
        limit = pagination.get("limit") or 100
        if cursor is not None and start_ledger is not None:
            return None, {"code": -32602, "message": "startLedger and cursor cannot both be set"}
        if limit > MAX_LIMIT:
            return None, {"code": -32602, "message": f"limit must not exceed {MAX_LIMIT}"}
        if cursor is not None:
            if not is_event_id(cursor):
                return None, {"code": -32602, "message": "invalid cursor"}
            after, first = cursor, cursor_ledger(cursor)
        elif isinstance(start_ledger, int):
            after, first = max_cursor(start_ledger - 1), start_ledger
        else:
            return None, {"code": -32602, "message": "startLedger or cursor is required"}
        latest, oldest = self.latest, self.oldest
        if not oldest <= first <= latest:
            return None, {
                "code": -32600,
                "message": f"startLedger must be within the ledger range: {oldest} - {latest}",
            }
        end = min(first + SCAN_LIMIT, latest + 1)
        wanted = any(
            self.history.contract_id in (f.get("contractIds") or [self.history.contract_id])
            for f in (params.get("filters") or [{}])
        )
        begin = bisect.bisect_right(self.ids, after)
        stop = bisect.bisect_left(self.ledgers, end, lo=begin)
        stop = min(stop, begin + limit) if wanted else begin
        chosen = self.lines[begin:stop]
        next_cursor = self.ids[stop - 1] if len(chosen) == limit else max_cursor(end - 1)
        text = (
            '{"events":['
            + ",".join(chosen)
            + f'],"cursor":"{next_cursor}","latestLedger":{latest},"oldestLedger":{oldest},'
            + f'"latestLedgerCloseTime":"{close_time(latest)}",'
            + f'"oldestLedgerCloseTime":"{close_time(oldest)}"}}'
        )
        return text, None

    def _ledger_entries(self, params: dict[str, Any]) -> dict[str, Any]:
        contract = Address(self.history.contract_id).to_xdr_sc_address()
        streams = self.streams_override or self.history.model.streams
        entries = []
        for key_b64 in params.get("keys") or []:
            key = xdr.LedgerKey.from_xdr(key_b64)
            data = key.contract_data
            if data is None or data.contract != contract:
                continue
            if data.key.type == xdr.SCValType.SCV_LEDGER_KEY_CONTRACT_INSTANCE:
                storage = xdr.SCMap(
                    [
                        xdr.SCMapEntry(
                            scval.to_vec([scval.to_symbol("StreamCounter")]),
                            scval.to_uint64(self.history.model.counter),
                        )
                    ]
                )
                instance = xdr.SCVal(
                    type=xdr.SCValType.SCV_CONTRACT_INSTANCE,
                    instance=xdr.SCContractInstance(
                        executable=xdr.ContractExecutable(
                            type=xdr.ContractExecutableType.CONTRACT_EXECUTABLE_WASM,
                            wasm_hash=xdr.Hash(bytes(32)),
                        ),
                        storage=storage,
                    ),
                )
                entries.append(
                    {"key": key_b64, "xdr": _contract_data_entry(contract, data.key, instance)}
                )
                continue
            native = scval.to_native(data.key)
            if isinstance(native, list) and len(native) == 2 and native[0] == "Stream":
                stream = streams.get(native[1])
                if stream is not None:
                    entries.append(
                        {
                            "key": key_b64,
                            "xdr": _contract_data_entry(contract, data.key, stream_scval(stream)),
                            "lastModifiedLedgerSeq": self.latest,
                        }
                    )
        return {"entries": entries, "latestLedger": self.latest}

    def dispatch(self, method: str, params: dict[str, Any]) -> tuple[str | None, Any, Any]:
        """(raw result JSON text | None, result object, error object)."""
        if method == "getHealth":
            return None, self._health(), None
        if method == "getNetwork":
            return None, {"passphrase": self.passphrase, "protocolVersion": 28}, None
        if method == "getLatestLedger":
            return (
                None,
                {
                    "id": f"{self.latest:064x}",
                    "sequence": self.latest,
                    "protocolVersion": 28,
                    "closeTime": str(close_time(self.latest)),
                },
                None,
            )
        if method == "getEvents":
            text, error = self._events(params)
            return text, None, error
        if method == "getLedgerEntries":
            return None, self._ledger_entries(params), None
        return None, None, {"code": -32601, "message": f"method {method!r} not found"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        rpc = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes: without this, Nagle's algorithm
                # and delayed ACKs add ~40 ms to every answer on a kept-alive connection.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length))
                method = request.get("method", "")
                params = request.get("params") or {}
                with rpc._lock:
                    rpc._count += 1
                    number = rpc._count
                    rpc.requests.append((method, params))
                fault = rpc.fault(method, params, number) if rpc.fault else None
                if fault is not None:
                    if fault.delay:
                        time.sleep(fault.delay)
                    if not fault.passthrough:
                        with contextlib.suppress(OSError):  # the client may have given up
                            self._send(fault.status, fault.body)
                        return
                text, result, error = rpc.dispatch(method, params)
                head = f'{{"jsonrpc":"2.0","id":{json.dumps(request.get("id"))},'
                if error is not None:
                    body = head + f'"error":{json.dumps(error)}}}'
                elif text is not None:
                    body = head + f'"result":{text}}}'
                else:
                    body = head + f'"result":{json.dumps(result)}}}'
                with contextlib.suppress(OSError):
                    self._send(200, body.encode())

        return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    history = generate_history(args.events, seed=args.seed)
    server = LocalRpc(history, port=args.port)
    print(
        json.dumps(
            {
                "url": server.url,
                "contract_id": history.contract_id,
                "events": len(history.events),
                "latest": server.latest,
            }
        ),
        flush=True,
    )
    server._server.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
