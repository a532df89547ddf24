"""The workspace's state database, `state.db`: one SQLite file, WAL, short transactions.

Connections get `journal_mode=WAL`, `synchronous=NORMAL`, `foreign_keys=ON` and a busy timeout,
so a reader never waits for a writer and a writer waits (briefly) instead of failing.
The schema comes from the SQLModel tables of `SCHEMA_MODULES` (`create_all`, stamped with
`PRAGMA user_version`); Alembic migrations replace this once Alembic is a dependency.
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

STATE_DB_NAME = "state.db"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 5000

# Modules that declare state tables; imported before the schema is created.
SCHEMA_MODULES = ("engine.store.data_structures", "engine.store.datastore")

_engines: dict[Path, Engine] = {}
_lock = threading.Lock()


def state_db_path(workspace: Path) -> Path:
    return Path(workspace) / STATE_DB_NAME


def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _create_schema(engine: Engine) -> None:
    for name in SCHEMA_MODULES:
        importlib.import_module(name)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA user_version={SCHEMA_VERSION}")


def open_state_engine(workspace: Path) -> Engine:
    """A new engine on `<workspace>/state.db`, schema created (the caller disposes it)."""
    path = state_db_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _configure_connection)
    _create_schema(engine)
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
