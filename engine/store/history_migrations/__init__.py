"""Alembic migrations of the workspace's `history.db`, run by Scenarist itself (no alembic.ini).

`upgrade(engine)` brings the file to the newest revision inside one transaction that first
takes SQLite's write lock, so two processes opening one workspace at once migrate it once.

Changing the schema: edit the tables in `engine/store/history_db.py`, then add
`versions/NNNN_<what>.py` with `revision = "NNNN"` (the newest file is the head). To draft it:
`command.revision(alembic_config(url="sqlite:///draft.db"), "what", autogenerate=True,
rev_id="NNNN")` on a draft database upgraded to the current head; review it before committing.
tests/history/test_history_db.py fails while the tables and the migrations disagree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from engine.store import sqlite_db

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None, *, url: str | None = None) -> Config:
    """An Alembic config built in code: our script folder, and the connection to migrate."""
    return sqlite_db.alembic_config(MIGRATIONS_DIR, connection, url=url)


def script_head() -> str:
    return sqlite_db.script_head(MIGRATIONS_DIR)


def upgrade(engine: Engine) -> None:
    """Bring history.db to the head revision (not thread-safe: Alembic's context is global)."""
    with engine.connect() as conn, sqlite_db.write_locked(conn):
        config = alembic_config(conn)
        script = ScriptDirectory.from_config(config)
        revision = sqlite_db.known_stored_revision(conn, script, "history.db")
        if revision != script.get_current_head():
            command.upgrade(config, "head")
