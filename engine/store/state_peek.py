"""Quick reads of a workspace's state.db with the standard library's sqlite3, read-only, for
the window's first frame: its theme, and whether any scenario is registered with the
background runtime (the Scenarios panel then shows). SQLAlchemy, the schema and the full
reads (engine.runtime) load just after that frame.

Each answer is None when the file cannot say (a table not there, a value that is not JSON,
the database locked for longer than a moment): the caller then reads the usual way. No
state.db yet means nothing stored.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

STATE_DB_NAME = "state.db"
_TIMEOUT_S = 0.2


def _query(workspace: Path, sql: str, *args: Any) -> list[tuple[Any, ...]] | None:
    path = Path(workspace) / STATE_DB_NAME
    if not path.is_file():
        return []  # nothing stored yet
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                               timeout=_TIMEOUT_S)
    except sqlite3.Error:
        return None
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def stored_setting(workspace: Path, key: str) -> tuple[bool, Any] | None:
    """(True, value) for a stored setting, (False, None) for one never set (its default
    applies; no state.db yet too), None when state.db cannot say."""
    rows = _query(workspace, "SELECT value FROM setting WHERE key = ?", key)
    if rows is None:
        return None
    if not rows:
        return False, None
    try:
        return True, json.loads(rows[0][0])
    except (TypeError, ValueError):
        return None


def any_scenario_registered(workspace: Path) -> bool | None:
    rows = _query(workspace, "SELECT 1 FROM scenario LIMIT 1")
    return None if rows is None else bool(rows)
