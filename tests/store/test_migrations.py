"""state.db migrations: new, legacy and concurrent opens, and models agreeing with revisions."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from engine.errors import ScenaristError
from engine.store.datastore import DataStoreSession
from engine.store.migrations import (
    MIGRATIONS_DIR,
    alembic_config,
    schema_signature,
    script_head,
    state_metadata,
)
from engine.store.state_db import (
    HEAD_REVISION,
    SCHEMA_VERSION,
    open_state_engine,
    state_db_path,
)
from tests.support.schema_drift import schema_drift
from tests.support.together import all_at_once

STATE_TABLES = {
    "data_store", "data_store_record", "data_structure", "data_store_journal",
    "incomplete_blueprint", "incomplete_execution", "scenario_health", "increment_counter",
    "connection", "connection_import", "webhook_request", "scenario", "webhook", "setting",
    "trigger_cursor",
}
ROOT = Path(__file__).resolve().parents[2]

# What `SQLModel.metadata.create_all` wrote before migrations existed (user_version=1).
LEGACY_SCHEMA = """
CREATE TABLE data_structure (
	id VARCHAR NOT NULL,
	name VARCHAR NOT NULL,
	spec VARCHAR NOT NULL,
	strict BOOLEAN NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
CREATE TABLE data_store (
	id VARCHAR NOT NULL,
	name VARCHAR NOT NULL,
	data_structure_id VARCHAR,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
CREATE TABLE data_store_record (
	store_id VARCHAR NOT NULL,
	"key" VARCHAR NOT NULL,
	data VARCHAR NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (store_id, "key"),
	FOREIGN KEY(store_id) REFERENCES data_store (id) ON DELETE CASCADE
);
PRAGMA user_version=1;
"""


@contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to the workspace's state.db, committed and closed after."""
    conn = sqlite3.connect(state_db_path(path))
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def revision_of(path: Path) -> list[str]:
    with raw(path) as conn:
        return [r for (r,) in conn.execute("SELECT version_num FROM alembic_version")]


def test_new_workspace_is_migrated_to_head(tmp_path: Path) -> None:
    engine = open_state_engine(tmp_path)
    try:
        assert STATE_TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert revision_of(tmp_path) == [HEAD_REVISION]
    with raw(tmp_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    metadata = state_metadata()
    assert set(metadata.tables) == STATE_TABLES
    assert schema_drift(open_state_engine(tmp_path), metadata) == []


def test_head_revision_is_the_newest_numbered_file() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD_REVISION] == [script_head()]
    revisions = list(script.walk_revisions())
    for revision in revisions:
        assert revision.path is not None
        assert Path(revision.path).name.startswith(f"{revision.revision}_")
        assert re.fullmatch(r"\d{4}", revision.revision)
    assert (MIGRATIONS_DIR / "script.py.mako").exists() and (MIGRATIONS_DIR / "env.py").exists()


def test_migrations_downgrade_and_upgrade_again() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        command.downgrade(alembic_config(conn), "base")
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
        command.upgrade(alembic_config(conn), "head")
        assert STATE_TABLES <= set(inspect(conn).get_table_names())


def test_database_from_before_migrations_is_adopted_with_its_records(tmp_path: Path) -> None:
    with raw(tmp_path) as conn:
        conn.executescript(LEGACY_SCHEMA)
        conn.execute("INSERT INTO data_store VALUES ('7', 'Leads', NULL, '2024-01-01 00:00:00')")
        conn.execute("INSERT INTO data_store_record VALUES ('7', 'k', '{\"email\":\"a@b.c\"}',"
                     " '2024-01-01 00:00:00', '2024-01-01 00:00:00')")
    engine = open_state_engine(tmp_path)
    try:
        assert DataStoreSession(engine).get(7, "k") == {"email": "a@b.c"}
    finally:
        engine.dispose()
    assert revision_of(tmp_path) == [HEAD_REVISION]


def schema_signature_of(path: Path) -> dict[str, object]:
    engine = create_engine(f"sqlite:///{state_db_path(path)}")
    try:
        with engine.connect() as conn:
            has_version = inspect(conn).has_table("alembic_version")
            return {"versioned": has_version, **schema_signature(conn)}
    finally:
        engine.dispose()


def test_unversioned_database_with_other_tables_is_refused_untouched(tmp_path: Path) -> None:
    with raw(tmp_path) as conn:
        conn.executescript(LEGACY_SCHEMA.replace("strict BOOLEAN", "strictness BOOLEAN"))
        before = schema_signature_of(tmp_path)
    with pytest.raises(ScenaristError, match="no schema revision"):
        open_state_engine(tmp_path)
    assert schema_signature_of(tmp_path) == before


def test_database_from_a_newer_scenarist_is_refused(tmp_path: Path) -> None:
    open_state_engine(tmp_path).dispose()
    with raw(tmp_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(ScenaristError, match="newer version"):
        open_state_engine(tmp_path)
    assert revision_of(tmp_path) == ["9999"]


def test_open_at_head_is_fast_and_never_loads_alembic(tmp_path: Path) -> None:
    open_state_engine(tmp_path).dispose()
    timings = []
    for _ in range(10):
        start = time.perf_counter()
        open_state_engine(tmp_path).dispose()
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[5] < 0.025
    probe = ("import sys; from engine.store.state_db import open_state_engine;"
             f" open_state_engine({str(tmp_path)!r}).dispose();"
             " print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"


# A child process: load everything (Alembic too), wait until all children are ready, open.
RACER = """
import sys, time
from pathlib import Path
import engine.store.migrations
from engine.store.state_db import open_state_engine
workspace, gate, index, count = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
(gate / index).touch()
while len(list(gate.iterdir())) < count:
    time.sleep(0.001)
open_state_engine(workspace).dispose()
"""


def test_processes_opening_a_new_workspace_together_all_succeed(tmp_path: Path) -> None:
    workspace, gate, count = tmp_path / "ws", tmp_path / "gate", 6
    gate.mkdir()
    children = [
        subprocess.Popen([sys.executable, "-c", RACER, str(workspace), str(gate), str(i),
                          str(count)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for i in range(count)
    ]
    errors = [child.communicate(timeout=90)[1] for child in children]
    assert [child.returncode for child in children] == [0] * count, errors
    assert revision_of(workspace) == [HEAD_REVISION]


def test_threads_opening_a_new_workspace_together_all_succeed(tmp_path: Path) -> None:
    assert all_at_once(lambda: open_state_engine(tmp_path).dispose()) == []
    assert revision_of(tmp_path) == [HEAD_REVISION]
