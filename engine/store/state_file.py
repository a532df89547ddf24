"""Where a workspace's state lives (`state.db`), and the one read every run makes of it
without SQLAlchemy: whether its scenario has failed runs counted (engine.store.incomplete
owns that table; a `scenarist run` that succeeds needs no more than this read).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine.store.sqlite_file import read_only

STATE_DB_NAME = "state.db"


def state_db_path(workspace: Path) -> Path:
    return Path(workspace) / STATE_DB_NAME


def counted_errors(workspace: Path, scenario: str) -> int:
    """The scenario's consecutive failed runs as state.db has them (0 without a file, or a
    file that never counted one)."""
    conn = read_only(state_db_path(workspace))
    if conn is None:
        return 0
    try:
        row = conn.execute("SELECT consecutive_errors FROM scenario_health WHERE scenario = ?",
                           (scenario,)).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    finally:
        conn.close()
    return int(row[0] or 0) if row is not None else 0
