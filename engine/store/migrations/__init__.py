"""Alembic migrations of the workspace's `state.db`, run by Scenarist itself (no alembic.ini).

`upgrade(engine)` brings a database to the newest revision under SQLite's write lock, so two
processes opening one workspace at once migrate it once. A database made before migrations
existed (`create_all`, `PRAGMA user_version=1`, no `alembic_version`) is adopted: stamped at
the first revision when its tables are exactly what that revision creates.

Changing the schema: edit the SQLModel tables, then add `versions/NNNN_<what>.py` with
`revision = "NNNN"` (the next number; the newest file is the head). To draft it:
`command.revision(alembic_config(url="sqlite:///draft.db"), "what", autogenerate=True,
rev_id="NNNN")` on a draft database upgraded to the current head; review it before committing.
tests/store/test_migrations.py fails while the models and the migrations disagree.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from engine.errors import ScenaristError
from engine.store import sqlite_db
from engine.store.state_db import SCHEMA_MODULES, SCHEMA_VERSION

MIGRATIONS_DIR = Path(__file__).resolve().parent
FIRST_REVISION = "0001"


def alembic_config(connection: Connection | None = None, *, url: str | None = None) -> Config:
    """An Alembic config built in code: our script folder, and the connection to migrate."""
    return sqlite_db.alembic_config(MIGRATIONS_DIR, connection, url=url)


def script_head() -> str:
    return sqlite_db.script_head(MIGRATIONS_DIR)


def state_metadata() -> MetaData:
    """The tables the models of `SCHEMA_MODULES` declare (not other SQLModel databases')."""
    metadata = MetaData()
    for name in SCHEMA_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, SQLModel)
                    and value.__module__ == name and hasattr(value, "__table__")):
                value.__table__.to_metadata(metadata)
    return metadata


def upgrade(engine: Engine) -> None:
    """Bring `state.db` to the head revision (not thread-safe: Alembic's context is global)."""
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn, sqlite_db.write_locked(conn):
            _upgrade_locked(conn)
        return
    with engine.connect() as conn:
        # Off outside the transaction: a table rebuilt by batch mode must not cascade deletes.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            with sqlite_db.write_locked(conn):
                _upgrade_locked(conn)
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def _upgrade_locked(conn: Connection) -> None:
    config = alembic_config(conn)
    script = ScriptDirectory.from_config(config)
    revision = sqlite_db.known_stored_revision(conn, script, "state.db")
    if revision is not None:
        if revision == script.get_current_head():
            return
    elif _table_names(conn):
        _adopt_unversioned(conn, config)
    command.upgrade(config, "head")
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL checks foreign keys itself and has no user_version
    violations = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if violations:
        raise ScenaristError(f"state.db migration broke foreign keys: {violations[:5]}")
    conn.exec_driver_sql(f"PRAGMA user_version={SCHEMA_VERSION}")


def _adopt_unversioned(conn: Connection, config: Config) -> None:
    """Stamp a pre-migrations database at the first revision if its schema is that one."""
    if conn.dialect.name != "sqlite":
        raise ScenaristError(
            "the state schema has tables but no schema revision: it was not made by"
            " Scenarist; point --database at an empty database")
    found = schema_signature(conn)
    expected = _first_revision_signature()
    if found != expected:
        raise ScenaristError(
            "state.db has tables but no schema revision, and they are not the ones the first"
            f" Scenarist release made (found {sorted(found)}); move the file away to start"
            " afresh"
        )
    command.stamp(config, FIRST_REVISION)


def _first_revision_signature() -> dict[str, Any]:
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as conn:
            command.upgrade(alembic_config(conn), FIRST_REVISION)
            return schema_signature(conn)
    finally:
        scratch.dispose()


def _table_names(conn: Connection) -> list[str]:
    if conn.dialect.name == "postgresql":
        from engine.store.pg_db import table_names

        return [name for name in table_names(conn) if name != "alembic_version"]
    rows = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='table'"
        " AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version' ORDER BY name"
    )
    return [name for (name,) in rows]


def schema_signature(conn: Connection) -> dict[str, Any]:
    """Tables as SQLite sees them: columns, foreign keys, indexes (comparable across files)."""
    signature: dict[str, Any] = {}
    for table in _table_names(conn):
        columns = conn.exec_driver_sql(f'PRAGMA table_info("{table}")').all()
        foreign_keys = conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")').all()
        indexes = []
        for _seq, index, unique, origin, partial in conn.exec_driver_sql(
            f'PRAGMA index_list("{table}")'
        ).all():
            index_columns = conn.exec_driver_sql(f'PRAGMA index_info("{index}")').all()
            indexes.append((index, unique, origin, partial,
                            tuple(name for _n, _cid, name in index_columns)))
        signature[table] = {
            "columns": [tuple(row) for row in columns],
            "foreign_keys": sorted(tuple(row[2:]) for row in foreign_keys),
            "indexes": sorted(indexes),
        }
    return signature
