"""The library functions behind `sync`, `stream list/show`, `export csv` and verification."""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from flowfi_desktop.errors import InputError
from flowfi_desktop.indexer import accrual, commands
from flowfi_desktop.indexer.notify import Notification, SyncStatus
from flowfi_desktop.indexer.rpc_server import STANDALONE, LocalRpc
from flowfi_desktop.indexer.synthetic import SyntheticHistory, generate_history
from flowfi_desktop.store.damage import DamagedIndexError
from flowfi_desktop.store.db import open_store

KEYS = {
    "id",
    "sender",
    "recipient",
    "token",
    "rate_per_second",
    "deposited",
    "withdrawn",
    "start_time",
    "last_update_time",
    "status",
    "claimable",
    "end_time",
}


@pytest.fixture(scope="module")
def history() -> SyntheticHistory:
    return generate_history(1_500, seed=31)


@pytest.fixture
def synced(tmp_path: Path, history: SyntheticHistory) -> Iterator[commands.IndexTarget]:
    with LocalRpc(history) as server:
        target = commands.IndexTarget(
            db_path=commands.index_path(tmp_path),
            network="local",
            passphrase=STANDALONE,
            rpc_url=server.url,
            contract_id=history.contract_id,
            start_ledger=history.first_ledger,
        )
        seen: list[Notification] = []
        report = asyncio.run(commands.sync(target, on_notification=seen.append))
        assert report is not None
        assert report.events == len(history.events)
        assert isinstance(seen[-1], SyncStatus)
        assert seen[-1].state == "caught_up"
        yield target


def test_stream_show_has_the_cli_shape_and_exact_values(
    synced: commands.IndexTarget, history: SyntheticHistory
) -> None:
    for sid, model in list(history.model.streams.items())[:50]:
        now = model.start_time + 123
        shown = commands.stream_show(synced.db_path, "local", synced.contract_id, sid, now=now)
        assert set(shown) == KEYS
        assert json.loads(json.dumps(shown)) == shown
        assert shown["deposited"] == str(model.deposited_amount)
        assert shown["withdrawn"] == str(model.withdrawn_amount)
        assert shown["rate_per_second"] == str(model.rate_per_second)
        assert shown["status"] == model.status
        expected_claimable = accrual.claimable_at(model, now) if model.is_active else 0
        assert shown["claimable"] == str(expected_claimable)


def test_stream_show_of_an_unknown_id_says_what_to_do(synced: commands.IndexTarget) -> None:
    with pytest.raises(InputError, match="run `sync` first"):
        commands.stream_show(synced.db_path, "local", synced.contract_id, 10**9)


def test_stream_list_all_by_account_and_role(
    synced: commands.IndexTarget, history: SyntheticHistory
) -> None:
    everything = commands.stream_list(synced.db_path, "local", synced.contract_id)
    assert [s["id"] for s in everything] == sorted(history.model.streams)
    account = history.model.streams[1].sender
    mine = commands.stream_list(synced.db_path, "local", synced.contract_id, accounts=[account])
    expected = {
        sid for sid, s in history.model.streams.items() if account in (s.sender, s.recipient)
    }
    assert {s["id"] for s in mine} == expected
    outgoing = commands.stream_list(
        synced.db_path, "local", synced.contract_id, accounts=[account], role="outgoing"
    )
    assert outgoing
    assert all(s["sender"] == account for s in outgoing)
    incoming = commands.stream_list(
        synced.db_path, "local", synced.contract_id, accounts=[account], role="incoming"
    )
    assert all(s["recipient"] == account for s in incoming)
    assert len(incoming) + len(outgoing) == len(mine)
    with pytest.raises(InputError):
        commands.stream_list(synced.db_path, "local", synced.contract_id, role="sideways")


def test_stream_list_of_an_unindexed_contract_is_empty(synced: commands.IndexTarget) -> None:
    assert commands.stream_list(synced.db_path, "local", "CXXXX") == []


def test_export_csv(
    synced: commands.IndexTarget, history: SyntheticHistory, tmp_path: Path
) -> None:
    out = tmp_path / "export" / "events.csv"
    count = commands.export_csv(synced.db_path, "local", synced.contract_id, out)
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert count == len(rows) == len(history.events)
    assert [r["event_id"] for r in rows] == [e["id"] for e in history.events]
    created = next(r for r in rows if r["type"] == "stream_created")
    model = history.model.streams[int(created["stream_id"])]
    assert created["sender"] == model.sender
    assert int(created["amount"]) > 0
    account = history.model.streams[1].recipient
    count_mine = commands.export_csv(
        synced.db_path, "local", synced.contract_id, out, accounts=[account]
    )
    mine = {sid for sid, s in history.model.streams.items() if account in (s.sender, s.recipient)}
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert count_mine == len(rows) > 0
    assert {int(r["stream_id"]) for r in rows} == mine


def test_verify_reports_agreement_and_then_a_tampered_stream(
    synced: commands.IndexTarget, history: SyntheticHistory
) -> None:
    with LocalRpc(history) as server:
        target = commands.IndexTarget(**{**synced.__dict__, "rpc_url": server.url})
        report = asyncio.run(commands.verify(target))
        assert report.ok, report.summary()
        assert report.checked == len(history.model.streams)
        # The chain says something else about stream 3: verification must notice.
        tampered = dict(history.model.streams)
        original = tampered[3]
        tampered[3] = msgspec.structs.replace(
            original, withdrawn_amount=original.withdrawn_amount + 1
        )
        server.streams_override = tampered
        report = asyncio.run(commands.verify(target))
    assert not report.ok
    assert [(d.stream_id, d.field) for d in report.differences] == [(3, "withdrawn_amount")]


def test_a_long_sync_freezes_what_start_up_made() -> None:
    """`sync`/`verify` take start-up's objects out of the cyclic GC's full passes (in a fresh
    interpreter: freezing is process-wide)."""
    code = (
        "import gc, sys\n"
        "from flowfi_desktop.indexer import commands\n"
        "commands.freeze_startup_objects()\n"
        "print(gc.get_freeze_count(), 'flowfi_desktop.indexer.sync' in sys.modules, "
        "'stellar_sdk' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert int(out[0]) > 20_000  # the sync stack's modules, classes and functions
    assert out[1:] == ["True", "True"]  # imported before the freeze, so frozen too


def test_reads_without_an_index_are_empty_and_create_nothing(tmp_path: Path) -> None:
    path = commands.index_path(tmp_path / "fresh")
    assert commands.stream_list(path, "local", "CXXXX") == []
    assert commands.token_labels(path, "local") == {}
    with pytest.raises(InputError, match="run `sync` first"):
        commands.stream_show(path, "local", "CXXXX", 1)
    out = tmp_path / "events.csv"
    assert commands.export_csv(path, "local", "CXXXX", out) == 0
    assert out.read_text().splitlines() == [",".join(commands.CSV_COLUMNS)]
    assert not path.exists()


def test_reads_of_an_index_at_an_older_schema_migrate_it_first(
    synced: commands.IndexTarget, history: SyntheticHistory
) -> None:
    """The reads use plain sqlite3 on an index at the newest schema; an older one is migrated
    (as every open does) before it is read."""
    from flowfi_desktop.store import db as store_db

    with sqlite3.connect(synced.db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0002'")
    engine = store_db.make_engine(synced.db_path)
    assert store_db.recorded_revision(engine) == "0002"
    engine.dispose()
    listed = commands.stream_list(synced.db_path, "local", synced.contract_id)
    assert [s["id"] for s in listed] == sorted(history.model.streams)
    engine = store_db.make_engine(synced.db_path)
    assert store_db.recorded_revision(engine) == store_db.HEAD_REVISION
    engine.dispose()


def test_reads_of_a_damaged_index_say_what_to_do_and_keep_it(tmp_path: Path) -> None:
    path = commands.index_path(tmp_path)
    garbage = b"not a database, just bytes " * 200
    path.write_bytes(garbage)
    with pytest.raises(DamagedIndexError, match=r"is damaged \(file is not a database\)"):
        commands.stream_list(path, "local", "CXXXX")
    with pytest.raises(DamagedIndexError, match="rename it"):
        commands.stream_show(path, "local", "CXXXX", 1)
    with pytest.raises(DamagedIndexError):
        commands.export_csv(path, "local", "CXXXX", tmp_path / "out.csv")
    assert path.read_bytes() == garbage
    with pytest.raises(DamagedIndexError):
        open_store(path)  # what sync, verify and the GUI open
    assert path.read_bytes() == garbage
