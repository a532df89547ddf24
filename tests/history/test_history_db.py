"""history.db: its own file, the same connection settings as state.db, migrations = models."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory

from engine.store.history_db import (
    HEAD_REVISION,
    HISTORY_METADATA,
    history_db_path,
    open_history_engine,
)
from engine.store.history_migrations import alembic_config, script_head
from engine.store.state_db import open_state_engine
from tests.support.schema_drift import schema_drift


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    assert schema_drift(open_history_engine(tmp_path), HISTORY_METADATA) == []


def test_head_revision_is_the_newest_file() -> None:
    assert HEAD_REVISION == script_head()
    script = ScriptDirectory.from_config(alembic_config())
    for revision in script.walk_revisions():
        assert re.match(rf"{revision.revision}_\w+\.py$", Path(revision.path).name)


def test_connection_settings_and_reopening(tmp_path: Path) -> None:
    engine = open_history_engine(tmp_path)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        engine.dispose()
    again = open_history_engine(tmp_path)  # already at head: nothing to do
    again.dispose()
    raw = sqlite3.connect(history_db_path(tmp_path))
    try:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (HEAD_REVISION,)]
    finally:
        raw.close()


def test_history_lives_apart_from_state(tmp_path: Path) -> None:
    open_history_engine(tmp_path).dispose()
    open_state_engine(tmp_path).dispose()

    def tables(name: str) -> set[str]:
        conn = sqlite3.connect(tmp_path / name)
        try:
            return {t for (t,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")} - {"alembic_version"}
        finally:
            conn.close()

    history, state = tables("history.db"), tables("state.db")
    assert {"execution", "operation", "blueprint_version", "execution_blob"} <= history
    assert not history & state
