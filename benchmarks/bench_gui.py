"""GUI figures (offscreen Qt, real index files written by the app's demo writer):

- cold start: a fresh process until the main window is shown, painted and interactive with
  10,000 streams in the index (median of runs);
- frame time while 1,000 streams tick: one dashboard tick (per-token totals over 1,000 active
  streams) plus a full repaint of the window, and the same for the stream table's live column;
- memory: resident set size of the process with 100,000 streams indexed, after the list was
  scrolled from top to bottom (every page read once) and the dashboard built;
- catch-up stalls: the longest time the GUI loop is held while the window (watching one of the
  history's accounts) catches up with a synthetic contract's history from a local RPC server,
  the catch-up's duration and how many times the views were refreshed
  (``python -m benchmarks.bench_gui --sync-only EVENTS RUNS``;
  ``BENCH_PAGE_LIMIT`` sets the GUI's getEvents page size, ``BENCH_RPC_DELAY`` seconds delay
  every getEvents answer like a remote RPC's round trip, ``BENCH_DETAIL=1`` samples where the
  threads are whenever the loop is 20 ms late);
- filter/sort stalls: the longest time the GUI loop is held while the user changes the list's
  sort column, status and role filters and types a search, with 50,000 and 100,000 rows listed
  (a 5 ms heartbeat on the loop measures every gap), and what one full GC pass then costs the
  GUI thread (the collector starts them by itself; ``BENCH_DETAIL=1`` prints the passes that
  ran during the changes, the worst changes, and where the threads were when the loop was
  late).

Each figure is measured in a new process (``python -m benchmarks.bench_gui --child ...``)."""

from __future__ import annotations

import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.stalls import Heartbeat, sample_when_late

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def _make_data_dir(path: Path, n: int, mine_share: float, span: int) -> None:
    from flowfi_desktop.app.demo import populate
    from flowfi_desktop.app.session import INDEX_FILE
    from flowfi_desktop.app.tokenbook import native_token
    from flowfi_desktop.indexer.synthetic import make_address
    from flowfi_desktop.keys.accounts import Wallet
    from flowfi_desktop.networks import LOCAL_PASSPHRASE, Networks
    from flowfi_desktop.paths import KEYSTORE_FILE
    from flowfi_desktop.settings import SettingsFile

    rng = random.Random(5)  # noqa: S311 - benchmark data
    me = make_address(rng)
    token = make_address(rng, contract=True)
    demo = populate(
        path / INDEX_FILE,
        n_streams=n,
        mine=[me],
        tokens=[native_token(LOCAL_PASSPHRASE), token],
        now=int(time.time()),
        mine_share=mine_share,
        span=span,
        token_meta={token: ("USDC", 6)},
    )
    Networks(SettingsFile(path)).set_contract("local", demo.contract_id)
    Wallet(path / KEYSTORE_FILE).watch("me", me)


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _child(kind: str, data_dir: Path, started: float) -> dict[str, float]:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import asyncio

    import qasync  # noqa: TID251 - a GUI benchmark drives the GUI
    from PySide6.QtWidgets import QApplication  # noqa: TID251 - a GUI benchmark

    from flowfi_desktop.ui.app import build_window, make_app

    app = make_app()
    if kind == "sync" and os.environ.get("BENCH_PAGE_LIMIT"):
        from flowfi_desktop.app import session as session_module

        session_module.GUI_PAGE_LIMIT = int(os.environ["BENCH_PAGE_LIMIT"])
    window, session, bridge = build_window(data_dir, tray=False, first_run=False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    out: dict[str, float] = {}

    async def scenario() -> None:
        await session.open_index()
        window.reload()
        window.show()
        # The lists read their ids in a worker thread: wait for them, and for every task the
        # window spawned (processEvents() below must not run a pending task's step inside
        # this one: asyncio refuses, and that task would never resume).
        await _settle(window.streams.model)
        await _settle(window.dashboard.glance_model)
        await _quiesce()
        window.repaint()
        QApplication.processEvents()
        out["interactive_s"] = time.perf_counter() - started
        if kind == "frames":
            window.dashboard.ticker.stop()
            window.streams.ticker.stop()
            ticks, table = [], []
            for _ in range(60):
                t0 = time.perf_counter()
                window.dashboard.tick()
                QApplication.processEvents()  # paints what the tick changed
                ticks.append(time.perf_counter() - t0)
            window.show_page("all")
            await _settle(window.streams.model)
            await _quiesce()
            QApplication.processEvents()
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            for _ in range(60):
                t0 = time.perf_counter()
                window.streams._tick()
                QApplication.processEvents()
                table.append(time.perf_counter() - t0)
            prof.disable()
            if os.environ.get("BENCH_PROFILE"):
                pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
            ticks.sort()
            table.sort()
            out["dashboard_frame_ms"] = statistics.median(ticks) * 1000
            out["dashboard_frame_p95_ms"] = ticks[int(len(ticks) * 0.95)] * 1000
            out["table_frame_ms"] = statistics.median(table) * 1000
            out["streams"] = float(window.dashboard.dashboard.active_streams())
            t0 = time.perf_counter()
            for _ in range(10):
                window.repaint()
            out["full_repaint_ms"] = (time.perf_counter() - t0) / 10 * 1000
        if kind == "memory":
            window.show_page("all")
            await _settle(window.streams.model)
            view = window.streams.table
            bar = view.verticalScrollBar()
            steps = 0
            t0 = time.perf_counter()
            worst = 0.0
            while bar.value() < bar.maximum():
                s0 = time.perf_counter()
                bar.setValue(bar.value() + bar.pageStep() * 25)
                view.viewport().repaint()
                worst = max(worst, time.perf_counter() - s0)
                steps += 1
            out["scroll_steps"] = steps
            out["scroll_s"] = time.perf_counter() - t0
            out["scroll_worst_step_ms"] = worst * 1000
            out["rows"] = float(window.streams.model.rowCount())
            out["rss_mib"] = _rss_mib()
        if kind == "sync":
            from flowfi_desktop.app import session as session_module

            refreshes: list[float] = []  # when the views were told to refresh
            bridge.streams_changed.connect(lambda _ids: refreshes.append(time.perf_counter()))
            beat = Heartbeat()
            samples: dict[str, int] = {}
            if os.environ.get("BENCH_DETAIL"):
                sample_when_late(beat, samples, depth=4)
            t0 = time.perf_counter()
            beat.start()
            task = asyncio.get_running_loop().create_task(window.start())
            while session.sync.state != "caught_up" and time.perf_counter() - t0 < 300:  # noqa: ASYNC110 - a poll is what the benchmark wants
                await asyncio.sleep(0.005)
            caught_up = time.perf_counter() - t0
            await task
            await _settle(window.streams.model)
            await _settle(window.dashboard.glance_model)
            await window.dashboard_loaded()
            await asyncio.sleep(0.3)  # the last refresh's repaint
            await beat.stop()
            gaps = sorted(beat.gaps)
            out["page_limit"] = float(session_module.GUI_PAGE_LIMIT)
            out["sync_s"] = caught_up
            out["refreshes"] = float(len(refreshes))
            out["events"] = float(session.sync.ledger)
            out["max_stall_ms"] = gaps[-1] * 1000
            out["p99_stall_ms"] = gaps[int(len(gaps) * 0.99)] * 1000
            window.show_page("all")  # a list not shown waits to be shown to refresh
            await _settle(window.streams.model)
            out["rows"] = float(window.streams.model.rowCount())
            if os.environ.get("BENCH_DETAIL"):
                # The longest gaps, when they began, and the GUI thread's own CPU time in each
                # (the rest it waited: for the GIL, or for a core); then the refreshes.
                begun, at = [], 0.0
                for gap in beat.gaps:
                    begun.append(at)
                    at += gap + beat.period
                for i in sorted(sorted(range(len(gaps)), key=lambda i: -beat.gaps[i])[:6]):
                    print(
                        f"gap at {begun[i] * 1000:.0f} ms: {beat.gaps[i] * 1000:.1f} ms "
                        f"(GUI thread CPU {beat.cpu[i] * 1000:.1f} ms)"
                    )
                print(
                    "refreshes at (ms): " + ", ".join(f"{(r - t0) * 1000:.0f}" for r in refreshes)
                )
            for key, n in sorted(samples.items(), key=lambda kv: -kv[1])[:10]:
                print(f"late heartbeat (sampled every 3 ms), threads in: {n} x {key}")
        if kind == "filters":
            out.update(await _filter_stalls(window))
        await window.shutdown()
        window.close()

    if os.environ.get("BENCH_PROFILE") and kind == "sync":
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        loop.run_until_complete(scenario())
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(18)
    else:
        loop.run_until_complete(scenario())
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    return out


async def _filter_stalls(window: Any) -> dict[str, float]:
    """Sort by every column, change the status and role filters, type a search: the longest
    loop stall per change (a 5 ms heartbeat) until the list shows the new order."""
    import asyncio

    from PySide6.QtCore import Qt  # noqa: TID251 - a GUI benchmark

    from flowfi_desktop.ui.stream_model import COLUMNS

    view = window.streams
    model = view.model
    window.show_page("all")
    await _settle(model)
    rows = model.rowCount()
    beat = Heartbeat()
    gaps = beat.gaps
    detail = bool(os.environ.get("BENCH_DETAIL"))
    collections: list[tuple[int, float]] = []  # (generation, ms) of each GC pass on any thread
    started: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            collections.append((info["generation"], (time.perf_counter() - started.pop()) * 1000))

    samples: dict[str, int] = {}
    if detail:
        print(f"GC-tracked objects not frozen: {len(gc.get_objects())}", flush=True)
        gc.callbacks.append(on_gc)
        sample_when_late(beat, samples)
    beat.start()
    await asyncio.sleep(0.05)
    changes: list[tuple[str, Any]] = []
    for key in ("deposited", "sender", "direction", "status", "claimable", "rate", "id"):
        column = [k for k, _ in COLUMNS].index(key)
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            changes.append((f"sort {key}", lambda c=column, o=order: view.table.sortByColumn(c, o)))
    for index in (1, 0):
        changes.append(("status", lambda i=index: view.status.setCurrentIndex(i)))
    for role in ("incoming", "outgoing", "all"):
        changes.append(("role", lambda r=role: view.set_role(r)))
    for text in ("G", "GA", "GAB", ""):
        changes.append(("search", lambda t=text: (view.search.setText(t), view.apply_filters())))
    worst: list[float] = []
    named: list[tuple[float, str]] = []
    for name, change in changes:
        mark = len(gaps)
        change()
        await _settle(model)
        await asyncio.sleep(0.05)  # the repaint of the new rows
        worst.append(max(gaps[mark:], default=0.0))
        named.append((worst[-1], name))
    await beat.stop()
    worst.sort()
    if detail:
        gc.callbacks.remove(on_gc)
    # What a full GC pass costs the GUI thread now: the collector starts one by itself now and
    # then, and it walks every tracked object created since the window's gc.freeze().
    t0 = time.perf_counter()
    gc.collect()
    full_gc = time.perf_counter() - t0
    if detail:
        t0 = time.perf_counter()
        found = gc.collect()
        again = (time.perf_counter() - t0) * 1000
        print(f"full GC pass: {full_gc * 1000:.1f} ms, then again {again:.1f} ms ({found} found)")
        print(f"GC-tracked objects not frozen: {len(gc.get_objects())}")
        full = [round(ms, 1) for generation, ms in collections if generation == 2]
        for generation in (0, 1):
            young = sorted(ms for g, ms in collections if g == generation)
            if young:
                print(
                    f"generation-{generation} GC passes during the changes: {len(young)}, "
                    f"longest {young[-1]:.1f} ms"
                )
        worst_changes = sorted(((round(w * 1000, 1), n) for w, n in named), reverse=True)
        print(f"worst changes (ms): {worst_changes[:6]}")
        print(f"full GC passes during the changes (ms): {full}", flush=True)
        for key, n in sorted(samples.items(), key=lambda kv: -kv[1])[:8]:
            print(f"late heartbeat (sampled every 3 ms), threads in: {n} x {key}")
    return {
        "filter_rows": float(rows),
        "filter_changes": float(len(changes)),
        "filter_max_stall_ms": worst[-1] * 1000,
        "filter_median_stall_ms": statistics.median(worst) * 1000,
        "filter_full_gc_ms": full_gc * 1000,
    }


async def _quiesce() -> None:
    """Until no task spawned by the window is pending."""
    import asyncio

    from flowfi_desktop.ui import tasks

    while tasks.running():
        await asyncio.wait(tasks.running())


async def _settle(model: Any) -> None:
    """Until the model has no id scan in flight (the synchronous model never has one)."""
    import asyncio

    settled = getattr(model, "settled", None)
    if settled is not None:
        await settled()
    else:
        await asyncio.sleep(0)


def _run_child(kind: str, data_dir: Path) -> dict[str, float]:
    """Measures ``kind`` in a new process on ``data_dir``, a throwaway copy it then deletes
    (copies of a 100,000-stream index are ~100 MB each; they used to pile up in /tmp)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_gui", "--child", kind, str(data_dir)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=600,
            check=True,
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    lines = done.stdout.strip().splitlines()
    if os.environ.get("BENCH_DETAIL"):
        for line in lines[:-1]:
            print(f"  {line}", file=sys.stderr)
    result: dict[str, float] = json.loads(lines[-1])
    return result


def _serve(events: int, delay: float) -> None:
    """The synthetic RPC server (``python -m benchmarks.bench_gui --serve EVENTS DELAY``):
    every getEvents answer waits ``delay`` seconds first, like a remote RPC's round trip.
    It also names one of the history's 60 accounts (a party to ~1/30 of its streams), which
    the window then watches."""
    from flowfi_desktop.indexer.rpc_server import Fault, LocalRpc
    from flowfi_desktop.indexer.synthetic import generate_history, make_address

    history = generate_history(events, seed=1)
    rng = random.Random(1)  # noqa: S311 - generate_history's first draws: contract, account 0
    make_address(rng, contract=True)
    account = make_address(rng)
    server = LocalRpc(history)
    if delay > 0:
        late = Fault(delay=delay, passthrough=True)
        server.fault = lambda method, _params, _n: late if method == "getEvents" else None
    info = {
        "url": server.url,
        "contract_id": history.contract_id,
        "events": len(history.events),
        "account": account,
    }
    print(json.dumps(info), flush=True)
    server._server.serve_forever()


def _sync_child(events: int) -> dict[str, float]:
    """The window catching up a contract with ``events`` events from a synthetic RPC server
    (another process): how long the GUI loop was ever held, and how long the catch-up took."""
    delay = os.environ.get("BENCH_RPC_DELAY", "0")
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_gui", "--serve", str(events), delay],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        data = Path(tempfile.mkdtemp(prefix="flowfi-bench-sync-"))
        from flowfi_desktop.keys.accounts import Wallet
        from flowfi_desktop.networks import Networks
        from flowfi_desktop.paths import KEYSTORE_FILE
        from flowfi_desktop.settings import SettingsFile

        networks = Networks(SettingsFile(data))
        networks.edit("local", rpc_url=info["url"], contract_id=info["contract_id"])
        Wallet(data / KEYSTORE_FILE).watch("me", info["account"])
        result = _run_child("sync", data)
        result["events_served"] = float(info["events"])
        return result
    finally:
        server.terminate()
        server.wait()


def _sync_line(syncs: list[dict[str, float]]) -> str:
    delay = float(os.environ.get("BENCH_RPC_DELAY", "0"))
    return (
        f"GUI loop during a catch-up of {int(syncs[0]['events_served']):,} events "
        f"({int(syncs[0]['rows']):,} of the account's streams listed live), "
        f"{int(syncs[0]['page_limit']):,}-event pages"
        + (f", {delay * 1000:.0f} ms RPC round trips" if delay else "")
        + f": longest stall median {statistics.median(x['max_stall_ms'] for x in syncs):.1f} ms "
        f"(p99 {statistics.median(x['p99_stall_ms'] for x in syncs):.1f} ms); catch-up took "
        f"{statistics.median(x['sync_s'] for x in syncs):.2f} s; views refreshed "
        f"{statistics.median(x['refreshes'] for x in syncs):.0f} times"
    )


def _copy(src: Path) -> Path:
    dst = Path(tempfile.mkdtemp(prefix="flowfi-bench-"))
    shutil.copytree(src, dst, dirs_exist_ok=True)
    return dst


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="flowfi-bench-src-"))
    try:
        cold_src, frames_src, memory_src = base / "cold", base / "frames", base / "memory"
        _make_data_dir(cold_src, 10_000, 0.5, 60 * 86_400)
        # 1,000 streams, all the account's and most still flowing (created in the last hour).
        _make_data_dir(frames_src, 1_000, 1.0, 3_600)
        _make_data_dir(memory_src, 100_000, 0.5, 180 * 86_400)
        filters50_src, filters100_src = base / "filters50", base / "filters100"
        _make_data_dir(filters50_src, 50_000, 1.0, 180 * 86_400)
        _make_data_dir(filters100_src, 100_000, 1.0, 180 * 86_400)

        cold = [_run_child("cold", _copy(cold_src))["interactive_s"] for _ in range(RUNS)]
        print(
            f"cold start to an interactive window, 10,000 streams: median "
            f"{statistics.median(cold):.2f} s (runs: {', '.join(f'{c:.2f}' for c in cold)})"
        )
        frames = [_run_child("frames", _copy(frames_src)) for _ in range(3)]
        print(
            f"frame while 1,000 streams tick ({int(frames[0]['streams'])} active on the "
            f"dashboard): "
            f"dashboard tick + repaint of what changed, median "
            f"{statistics.median(f['dashboard_frame_ms'] for f in frames):.1f} ms "
            f"(p95 {statistics.median(f['dashboard_frame_p95_ms'] for f in frames):.1f} ms); "
            f"stream table live column + repaint median "
            f"{statistics.median(f['table_frame_ms'] for f in frames):.1f} ms; a full repaint "
            f"of the whole window {statistics.median(f['full_repaint_ms'] for f in frames):.1f} ms"
        )
        syncs = [_sync_child(30_000) for _ in range(3)]
        print(_sync_line(syncs))
        for src in (filters50_src, filters100_src):
            runs = [_run_child("filters", _copy(src)) for _ in range(3)]
            each = ", ".join(f"{r['filter_max_stall_ms']:.1f}" for r in runs)
            print(
                f"GUI loop while sorting/filtering/searching {int(runs[0]['filter_rows']):,} "
                f"listed streams ({int(runs[0]['filter_changes'])} changes): longest stall "
                f"median {statistics.median(r['filter_max_stall_ms'] for r in runs):.1f} ms "
                f"(runs: {each}); "
                f"median of the per-change worst "
                f"{statistics.median(r['filter_median_stall_ms'] for r in runs):.1f} ms; "
                f"a full GC pass then "
                f"{statistics.median(r['filter_full_gc_ms'] for r in runs):.1f} ms"
            )
        memory = [_run_child("memory", _copy(memory_src)) for _ in range(3)]
        print(
            f"memory with 100,000 streams indexed, list scrolled top to bottom: median RSS "
            f"{statistics.median(m['rss_mib'] for m in memory):.0f} MiB; scrolling "
            f"{int(memory[0]['rows']):,} rows in {int(memory[0]['scroll_steps'])} jumps took "
            f"{statistics.median(m['scroll_s'] for m in memory):.2f} s, worst jump "
            f"{statistics.median(m['scroll_worst_step_ms'] for m in memory):.1f} ms"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--filters-only":
        # python -m benchmarks.bench_gui --filters-only N: just the filter/sort stall figure
        base = Path(tempfile.mkdtemp(prefix="flowfi-bench-src-"))
        try:
            _make_data_dir(base, int(sys.argv[2]), 1.0, 180 * 86_400)
            for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 3):
                print(_run_child("filters", _copy(base)))
        finally:
            shutil.rmtree(base, ignore_errors=True)
    elif len(sys.argv) >= 3 and sys.argv[1] == "--sync-only":
        # python -m benchmarks.bench_gui --sync-only EVENTS [RUNS]: just the catch-up figure
        syncs = []
        for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 3):
            syncs.append(_sync_child(int(sys.argv[2])))
            print(json.dumps(syncs[-1]), flush=True)
        print(_sync_line(syncs))
    elif len(sys.argv) >= 4 and sys.argv[1] == "--serve":
        _serve(int(sys.argv[2]), float(sys.argv[3]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "--child":
        started = time.perf_counter()
        print(json.dumps(_child(sys.argv[2], Path(sys.argv[3]), started)))
    else:
        main()
