"""state.db: pragmas and schema."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from engine.store.state_db import (
    SCHEMA_VERSION,
    release_state_engine,
    state_db_path,
    state_engine,
)


def test_state_db_is_wal_with_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = state_engine(tmp_path)
    try:
        assert state_db_path(tmp_path).exists()
        with engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") >= 1000
            assert pragma("user_version") == SCHEMA_VERSION
        tables = set(inspect(engine).get_table_names())
        assert {"data_store", "data_store_record", "data_structure"} <= tables
    finally:
        release_state_engine(tmp_path)


def test_one_engine_per_workspace(tmp_path: Path) -> None:
    try:
        assert state_engine(tmp_path) is state_engine(tmp_path / "." )
    finally:
        release_state_engine(tmp_path)
