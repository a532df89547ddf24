"""Where a workspace's history lives (`history.db`, `blobs/`), and the file opened for
writing with the standard library's sqlite3 (no SQLAlchemy: every run writes history, and
a `scenarist run` can't afford the import). The schema itself is `engine.store.history_db`'s,
migrated by Alembic, which is loaded only when the file is neither at its head revision nor
new (a new one is made from the migrations' SQL: engine.store.history_schema).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine.store.history_schema import create_if_new
from engine.store.sqlite_file import connect, file_revision, head_revision

HISTORY_DB_NAME = "history.db"
BLOBS_DIR_NAME = "blobs"

HEAD_REVISION = head_revision(
    Path(__file__).resolve().parent / "history_migrations" / "versions"
)


def history_db_path(workspace: Path) -> Path:
    return Path(workspace) / HISTORY_DB_NAME


def blobs_dir(workspace: Path) -> Path:
    return Path(workspace) / BLOBS_DIR_NAME


def open_history_file(workspace: Path) -> sqlite3.Connection:
    """A configured connection on `<workspace>/history.db`, its schema at the head revision
    (migrated first when it is not: new files, older Scenarists')."""
    conn = connect(history_db_path(workspace))
    try:
        if file_revision(conn) != HEAD_REVISION and not create_if_new(conn, HEAD_REVISION):
            from engine.store.history_db import open_history_engine

            open_history_engine(workspace).dispose()  # migrates (refusing a newer file's)
    except BaseException:
        conn.close()
        raise
    return conn
