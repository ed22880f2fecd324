"""Opening an up-to-date index settles its revision with plain SQL, without Alembic; every other
case still goes through Alembic as before."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from flowfi_desktop.store import db as store_db


def test_head_revision_constant_is_alembics_head() -> None:
    # A new migration must move HEAD_REVISION too; otherwise every open would look outdated
    # (and import Alembic for nothing) or, worse, a new schema would be taken as current.
    assert store_db.head_revision() == store_db.HEAD_REVISION


@pytest.mark.parametrize("revision", ["0001", "0002", "head"])
def test_recorded_revision_agrees_with_alembic(tmp_path: Path, revision: str) -> None:
    engine = store_db.make_engine(tmp_path / "index.db")
    assert store_db.recorded_revision(engine) is None  # a new file: no version table
    store_db.upgrade(engine, revision)
    assert store_db.recorded_revision(engine) == store_db.current_revision(engine)
    assert store_db.recorded_revision(engine) == (
        store_db.HEAD_REVISION if revision == "head" else revision
    )
    engine.dispose()


def test_an_ambiguous_version_table_is_left_to_alembic(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    store_db.open_store(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO alembic_version VALUES ('0002')")
    engine = store_db.make_engine(path)
    assert store_db.recorded_revision(engine) is None  # two rows: not a revision to trust
    engine.dispose()


def test_an_outdated_index_is_still_upgraded_at_open(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    engine = store_db.make_engine(path)
    store_db.upgrade(engine, "0002")
    engine.dispose()
    store = store_db.open_store(path)
    assert store_db.recorded_revision(store.engine) == store_db.HEAD_REVISION
    store.close()


def test_opening_an_up_to_date_index_does_not_import_alembic(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    store_db.open_store(path).close()
    script = (
        "import sys\n"
        "from flowfi_desktop.store.db import open_store\n"
        f"open_store({str(path)!r}).close()\n"
        "print('alembic' in sys.modules)\n"
        "from flowfi_desktop.store.db import head_revision\n"
        "head_revision()\n"
        "print('alembic' in sys.modules)\n"  # guards the check above: the name is right
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["False", "True"]
