"""Opening the index: SQLite on disk, WAL, migrations run at open.

- ``journal_mode=WAL``: the GUI (readers) keeps reading while the indexer (the single writer)
  commits; readers see the last committed transaction, never a half-applied page.
- ``synchronous=NORMAL``: in WAL mode a commit is durable against an application crash
  (``kill -9``) and the database can never be corrupted; only a power loss or OS crash may roll
  back the last few commits. That is harmless for a cache of the chain: the cursor rolls back
  together with the events it covers, and the next sync fetches them again. FULL would add an
  fsync per commit for no gain in correctness.
- ``foreign_keys=ON`` on every connection (SQLite defaults to off).
- ``busy_timeout``: a reader that meets a checkpoint waits instead of failing.

Migrations are the Alembic scripts packaged in ``flowfi_desktop/store/migrations``; no
alembic.ini is needed. Opening an index that is up to date does not import Alembic (~100 ms of
imports on top of SQLAlchemy's, for every CLI command that reads the index): the revision the
file records is read with plain SQL and compared with ``HEAD_REVISION``; only a different (or
no) revision goes through Alembic, exactly as before.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from flowfi_desktop.store.damage import DamagedIndexError, damage_reason
from flowfi_desktop.store.i128 import register_functions
from flowfi_desktop.store.revision import HEAD_REVISION
from flowfi_desktop.store.revision import recorded_revision as revision_of

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = "flowfi_desktop.store:migrations"
BUSY_TIMEOUT_MS = 10_000
WRITER_CACHE_KIB = 32 * 1024


def apply_pragmas(connection: sqlite3.Connection) -> None:
    """Pragmas and functions every connection to the index gets (see the module docstring)."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Checkpoint the WAL every ~40 MB rather than every 4 MB: a catch-up rewrites the same
    # index and stream pages page after page, and each checkpoint copies them again.
    connection.execute("PRAGMA wal_autocheckpoint=10000")
    register_functions(connection)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def head_revision() -> str:
    """The newest revision among the migration scripts, as Alembic finds it."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        apply_pragmas(dbapi_connection)

    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Runs the migrations up to ``revision`` (default: the newest) in one transaction.

    pysqlite opens transactions only before DML, so DDL would commit statement by statement: a
    migration cut short (kill -9, a full disk) left some tables created and the version not
    recorded, and the next open failed on "table already exists". On a connection of its own,
    with the driver's transaction handling off, an explicit BEGIN covers the whole upgrade:
    SQLite's DDL is transactional, so it lands entirely or not at all.
    """
    migrating = create_engine(engine.url, poolclass=NullPool)

    @event.listens_for(migrating, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        apply_pragmas(dbapi_connection)
        dbapi_connection.isolation_level = None

    @event.listens_for(migrating, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    from alembic import command

    config = alembic_config()
    try:
        with migrating.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        migrating.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database records, as Alembic reads it (None: not migrated yet)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def recorded_revision(engine: Engine) -> str | None:
    """The one revision the database records (``revision.recorded_revision``)."""
    raw = engine.raw_connection()
    try:
        return revision_of(cast(sqlite3.Connection, raw.driver_connection))
    finally:
        raw.close()


@dataclass
class Store:
    """An open index database: an engine for readers and ORM use, and raw writer connections
    for the indexer's hot path."""

    path: Path
    engine: Engine
    sessions: sessionmaker[Session]

    def session(self) -> Session:
        return self.sessions()

    def connect_writer(self) -> sqlite3.Connection:
        """A raw sqlite3 connection in autocommit mode: the caller issues BEGIN/COMMIT."""
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        apply_pragmas(connection)
        # 32 MiB of page cache (default 2 MiB): the event index takes inserts all over as
        # stream ids interleave, and a large catch-up would otherwise reread its pages.
        connection.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
        return connection

    def close(self) -> None:
        self.engine.dispose()


def open_store(path: Path | str) -> Store:
    """Opens (creating if needed) the index at ``path`` and brings its schema up to date;
    ``DamagedIndexError`` when the file is not a sound SQLite database."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(path)
    try:
        # The usual case, an index already at HEAD_REVISION, is settled without Alembic; any
        # other goes through Alembic's own reading, as it always did.
        if (
            recorded_revision(engine) != HEAD_REVISION
            and current_revision(engine) != head_revision()
        ):
            upgrade(engine)
    except Exception as error:
        engine.dispose()
        reason = damage_reason(error)
        if reason is None:
            raise
        raise DamagedIndexError(path, reason) from None
    return Store(path=path, engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
