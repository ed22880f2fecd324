"""kill -9 of a sync process at random points of a long catch-up, many times in a row:
afterwards no event is missing or duplicated and every stream equals the contract's state."""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowfi_desktop.indexer.rpc_server import LocalRpc
from flowfi_desktop.indexer.synthetic import generate_history
from flowfi_desktop.indexer.writer import IndexWriter
from flowfi_desktop.store import open_store
from tests.conftest import REPO_ROOT
from tests.indexer.helpers import indexed_ids, stream_mismatches

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = 24


def _start(db: Path, server: LocalRpc, limit: int) -> subprocess.Popen[str]:
    history = server.history
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            str(CHILD),
            str(db),
            server.url,
            history.contract_id,
            str(history.first_ledger),
            str(limit),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str | None:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().strip() if ready else None


@pytest.mark.slow
def test_kill_9_at_random_points_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    history = generate_history(80_000, seed=99)
    rng = random.Random(2026)
    db = tmp_path / "index.sqlite3"
    kills = 0
    progress: list[int] = []
    with LocalRpc(history) as server:
        while kills < KILLS:
            proc = _start(db, server, limit=rng.choice([50, 137, 400, 1000]))
            lines_before_kill = rng.randint(1, 5)
            finished = False
            for _ in range(lines_before_kill):
                line = _read_line(proc, 60)
                if line is None or line == "done":
                    finished = line == "done"
                    break
            # A random moment after a commit: inside the next fetch, decode or transaction.
            time.sleep(rng.uniform(0, 0.05))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            assert proc.stdout is not None
            proc.stdout.close()
            assert not finished, "the history is too short to be killed mid-sync"
            kills += 1
            with sqlite3.connect(db) as connection:
                progress.append(
                    connection.execute("SELECT count(*) FROM stream_events").fetchone()[0]
                )
        assert progress[-1] < len(history.events)
        assert len(set(progress)) > KILLS // 2  # the kills landed at many different points
        # Now let one run to the end.
        proc = _start(db, server, limit=1000)
        while (line := _read_line(proc, 120)) not in ("done", None):
            pass
        assert line == "done"
        assert proc.wait(10) == 0
        assert proc.stdout is not None
        proc.stdout.close()

    store = open_store(db)
    assert indexed_ids(store) == [e["id"] for e in history.events]
    writer = IndexWriter(store, 1)
    assert writer.status().event_count == len(history.events)
    assert stream_mismatches(writer.load_streams(), history.model.streams) == []
    assert writer.connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    writer.close()
    store.close()
