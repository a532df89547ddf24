"""The same Alembic scripts build state and history on PostgreSQL: two schemas of one
database, each with its own revision, with the tables and columns SQLite gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, types
from sqlalchemy.engine import Connection, Engine

from engine.store.database import HISTORY_SCHEMA, STATE_SCHEMA, DatabaseUnreachable
from engine.store.history_db import HEAD_REVISION as HISTORY_HEAD
from engine.store.history_db import HISTORY_METADATA, open_history_engine
from engine.store.pg_db import create_pg_engine
from engine.store.sqlite_db import open_migrated_engine, stored_revision
from engine.store.state_db import HEAD_REVISION as STATE_HEAD
from engine.store.state_db import open_state_engine
from tests.support.schema_drift import schema_drift

_GENERIC = (types.Boolean, types.DateTime, types.Float, types.Integer, types.LargeBinary,
            types.String)


def _kind(type_: Any) -> str:
    """A column type as both dialects can agree on it (PostgreSQL's BYTEA is a binary,
    SQLite's Text a string)."""
    for generic in _GENERIC:
        if isinstance(type_, generic):
            return generic.__name__
    return type(type_).__name__


def signature(conn: Connection) -> dict[str, Any]:
    found = inspect(conn)
    return {
        table: {
            "columns": sorted((c["name"], _kind(c["type"]), c["nullable"])
                              for c in found.get_columns(table)),
            "primary_key": sorted(found.get_pk_constraint(table)["constrained_columns"]),
            "foreign_keys": sorted((tuple(fk["constrained_columns"]), fk["referred_table"])
                                   for fk in found.get_foreign_keys(table)),
            # PostgreSQL lists a unique constraint's index too; constraints are compared
            # by their columns (SQLite leaves them unnamed).
            "indexes": sorted((ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                              for ix in found.get_indexes(table)
                              if "duplicates_constraint" not in ix),
            "unique": sorted(tuple(u["column_names"])
                             for u in found.get_unique_constraints(table)),
        }
        for table in found.get_table_names()
    }


def _of(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return signature(conn)


@pytest.fixture
def on_postgres(tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace folder whose state and history live in the test's PostgreSQL."""
    monkeypatch.setenv("SCENARIST_DATABASE", postgres_url)
    return tmp_path / "pg-workspace"


def test_empty_postgres_is_migrated_to_head_like_sqlite(on_postgres: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    pg_state, pg_history = open_state_engine(on_postgres), open_history_engine(on_postgres)
    monkeypatch.delenv("SCENARIST_DATABASE")
    lite_state, lite_history = open_state_engine(tmp_path), open_history_engine(tmp_path)
    try:
        assert pg_state.dialect.name == "postgresql" and lite_state.dialect.name == "sqlite"
        with pg_state.connect() as conn:
            assert stored_revision(conn) == STATE_HEAD
            schemas = set(inspect(conn).get_schema_names())
        with pg_history.connect() as conn:
            assert stored_revision(conn) == HISTORY_HEAD
        assert {STATE_SCHEMA, HISTORY_SCHEMA} <= schemas
        assert _of(pg_state) == _of(lite_state)
        assert _of(pg_history) == _of(lite_history)
        assert "data_store" in _of(pg_state) and "execution" in _of(pg_history)
        assert "execution" not in _of(pg_state)  # the two schemas stay apart
    finally:
        for engine in (pg_state, pg_history, lite_state, lite_history):
            engine.dispose()


def test_models_and_migrations_agree_on_postgres(on_postgres: Path) -> None:
    from engine.store.migrations import state_metadata

    assert schema_drift(open_state_engine(on_postgres), state_metadata()) == []
    assert schema_drift(open_history_engine(on_postgres), HISTORY_METADATA) == []


def test_state_migrations_downgrade_and_upgrade_again_on_postgres(on_postgres: Path) -> None:
    from engine.store.migrations import alembic_config

    engine = open_state_engine(on_postgres)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
            assert set(inspect(conn).get_table_names()) == {"alembic_version"}
            command.upgrade(alembic_config(conn), "head")
            assert stored_revision(conn) == STATE_HEAD
            assert "data_store" in inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_reopening_at_head_migrates_nothing(on_postgres: Path) -> None:
    open_state_engine(on_postgres).dispose()
    engine = open_state_engine(on_postgres)
    try:
        with engine.connect() as conn:
            versions = conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar()
        assert versions == 1
    finally:
        engine.dispose()


def test_an_unreachable_server_is_named(tmp_path: Path) -> None:
    from engine.temporal.dev_server import free_port

    port = free_port()  # nothing listens there
    with pytest.raises(DatabaseUnreachable, match=f"127.0.0.1:{port}"):
        open_migrated_engine(tmp_path, STATE_HEAD, "engine.store.migrations",
                             database=f"postgresql+psycopg://u@127.0.0.1:{port}/db",
                             schema=STATE_SCHEMA)


def test_pg_engine_works_in_its_schema(postgres_url: str) -> None:
    engine = create_pg_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"),
                              "some_schema")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW search_path").scalar() == "some_schema"
            assert conn.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
    finally:
        engine.dispose()


RACER = """
import sys
from pathlib import Path
from engine.store.history_db import open_history_engine
from engine.store.state_db import open_state_engine
open_state_engine(Path(sys.argv[1])).dispose()
open_history_engine(Path(sys.argv[1])).dispose()
"""


def test_processes_migrating_one_database_together_all_succeed(on_postgres: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    children = [subprocess.Popen([sys.executable, "-c", RACER, str(on_postgres / str(i))],
                                 cwd=root, env=os.environ.copy(), stderr=subprocess.PIPE,
                                 text=True) for i in range(4)]
    errors = [child.communicate(timeout=120)[1] for child in children]
    assert [child.returncode for child in children] == [0] * 4, errors
    for engine in (open_state_engine(on_postgres), open_history_engine(on_postgres)):
        try:
            with engine.connect() as conn:
                rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
            assert len(rows) == 1
        finally:
            engine.dispose()
