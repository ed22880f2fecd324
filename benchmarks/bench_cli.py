"""CLI start-up: wall time of whole `flowfi-desktop` commands, each run in a fresh interpreter
(`python -m flowfi_desktop ...`), against a data dir with a realistic index: 10,000 streams
and their ~20,000 events (written by the app's demo writer through the real migrations), a
watch-only account that is a party to ~3,000 of them, the local network's contract recorded.

Cold-ish: every run is a new process that imports everything again, but the files (Python's
and the index) stay in the OS page cache, as they do when a user runs commands one after
another. Commands take turns run by run, so a load spike on a shared machine falls on all of
them rather than on one; the figure is the median of ``BENCH_CLI_RUNS`` runs (default 10).

``BENCH_CLI_BASELINE=DIR``: DIR holds another ``flowfi_desktop`` package (e.g. ``git archive
<commit> flowfi_desktop | tar -x -C DIR``); every run is then made with both, one after the
other, and both medians are printed with their ratio (it takes about twice as long).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_CLI_RUNS", "10"))
BASELINE = os.environ.get("BENCH_CLI_BASELINE")
STREAMS = 10_000


def _make_data_dir(path: Path) -> None:
    from flowfi_desktop.app.demo import populate
    from flowfi_desktop.indexer.commands import index_path
    from flowfi_desktop.indexer.synthetic import make_address
    from flowfi_desktop.keys.accounts import Wallet
    from flowfi_desktop.networks import Networks
    from flowfi_desktop.paths import KEYSTORE_FILE
    from flowfi_desktop.settings import SettingsFile
    from flowfi_desktop.tokens import native_contract_id

    rng = random.Random(11)  # noqa: S311 - benchmark data
    me = make_address(rng)
    usdc = make_address(rng, contract=True)
    demo = populate(
        index_path(path),
        n_streams=STREAMS,
        mine=[me],
        tokens=[native_contract_id("Standalone Network ; February 2017"), usdc],
        now=int(time.time()),
        mine_share=0.3,
        token_meta={usdc: ("USDC", 6)},
    )
    Networks(SettingsFile(path)).set_contract("local", demo.contract_id)
    Wallet(path / KEYSTORE_FILE).watch("me", me)


def _commands(out: Path) -> list[tuple[str, list[str]]]:
    return [
        ("--version", ["--version"]),
        ("network list", ["network", "list"]),
        ("account list", ["account", "list"]),
        ("stream show 1", ["stream", "show", "1"]),
        ("stream list (~3,000 rows)", ["stream", "list"]),
        ("export csv --account", ["export", "csv", "--out", str(out), "--account", "me"]),
    ]


def _run(argv: list[str], data_dir: Path, pythonpath: str | None) -> float:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    command = [sys.executable, "-m", "flowfi_desktop", "--data-dir", str(data_dir)]
    if argv != ["--version"]:
        command += ["--network", "local"]
    started = time.perf_counter()
    result = subprocess.run(
        [*command, *argv],
        capture_output=True,
        text=True,
        env=env,
        # Not the checkout: `python -m` puts the working directory first on sys.path, which
        # would shadow BENCH_CLI_BASELINE's package.
        cwd=data_dir,
        check=False,
        timeout=120,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"bench_cli: `{' '.join(argv)}` failed: {result.stderr[-1000:]}")
    return elapsed


def main() -> None:
    trees: list[tuple[str, str | None]] = [("this tree", None)]
    if BASELINE:
        trees.append(("baseline", str(Path(BASELINE).resolve())))
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        data_dir = Path(folder) / "data"
        started = time.perf_counter()
        _make_data_dir(data_dir)
        print(
            f"   data dir with {STREAMS:,} indexed streams written in "
            f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        commands = _commands(Path(folder) / "events.csv")
        times: dict[tuple[str, str], list[float]] = {
            (name, tree): [] for name, _ in commands for tree, _ in trees
        }
        for run in range(RUNS):
            order = trees if run % 2 == 0 else trees[::-1]  # A, B then B, A
            for name, argv in commands:
                for tree, pythonpath in order:
                    times[name, tree].append(_run(argv, data_dir, pythonpath))
        print(
            f"   median wall time of {RUNS} runs, each a new process "
            f"(load average now {os.getloadavg()[0]:.2f}):",
            flush=True,
        )
        for name, _ in commands:
            here = statistics.median(times[name, "this tree"])
            line = f"   {name:<28} {here * 1e3:7.0f} ms"
            if BASELINE:
                base = statistics.median(times[name, "baseline"])
                line += f"   baseline {base * 1e3:7.0f} ms   (baseline / this: {base / here:.1f})"
            print(line, flush=True)


if __name__ == "__main__":
    main()
