"""End-to-end ingest: getEvents JSON over HTTP from a local server -> decoded -> committed.

A local JSON-RPC server (its own process, ``flowfi_desktop.indexer.rpc_server``) serves a
deterministic synthetic history of the stream contract in its real event shapes (valid XDR).
Each catch-up runs in a fresh process into a fresh SQLite file on disk, with stream state and
cursor committed per page exactly as ``flowfi-desktop sync`` does: its asyncio loop (HTTP,
JSON, checks, decoding, applying events) and the indexer's writer thread (SQLite, which releases
the GIL) overlap on two cores, so wall time can beat CPU time; the CPU rate counts both threads
(``BENCH_INGEST_PIN=1`` pins the ingest process to one CPU and the server to another).
Reported, as medians of several runs:

- end-to-end events/s, by wall clock and per CPU-second of the ingest process (the machine may
  be shared: CPU time is what one core spends, wall time includes waiting for the server and
  for other processes);
- stellar-sdk's generic decode (``SCVal.from_xdr`` + ``scval.to_native``) and our decoder on
  the same events;
- the page readers on the same reply bodies: the native one (``flowfi_native``) and the Python
  readers (msgspec, checks, decode);
- a raw SQLite ``executemany`` of the same rows into the same schema;
- peak memory: the peak RSS (``ru_maxrss``) of the ingest process during the whole catch-up,
  interpreter and libraries included;
- the longest the asyncio loop was held at once during the catch-up (a 5 ms ticker beside the
  sync: what a GUI on that loop would feel).

``BENCH_INGEST_EVENTS`` (default 200,000) and ``BENCH_INGEST_RUNS`` (default 3) adjust it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

EVENTS = int(os.environ.get("BENCH_INGEST_EVENTS", "200000"))
RUNS = int(os.environ.get("BENCH_INGEST_RUNS", "3"))
GENERIC_SAMPLE = 5_000  # the generic path is slow: a sample is enough for its rate
BAR_RATE, BAR_RATIO, BAR_MEMORY_MB = 25_000, 10.0, 300


def _cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def _pin(cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


# ---------------------------------------------------------------- the ingest child process


def _child_ingest(url: str, contract_id: str, folder: str, cpu: str) -> None:
    _pin(int(cpu) if cpu != "-" else None)
    from flowfi_desktop.indexer import commands
    from flowfi_desktop.indexer.rpc_server import STANDALONE

    commands.freeze_startup_objects()  # as `flowfi-desktop sync` does
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    target = commands.IndexTarget(
        Path(folder) / "index.sqlite3", "bench", STANDALONE, url, contract_id, 1
    )

    indexers: list[Any] = []

    async def catch_up() -> tuple[Any, float]:
        # A ticker beside the sync: the longest it waits past its 5 ms is how long the loop
        # (the GUI's, in the app) was held at once. It costs the process well under 1%.
        task = asyncio.get_running_loop().create_task(
            commands.sync(target, indexer_ready=indexers.append)
        )
        longest = 0.0
        while not task.done():
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            longest = max(longest, time.perf_counter() - before - 0.005)
        return await task, longest

    wall, cpu_start = time.perf_counter(), time.process_time()
    report, stall = asyncio.run(catch_up())
    wall, cpu_time = time.perf_counter() - wall, time.process_time() - cpu_start
    assert report is not None
    print(
        json.dumps(
            {
                "events": report.events,
                "wall": wall,
                "cpu": cpu_time,
                "writer_cpu": indexers[0].writer.cpu_seconds,
                "rss_before_kb": rss_before,
                "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "stall_ms": stall * 1000,
            }
        ),
        flush=True,
    )


def _ingest_once(url: str, contract_id: str, cpu: int | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bench_ingest",
                "--child",
                url,
                contract_id,
                folder,
                "-" if cpu is None else str(cpu),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------- helpers


def _page_bodies(url: str, contract_id: str) -> list[bytes]:
    """The raw getEvents reply bodies of the whole history (10,000-event pages)."""
    bodies: list[bytes] = []
    params: dict[str, Any] = {"startLedger": 1}
    while True:
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "getEvents",
                "params": {
                    **params,
                    "filters": [{"contractIds": [contract_id]}],
                    "pagination": {**params.get("pagination", {}), "limit": 10_000},
                },
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - http:// to our own local server
            url, body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            bodies.append(response.read())
        page = json.loads(bodies[-1])["result"]
        if len(page["events"]) < 10_000 and int(page["cursor"][:19]) >> 32 >= page["latestLedger"]:
            return bodies
        params = {"pagination": {"cursor": page["cursor"]}}


def _events_of(bodies: list[bytes]) -> list[dict[str, Any]]:
    return [event for body in bodies for event in json.loads(body)["result"]["events"]]


def _reader_costs(bodies: list[bytes], contract_id: str) -> tuple[float, float, float]:
    """CPU us an event of the page readers on the same bodies: the native one's read (without
    the GIL, in a worker thread in the app) and take (the Python objects, on the loop), and the
    Python readers' (msgspec, checks, decode). The second of two passes (the first fills the
    address caches), with the GC paused as the indexer pauses it while it reads a page."""
    from flowfi_desktop.indexer.decode import DecodedEvent
    from flowfi_desktop.indexer.page import (
        RawEvent,
        check_page,
        decode_events_reply,
        flowfi_native,
        page_frame,
        parse_events,
    )
    from flowfi_desktop.indexer.writer import decode_page

    costs = (0.0, 0.0, 0.0)
    gc.disable()
    try:
        for _ in range(2):
            read = take = python = 0.0
            count = 0
            after = ""
            for body in bodies:
                started = time.process_time()
                if flowfi_native is not None:
                    native = flowfi_native.read_page(body, 1, contract_id, after)
                    assert native is not None, flowfi_native.declined_reason(
                        body, 1, contract_id, after
                    )
                    read_done = time.process_time()
                    native.take(0, len(native), RawEvent, DecodedEvent)
                    take_done = time.process_time()
                    read += read_done - started
                    take += take_done - read_done
                    started = take_done
                wire = decode_events_reply(body, 1)
                assert wire is not None
                items, page = page_frame(wire)
                page.events = parse_events(items, contract_id, after)
                check_page(page, after)
                decode_page(page.events)
                python += time.process_time() - started
                count += len(page.events)
                after = page.cursor
            costs = (read / count * 1e6, take / count * 1e6, python / count * 1e6)
            gc.collect()
    finally:
        gc.enable()
    return costs


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def _generic_decode_rate(events: list[dict[str, Any]]) -> float:
    from stellar_sdk import scval, xdr

    started = time.process_time()
    for event in events:
        for topic in event["topic"]:
            scval.to_native(xdr.SCVal.from_xdr(topic))
        scval.to_native(xdr.SCVal.from_xdr(event["value"]))
    return _rate(len(events), time.process_time() - started)


def _fast_decode_rate(events: list[dict[str, Any]]) -> float:
    from flowfi_desktop.indexer.decode import decode_event

    started = time.process_time()
    for event in events:
        decode_event(event["topic"], event["value"])
    return _rate(len(events), time.process_time() - started)


def _raw_insert_rate(events: list[dict[str, Any]]) -> tuple[float, float]:
    """executemany of the rows the indexer writes, one transaction per 10,000 (CPU, wall)."""
    from flowfi_desktop.indexer.decode import decode_event, fields_json_text
    from flowfi_desktop.indexer.page import parse_close_time
    from flowfi_desktop.store import open_store
    from flowfi_desktop.store.models import Contract, IndexerState, Network

    rows = []
    for event in events:
        decoded = decode_event(event["topic"], event["value"])
        rows.append(
            (
                1,
                event["id"],
                event["ledger"],
                parse_close_time(event["ledgerClosedAt"]),
                event["txHash"],
                event["transactionIndex"],
                event["operationIndex"],
                decoded.name,
                decoded.stream_id,
                fields_json_text(decoded.name, decoded.fields) if decoded.fields else None,
                ",".join(event["topic"]),
                event["value"],
            )
        )
    with tempfile.TemporaryDirectory(prefix="bench-insert-") as folder:
        store = open_store(Path(folder) / "index.sqlite3")
        with store.session() as session:
            session.add(Network(id=1, name="bench", passphrase="bench network"))  # noqa: S106
            session.flush()
            session.add(Contract(id=1, network_id=1, contract_id="C"))
            session.flush()
            session.add(IndexerState(contract_ref=1))
            session.commit()
        connection = store.connect_writer()
        sql = (
            "INSERT INTO stream_events (contract_ref, id, ledger, close_time, tx_hash, tx_index, "
            "op_index, type, stream_id, fields, topic_xdr, value_xdr) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        wall, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(rows), 10_000):
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(sql, rows[start : start + 10_000])
            connection.execute("COMMIT")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        connection.close()
        store.close()
    return _rate(len(rows), cpu), _rate(len(rows), wall)


# ---------------------------------------------------------------- main


def main() -> None:
    cpus = _cpus()
    # BENCH_INGEST_PIN=1 pins the server and the ingest process to different CPUs. Off by
    # default: on a shared machine pinning only makes each wait for whatever else runs on its
    # CPU. Unpinned, the ingest's loop and writer thread may use two cores at once (wall rate);
    # the CPU rate is the same work on one core.
    pin = os.environ.get("BENCH_INGEST_PIN") == "1" and len(cpus) > 1
    server_cpu = cpus[0] if pin else None
    ingest_cpu = cpus[1] if pin else None
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"   {EVENTS:,} events, {RUNS} runs; {len(cpus)} CPUs, load average {load:.1f}")
    server = subprocess.Popen(
        [sys.executable, "-m", "flowfi_desktop.indexer.rpc_server", "--events", str(EVENTS)],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=(lambda: _pin(server_cpu)) if server_cpu is not None else None,
    )
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        url, contract_id = info["url"], info["contract_id"]
        print(f"   local RPC {url}: {info['events']:,} events up to ledger {info['latest']:,}")

        runs = [_ingest_once(url, contract_id, ingest_cpu) for _ in range(RUNS)]
        assert all(r["events"] == info["events"] for r in runs), runs
        wall_rate = statistics.median(_rate(r["events"], r["wall"]) for r in runs)
        cpu_rate = statistics.median(_rate(r["events"], r["cpu"]) for r in runs)
        peak_mb = max(r["peak_rss_kb"] for r in runs) / 1024
        base_mb = statistics.median(r["rss_before_kb"] for r in runs) / 1024
        stall_ms = statistics.median(r["stall_ms"] for r in runs)
        per_event_us = statistics.median(r["cpu"] / r["events"] * 1e6 for r in runs)
        writer_us = statistics.median(r["writer_cpu"] / r["events"] * 1e6 for r in runs)

        bodies = _page_bodies(url, contract_id)
        readers = [_reader_costs(bodies, contract_id) for _ in range(RUNS)]
        native_read = statistics.median(r[0] for r in readers)
        native_take = statistics.median(r[1] for r in readers)
        python_read = statistics.median(r[2] for r in readers)
        events = _events_of(bodies)
        del bodies
        # Every n-th event: the whole history's mix of event types. (The first 5,000, used
        # until session 4, decode ~20% faster generically than the history as a whole.)
        sample = events[:: max(1, len(events) // GENERIC_SAMPLE)][:GENERIC_SAMPLE]
        generic = statistics.median(_generic_decode_rate(sample) for _ in range(RUNS))
        fast = statistics.median(_fast_decode_rate(sample) for _ in range(RUNS))
        inserts = [_raw_insert_rate(events) for _ in range(RUNS)]
        insert_cpu = statistics.median(i[0] for i in inserts)
        insert_wall = statistics.median(i[1] for i in inserts)
    finally:
        server.terminate()
        server.wait(10)

    print(
        f"   end-to-end ingest      {wall_rate:>10,.0f} events/s wall   "
        f"{cpu_rate:>10,.0f} events/CPU-s   (median of {RUNS})"
    )
    print(
        f"   CPU per event: {per_event_us:.1f} us = writer thread (SQLite) {writer_us:.1f} us + "
        f"the rest (HTTP, JSON, checks, decode, planning) {per_event_us - writer_us:.1f} us; "
        f"{BAR_RATIO:.0f}x the generic decode allows {1e6 / (BAR_RATIO * generic):.1f} us"
    )
    if native_read:
        print(
            f"   page readers, CPU per event: native {native_read + native_take:.1f} us (read "
            f"{native_read:.1f} without the GIL + Python objects {native_take:.1f}); the Python "
            f"readers {python_read:.1f} us (msgspec, checks, decode)"
        )
    else:
        print(f"   page readers: flowfi_native not built; the Python readers {python_read:.1f} us")
    print(
        f"   longest loop stall during the catch-up (10,000-event pages): median {stall_ms:.1f} ms"
    )
    print(
        f"   generic decode (sdk)   {generic:>10,.0f} events/CPU-s   (SCVal.from_xdr + to_native, "
        f"{len(sample):,} events spread over the history)"
    )
    print(
        f"   our decoder            {fast:>10,.0f} events/CPU-s   ({fast / generic:,.0f}x generic)"
    )
    print(
        f"   raw SQLite executemany {insert_wall:>10,.0f} rows/s wall     "
        f"{insert_cpu:>10,.0f} rows/CPU-s"
    )
    print(
        f"   ratios: end-to-end / generic decode = {cpu_rate / generic:.1f}x (CPU), "
        f"{wall_rate / generic:.1f}x (wall); end-to-end / raw insert = "
        f"{cpu_rate / insert_cpu:.2f} (CPU), {wall_rate / insert_wall:.2f} (wall)"
    )
    print(
        f"   peak RSS of the ingest process during the {info['events']:,}-event catch-up: "
        f"{peak_mb:.0f} MB (after imports: {base_mb:.0f} MB)"
    )
    checks = [
        (f"end-to-end >= {BAR_RATE:,}/s on one core (CPU time)", cpu_rate >= BAR_RATE),
        (f"end-to-end >= {BAR_RATE:,}/s by wall clock", wall_rate >= BAR_RATE),
        (f">= {BAR_RATIO:.0f}x the generic decode path", cpu_rate / generic >= BAR_RATIO),
        (f"peak memory < {BAR_MEMORY_MB} MB", peak_mb < BAR_MEMORY_MB),
    ]
    for label, ok in checks:
        print(f"   [{'PASS' if ok else 'MISS'}] {label}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child_ingest(*sys.argv[2:6])
    else:
        main()
