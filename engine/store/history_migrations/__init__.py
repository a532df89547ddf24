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
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from engine.errors import ScenaristError
from engine.store.history_db import stored_revision

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None, *, url: str | None = None) -> Config:
    """An Alembic config built in code: our script folder, and the connection to migrate."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    config.attributes["connection"] = connection
    return config


def script_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no revision in history_migrations/versions"
    return head


def upgrade(engine: Engine) -> None:
    """Bring history.db to the head revision (not thread-safe: Alembic's context is global)."""
    with engine.connect() as conn:
        try:
            # The write lock first, then decide: another process may have just migrated.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            config = alembic_config(conn)
            script = ScriptDirectory.from_config(config)
            revision = stored_revision(conn)
            if revision is not None:
                try:
                    script.get_revision(revision)
                except CommandError as exc:
                    raise ScenaristError(
                        f"history.db is at schema revision {revision!r}, which this Scenarist"
                        " does not know: it was written by a newer version"
                    ) from exc
            if revision != script.get_current_head():
                command.upgrade(config, "head")
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
