"""A tiny real HTTP server on loopback that misbehaves on purpose: for faults a real RPC server
will not produce on demand (hangs, garbage, 5xx, another network's passphrase)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _handler(mode: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            if mode == "hang":
                time.sleep(3)
                return
            if mode == "garbage":
                payload = b"<html>this is not an RPC server</html>"
                status = 200
            elif mode == "http500":
                payload, status = b"oops", 500
            elif mode == "bad-xdr":
                # Well-formed JSON-RPC whose XDR does not decode.
                if body.get("method") == "getNetwork":
                    result = {"passphrase": "Standalone Network ; February 2017"}
                elif body.get("method") == "getLedgerEntries":
                    entry = {"key": "AAAA", "xdr": "AAAA////", "lastModifiedLedgerSeq": 1}
                    result = {"entries": [entry], "latestLedger": 1}
                else:
                    result = {
                        "results": [{"xdr": "not//xdr", "auth": []}],
                        "transactionData": "AAAAbad=",
                        "minResourceFee": "100",
                        "latestLedger": 1,
                        "events": ["zzzz"],
                    }
                payload = json.dumps({"jsonrpc": "2.0", "id": body.get("id"), "result": result})
                payload, status = payload.encode(), 200
            elif mode == "wrong-network":
                result = {"passphrase": "Test SDF Network ; September 2015", "protocolVersion": 28}
                payload = json.dumps({"jsonrpc": "2.0", "id": body.get("id"), "result": result})
                payload, status = payload.encode(), 200
            else:
                raise AssertionError(mode)
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextmanager
def fault_server(mode: str) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mode))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/rpc"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
