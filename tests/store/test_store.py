"""The index database: schema, migrations, i128 storage, WAL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from flowfi_desktop.store import db as store_db
from flowfi_desktop.store.i128 import I128_MAX, I128_MIN, decode_i128, encode_i128
from flowfi_desktop.store.models import Base, Stream

i128s = st.integers(min_value=I128_MIN, max_value=I128_MAX)


@given(i128s)
def test_i128_round_trips(value: int) -> None:
    assert decode_i128(encode_i128(value)) == value


@given(i128s, i128s)
def test_i128_bytes_sort_like_numbers(a: int, b: int) -> None:
    assert (encode_i128(a) < encode_i128(b)) == (a < b)


@pytest.mark.parametrize("value", [I128_MAX + 1, I128_MIN - 1])
def test_i128_out_of_range_is_refused(value: int) -> None:
    with pytest.raises(ValueError, match="i128"):
        encode_i128(value)


def _insert_stream(connection: sqlite3.Connection, sid: int, deposited: int) -> None:
    connection.execute(
        "INSERT INTO streams (contract_ref, stream_id, sender, recipient, token_address, "
        "rate_per_second, deposited_amount, withdrawn_amount, start_time, last_update_time, "
        "is_active, paused, status, end_time, fees_paid, refunded_amount, updated_ledger) "
        "VALUES (1, ?, 'G', 'G', 'C', ?, ?, ?, 0, 0, 1, 0, 'active', ?, ?, ?, 0)",
        (sid, encode_i128(1), encode_i128(deposited), *(encode_i128(0),) * 4),
    )


def _with_contract(connection: sqlite3.Connection) -> None:
    connection.execute("INSERT INTO networks (id, name, passphrase) VALUES (1, 'local', 'p')")
    connection.execute("INSERT INTO contracts (id, network_id, contract_id) VALUES (1, 1, 'C')")


def test_sql_orders_and_sums_i128_exactly(tmp_path: Path) -> None:
    store = store_db.open_store(tmp_path / "index.db")
    amounts = [-(1 << 100), -5, 0, 7, 10, 9, (1 << 126), (1 << 120) + 1]
    with store.connect_writer() as connection:
        _with_contract(connection)
        for sid, amount in enumerate(amounts, start=1):
            _insert_stream(connection, sid, amount)
        ordered = [
            decode_i128(r[0])
            for r in connection.execute(
                "SELECT deposited_amount FROM streams ORDER BY deposited_amount"
            )
        ]
        assert ordered == sorted(amounts)
        (total,) = connection.execute("SELECT i128_text(i128_sum(deposited_amount)) FROM streams")
        assert int(total[0]) == sum(amounts)
    # The ORM reads the same column as Python ints.
    with store.session() as session:
        biggest = session.scalars(select(Stream).order_by(Stream.deposited_amount.desc())).first()
        assert biggest is not None
        assert biggest.deposited_amount == 1 << 126
    store.close()


def test_pragmas_wal_foreign_keys(tmp_path: Path) -> None:
    store = store_db.open_store(tmp_path / "index.db")
    connection = store.connect_writer()
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        connection.execute("INSERT INTO contracts (network_id, contract_id) VALUES (99, 'C')")
    connection.close()
    store.close()


def test_a_reader_reads_while_the_writer_holds_a_transaction(tmp_path: Path) -> None:
    store = store_db.open_store(tmp_path / "index.db")
    writer = store.connect_writer()
    _with_contract(writer)
    _insert_stream(writer, 1, 100)
    writer.execute("BEGIN IMMEDIATE")
    _insert_stream(writer, 2, 200)
    reader = sqlite3.connect(store.path, timeout=0.1)
    # Sees the committed row, not the pending one, and is not blocked by the writer.
    assert reader.execute("SELECT count(*) FROM streams").fetchone()[0] == 1
    writer.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM streams").fetchone()[0] == 2
    reader.close()
    writer.close()
    store.close()


def test_migrations_create_exactly_the_models(tmp_path: Path) -> None:
    store = store_db.open_store(tmp_path / "index.db")
    inspector = inspect(store.engine)
    for table in Base.metadata.sorted_tables:
        migrated = {c["name"] for c in inspector.get_columns(table.name)}
        assert migrated == {c.name for c in table.columns}, table.name
    assert store_db.current_revision(store.engine) == store_db.head_revision()
    store.close()


def test_an_older_database_is_upgraded_at_open_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = store_db.make_engine(path)
    store_db.upgrade(engine, "0001")  # the first released schema
    assert store_db.current_revision(engine) == "0001"
    with sqlite3.connect(path) as connection:
        _with_contract(connection)
        connection.execute(
            "INSERT INTO indexer_state (contract_ref, cursor, event_count) "
            "VALUES (1, '0000000429496729600-0000000000', 3)"
        )
        connection.execute(
            "INSERT INTO streams (contract_ref, stream_id, sender, recipient, token_address, "
            "rate_per_second, deposited_amount, withdrawn_amount, start_time, last_update_time, "
            "is_active, paused, status, end_time, fees_paid, refunded_amount, updated_ledger) "
            "VALUES (1, 1, 'G', 'G', 'C', ?, ?, ?, 0, 0, 1, 0, 'active', ?, ?, ?, 0)",
            (*(encode_i128(1 << 100),) * 6,),
        )
        connection.execute(
            "INSERT INTO stream_events (contract_ref, id, ledger, close_time, tx_hash, "
            "tx_index, op_index, type, stream_id, fields, topic_xdr, value_xdr) VALUES "
            "(1, '0000000429496729600-0000000000', 100, 5, 'ab', 1, 0, 'stream_paused', 1, "
            "'{}', 't', 'v')"
        )
        assert "gaps" not in {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    engine.dispose()

    store = store_db.open_store(path)
    assert store_db.current_revision(store.engine) == store_db.head_revision() != "0001"
    with store.connect_writer() as connection:
        assert connection.execute(
            "SELECT cursor, event_count, unknown_count FROM indexer_state"
        ).fetchone() == (
            "0000000429496729600-0000000000",
            3,
            0,
        )
        row = connection.execute(
            "SELECT deposited_amount, source, as_of_ledger FROM streams"
        ).fetchone()
        assert (decode_i128(row[0]), row[1], row[2]) == (1 << 100, "events", 0)
        connection.execute(
            "INSERT INTO gaps (contract_ref, from_ledger, to_ledger, detected_at, reason) "
            "VALUES (1, 5, 9, 0, 'test')"
        )
        assert connection.execute("SELECT id, type FROM stream_events").fetchall() == [
            ("0000000429496729600-0000000000", "stream_paused")
        ]
        (table_sql,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'stream_events'"
        ).fetchone()
        assert "WITHOUT ROWID" not in table_sql
        assert "PRIMARY KEY (contract_ref, id)" in table_sql
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            connection.execute(
                "INSERT INTO stream_events (contract_ref, id, ledger, close_time, tx_hash, "
                "tx_index, op_index, type, topic_xdr, value_xdr) VALUES "
                "(1, '0000000429496729600-0000000000', 100, 5, 'ab', 1, 0, 'x', 't', 'v')"
            )
    store.close()


def test_opening_twice_does_not_migrate_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_db.open_store(tmp_path / "index.db").close()
    calls: list[str] = []
    monkeypatch.setattr(store_db, "upgrade", lambda engine, revision="head": calls.append(revision))
    store_db.open_store(tmp_path / "index.db").close()
    assert calls == []
