"""A migration cut short changes nothing: the whole upgrade is one SQLite transaction.

The fault is injected with SQLite's authorizer, which refuses one DDL statement in the middle of
an upgrade (standing in for a kill -9 or a full disk at that point).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import DatabaseError

from flowfi_desktop.store import db as store_db


@contextmanager
def refusing(action: int, name: str) -> Iterator[None]:
    """Every new SQLite connection made meanwhile refuses `action` on the object `name`."""

    def authorizer(code: int, arg1: str | None, *_rest: Any) -> int:
        return sqlite3.SQLITE_DENY if (code, arg1) == (action, name) else sqlite3.SQLITE_OK

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_authorizer(authorizer)

    event.listen(Engine, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(Engine, "connect", on_connect)


def _schema(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    return [(str(name), str(sql)) for name, sql in rows]


def test_a_first_open_cut_short_leaves_an_empty_file_that_opens_later(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    engine = store_db.make_engine(path)
    with refusing(sqlite3.SQLITE_CREATE_TABLE, "stream_events"), pytest.raises(DatabaseError):
        store_db.upgrade(engine)  # networks, contracts, tokens and streams came before it
    engine.dispose()
    assert _schema(path) == []

    store = store_db.open_store(path)
    try:
        assert store_db.current_revision(store.engine) == store_db.head_revision()
    finally:
        store.engine.dispose()


def test_an_upgrade_cut_short_keeps_the_old_schema_and_data(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    engine = store_db.make_engine(path)
    store_db.upgrade(engine, "0002")
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO networks (name, passphrase) VALUES ('local', 'p')")
    before = _schema(path)
    # 0003 rebuilds stream_events; its last step, the index, is refused: the copy, the drop and
    # the rename before it must all be undone.
    with (
        refusing(sqlite3.SQLITE_CREATE_INDEX, "ix_stream_events_stream"),
        pytest.raises(DatabaseError),
    ):
        store_db.upgrade(engine)
    assert store_db.current_revision(engine) == "0002"
    assert _schema(path) == before
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM networks").fetchall() == [("local",)]

    store_db.upgrade(engine)
    assert store_db.current_revision(engine) == store_db.head_revision()
    engine.dispose()
