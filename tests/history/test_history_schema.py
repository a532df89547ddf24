"""A new history.db is made from the SQL its migrations write (engine.store.history_schema),
without SQLAlchemy or Alembic: the file must be the one Alembic would have made."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine.store.history_db import HEAD_REVISION, HISTORY_METADATA, open_history_engine
from engine.store.history_file import history_db_path, open_history_file
from engine.store.history_schema import SCHEMA_FILE, create_if_new, schema_text
from tests.support.schema_drift import schema_drift
from tests.support.together import all_at_once


def _schema(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
    finally:
        conn.close()


def test_the_stored_sql_is_what_the_migrations_make(tmp_path: Path) -> None:
    open_history_engine(tmp_path).dispose()  # Alembic, from nothing to head
    conn = sqlite3.connect(history_db_path(tmp_path))
    try:
        made = schema_text(conn, HEAD_REVISION)
    finally:
        conn.close()
    assert SCHEMA_FILE.read_text(encoding="utf-8") == made, (
        "a migration changed history.db: run `uv run python -m engine.store.history_schema`")


def test_a_new_file_is_alembics_own_at_head(tmp_path: Path) -> None:
    by_alembic, by_sql = tmp_path / "alembic", tmp_path / "sql"
    open_history_engine(by_alembic).dispose()
    open_history_file(by_sql).close()
    assert _schema(history_db_path(by_sql)) == _schema(history_db_path(by_alembic))
    engine = open_history_engine(by_sql)  # at head: Alembic has nothing to do
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [
            (HEAD_REVISION,)]
    assert schema_drift(engine, HISTORY_METADATA) == []


def test_a_new_file_says_it_was_just_pruned(tmp_path: Path) -> None:
    """Retention loads SQLAlchemy; a file with nothing old in it waits a day like any other."""
    open_history_file(tmp_path).close()
    conn = sqlite3.connect(history_db_path(tmp_path))
    try:
        assert conn.execute(
            "SELECT key FROM history_meta").fetchall() == [("pruned_at",)]
    finally:
        conn.close()


def test_a_file_with_anything_in_it_is_left_to_alembic(tmp_path: Path) -> None:
    path = history_db_path(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE someone_elses (x)")
    conn.commit()
    try:
        assert create_if_new(conn, HEAD_REVISION) is False
        assert create_if_new(sqlite3.connect(":memory:"), "0000") is False  # not at head
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == [
            "someone_elses"]
    finally:
        conn.close()


def test_several_first_runs_at_once_make_one_schema(tmp_path: Path) -> None:
    assert all_at_once(lambda: open_history_file(tmp_path).close()) == []
    reference = tmp_path / "reference"
    open_history_engine(reference).dispose()
    assert _schema(history_db_path(tmp_path)) == _schema(history_db_path(reference))
