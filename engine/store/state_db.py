"""The workspace's state database, `state.db`: one SQLite file, WAL, short transactions.

Connections get `journal_mode=WAL`, `synchronous=NORMAL`, `foreign_keys=ON` and a busy timeout,
so a reader never waits for a writer and a writer waits (briefly) instead of failing.
The schema is Alembic's (`engine/store/migrations/`), declared by the SQLModel tables of
`SCHEMA_MODULES`. Opening a database already at the head revision costs one small query and
never loads Alembic; otherwise `engine.store.migrations.upgrade` migrates it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import create_engine

STATE_DB_NAME = "state.db"
# `PRAGMA user_version` of every state.db Scenarist makes: 1 marks "ours" (the create_all era
# had it too). The schema's own version is Alembic's revision in `alembic_version`.
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 5000

# Modules that declare state tables (imported for migrations' target metadata).
SCHEMA_MODULES = (
    "engine.store.data_structures", "engine.store.datastore", "engine.store.incomplete"
)

_VERSIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"


def _head_revision() -> str:
    # Revisions are numbered like their files (versions/0001_initial.py is "0001"), so the
    # head is known without loading Alembic; tests/store/test_migrations.py checks this.
    numbers = [name[:4] for name in os.listdir(_VERSIONS_DIR)
               if name.endswith(".py") and name[:4].isdigit()]
    return max(numbers)


HEAD_REVISION = _head_revision()

_engines: dict[Path, Engine] = {}
_lock = threading.Lock()
_migration_lock = threading.Lock()  # Alembic's migration context is process-global


def state_db_path(workspace: Path) -> Path:
    return Path(workspace) / STATE_DB_NAME


def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # The busy timeout first: switching a new file to WAL needs the write lock.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def stored_revision(conn: Connection) -> str | None:
    """The Alembic revision a database is at (None: never migrated)."""
    versioned = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
    ).scalar()
    if not versioned:
        return None
    revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return None if revision is None else str(revision)


def upgrade_state_db(engine: Engine) -> None:
    """Migrate the database to the head revision, unless it is there already."""
    with engine.connect() as conn:
        if stored_revision(conn) == HEAD_REVISION:
            return
    from engine.store import migrations  # Alembic loads only when there is work to do

    with _migration_lock:
        migrations.upgrade(engine)


def open_state_engine(workspace: Path) -> Engine:
    """A new engine on `<workspace>/state.db`, schema migrated (the caller disposes it)."""
    path = state_db_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _configure_connection)
    try:
        upgrade_state_db(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def state_engine(workspace: Path) -> Engine:
    """The shared engine of a workspace's state database, opened on first use."""
    key = Path(workspace).resolve()
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = open_state_engine(key)
        return engine


def release_state_engine(workspace: Path) -> None:
    """Close the pooled connections of a workspace (before deleting it, or at shutdown)."""
    with _lock:
        engine = _engines.pop(Path(workspace).resolve(), None)
    if engine is not None:
        engine.dispose()
