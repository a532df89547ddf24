"""Quick reads of a workspace's databases with the standard library's sqlite3, read-only,
for the window's first frame: its theme, which scenarios are registered with the background
runtime (and switched on), each scenario's latest runs, and how many of its incomplete
executions wait. SQLAlchemy, the schemas and the
full reads (engine.runtime, engine.history) load just after that frame.

Each answer is None when the file cannot say (a table or column not there, a value that is
not JSON, the database locked for longer than a moment): the caller then reads the usual
way, later. A database not created yet means nothing stored; a workspace whose state and history are
in a shared database (engine.store.database) gets None from all of them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.store.database import database_of
from engine.store.history_file import HISTORY_DB_NAME
from engine.store.sqlite_file import read_only
from engine.store.state_file import STATE_DB_NAME

_TIMEOUT_S = 0.2


def _query(database: Path, sql: str, *args: Any) -> list[tuple[Any, ...]] | None:
    if database_of(database.parent) is not None:
        return None  # the workspace's state and history are in a shared database
    try:
        conn = read_only(database, _TIMEOUT_S)
    except sqlite3.Error:
        return None
    if conn is None:
        return []  # nothing stored yet
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def stored_setting(workspace: Path, key: str) -> tuple[bool, Any] | None:
    """(True, value) for a stored setting, (False, None) for one never set (its default
    applies; no state.db yet too), None when state.db cannot say."""
    rows = _query(Path(workspace) / STATE_DB_NAME, "SELECT value FROM setting WHERE key = ?",
                  key)
    if rows is None:
        return None
    if not rows:
        return False, None
    try:
        return True, json.loads(rows[0][0])
    except (TypeError, ValueError):
        return None


def any_scenario_registered(workspace: Path) -> bool | None:
    rows = _query(Path(workspace) / STATE_DB_NAME, "SELECT 1 FROM scenario LIMIT 1")
    return None if rows is None else bool(rows)


def active_files(workspace: Path) -> dict[Path, bool] | None:
    """Each registered scenario's file (resolved) and whether it is switched on."""
    rows = _query(Path(workspace) / STATE_DB_NAME, "SELECT file, active FROM scenario")
    if rows is None:
        return None
    try:
        return {Path(file).resolve(): bool(active) for file, active in rows}
    except (TypeError, ValueError, OSError):
        return None


def latest_runs(workspace: Path, scenarios: Iterable[str]
                ) -> dict[str, tuple[str, datetime]] | None:
    """Each scenario's latest run (check runs left out, as the history lists them):
    (status, started at, aware UTC); scenarios never run are left out."""
    database = Path(workspace) / HISTORY_DB_NAME
    found: dict[str, tuple[str, datetime]] = {}
    for name in scenarios:
        rows = _query(database, "SELECT status, started_at FROM execution WHERE scenario = ? "
                      "AND check_run = 0 ORDER BY started_at DESC, num DESC LIMIT 1", name)
        if rows is None:
            return None
        if rows:
            status, started = rows[0]
            try:
                moment = datetime.fromisoformat(started)
            except (TypeError, ValueError):
                return None
            found[name] = (str(status), moment.replace(tzinfo=UTC) if moment.tzinfo is None
                           else moment.astimezone(UTC))
    return found


_RUN_COLUMNS = ("id, status, started_at, finished_at, operations, data_transfer, trigger, "
                "kind, check_run, resumed_from, paused_s")


def newest_runs(workspace: Path, scenario: str, limit: int
                ) -> tuple[list[tuple[Any, ...]], int] | None:
    """The scenario's newest `limit` runs, check runs left out (the history list's first
    page: engine.history.runs' columns, as stored), and how many runs there are."""
    database = Path(workspace) / HISTORY_DB_NAME
    where = "FROM execution WHERE scenario = ? AND check_run = 0"
    rows = _query(database, f"SELECT {_RUN_COLUMNS} {where} "
                  "ORDER BY started_at DESC, num DESC LIMIT ?", scenario, limit)
    if rows is None:
        return None
    if len(rows) < limit:
        return rows, len(rows)
    counted = _query(database, f"SELECT count(*) {where}", scenario)
    return None if not counted else (rows, int(counted[0][0]))


def pending_incomplete(workspace: Path, scenario: str) -> int | None:
    """How many of the scenario's incomplete executions wait (engine.store.incomplete's
    pending ones)."""
    rows = _query(Path(workspace) / STATE_DB_NAME, "SELECT count(*) FROM incomplete_execution "
                  "WHERE scenario = ? AND status = 'pending'", scenario)
    if rows is None:
        return None
    return int(rows[0][0]) if rows else 0
