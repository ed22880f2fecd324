"""Runs each benchmark module's `main()` in turn; each prints its own figures and ratios.

With several modules, each runs in a process of its own, so that one benchmark's memory peak
or warm caches never show up in another's figures."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import time

import benchmarks


def main(selected: list[str]) -> int:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_") and (not selected or info.name in selected)
    )
    if not names:
        print("no benchmarks found")
        return 1
    if len(names) > 1:
        failed = [
            name
            for name in names
            if subprocess.run([sys.executable, "-m", "benchmarks", name], check=False).returncode
        ]
        if failed:
            print(f"failed: {', '.join(failed)}", flush=True)
        return 1 if failed else 0
    print(f"== {names[0]}", flush=True)
    started = time.perf_counter()
    importlib.import_module(f"benchmarks.{names[0]}").main()
    print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
