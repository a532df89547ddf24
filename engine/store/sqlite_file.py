"""A workspace's SQLite file opened with the standard library alone: no SQLAlchemy.

A `scenarist run` must start in well under half a second, and importing SQLAlchemy costs a
third of that; the paths every run takes (writing its history, reading its scenario's error
count) use plain `sqlite3` connections with the settings SQLAlchemy's engines give theirs
(`engine.store.sqlite_db` takes them from here): a busy timeout, `journal_mode=WAL`,
`synchronous=NORMAL`, `foreign_keys=ON`. Migrating a file still takes SQLAlchemy and Alembic,
and only when the file is not at its head revision.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 5000


def configure_connection(dbapi_connection: Any, _record: Any = None) -> None:
    """The settings of every connection (also a SQLAlchemy "connect" event listener)."""
    cursor = dbapi_connection.cursor()
    try:
        # The busy timeout first: switching a new file to WAL needs the write lock.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """WAL mode. Switching a brand-new file can fail at once with "database is locked" when
    several connections create it together (SQLite does not wait on the busy handler
    there), so it is retried briefly; an existing WAL file needs no switch at all."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def head_revision(versions_dir: Path) -> str:
    """The newest revision of a script folder, read from its file names (no Alembic)."""
    # Revisions are numbered like their files (versions/0001_initial.py is "0001");
    # the migrations tests check this.
    numbers = [name[:4] for name in os.listdir(versions_dir)
               if name.endswith(".py") and name[:4].isdigit()]
    return max(numbers)


def connect(path: Path) -> sqlite3.Connection:
    """A configured connection on the file at `path` (made, with its folder, if missing).
    Any thread may use it, one at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    try:
        configure_connection(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def file_revision(conn: sqlite3.Connection) -> str | None:
    """The Alembic revision the file is at (None: never migrated)."""
    versioned = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
    ).fetchone()
    if not versioned:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None or row[0] is None else str(row[0])


def read_only(path: Path, timeout_s: float = BUSY_TIMEOUT_MS / 1000
              ) -> sqlite3.Connection | None:
    """A connection that only reads `path` (waiting at most `timeout_s` for a writer), or
    None when there is no such file."""
    if not path.is_file():
        return None
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout_s)
