"""The workspace's state database, `state.db`: one SQLite file, WAL, short transactions.

Connections get `journal_mode=WAL`, `synchronous=NORMAL`, `foreign_keys=ON` and a busy timeout
(`engine.store.sqlite_db`, shared with history.db), so a reader never waits for a writer and a
writer waits (briefly) instead of failing.
The schema is Alembic's (`engine/store/migrations/`), declared by the SQLModel tables of
`SCHEMA_MODULES`. Opening a database already at the head revision costs one small query and
never loads Alembic; otherwise `engine.store.migrations.upgrade` migrates it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy.engine import Engine

from engine.store.peek import STATE_DB_NAME as STATE_DB_NAME
from engine.store.sqlite_db import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS
from engine.store.sqlite_db import head_revision, open_migrated_engine, upgrade_to_head
from engine.store.sqlite_db import stored_revision as stored_revision

# `PRAGMA user_version` of every state.db Scenarist makes: 1 marks "ours" (the create_all era
# had it too). The schema's own version is Alembic's revision in `alembic_version`.
SCHEMA_VERSION = 1

# Modules that declare state tables (imported for migrations' target metadata).
SCHEMA_MODULES = (
    "engine.store.data_structures", "engine.store.datastore", "engine.store.incomplete",
    "engine.store.counters", "engine.connections.models", "engine.runtime.webhook_queue",
    "engine.runtime.registry", "engine.runtime.hook_store", "engine.runtime.settings",
    "engine.store.trigger_cursors",
)
MIGRATIONS_PACKAGE = "engine.store.migrations"

HEAD_REVISION = head_revision(Path(__file__).resolve().parent / "migrations" / "versions")

_engines: dict[Path, Engine] = {}
_lock = threading.Lock()


def state_db_path(workspace: Path) -> Path:
    return Path(workspace) / STATE_DB_NAME


def upgrade_state_db(engine: Engine) -> None:
    """Migrate the database to the head revision, unless it is there already."""
    upgrade_to_head(engine, HEAD_REVISION, MIGRATIONS_PACKAGE)


def open_state_engine(workspace: Path) -> Engine:
    """A new engine on `<workspace>/state.db`, schema migrated (the caller disposes it)."""
    return open_migrated_engine(state_db_path(workspace), HEAD_REVISION, MIGRATIONS_PACKAGE)


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
