"""A new history.db made from the SQL its migrations write, with the standard library alone.

The first run in a new workspace used to load SQLAlchemy and Alembic to create history.db
(a third of a second: as long as the rest of `scenarist run`'s start-up). The schema those
migrations make is kept as SQL text (`history_schema.sql`, written from a migrated file by
`python -m engine.store.history_schema`); a brand-new file gets it in one transaction, with
Alembic's revision stamp, so Alembic finds it at its head revision from then on. A file with
anything in it, or SQL text of an older revision than the migrations' head, goes through
Alembic as before (tests/history/test_history_schema.py checks the text is the
migrations' own).

A new file also says it was just pruned: there is nothing to trim in it, and retention (which
loads SQLAlchemy) runs a day later like on any other file.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

SCHEMA_FILE = Path(__file__).with_name("history_schema.sql")
_REVISION_LINE = "-- revision: "


def schema_statements(conn: sqlite3.Connection) -> list[str]:
    """A migrated file's schema as SQL statements, in the order they were made, with its
    revision stamp."""
    made = [row[0] for row in conn.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "ORDER BY rowid")]
    stamps = [f"INSERT INTO alembic_version (version_num) VALUES ('{row[0]}')"
              for row in conn.execute("SELECT version_num FROM alembic_version")]
    return made + stamps


def schema_text(conn: sqlite3.Connection, revision: str) -> str:
    statements = "".join(f"{statement};\n" for statement in schema_statements(conn))
    return (f"{_REVISION_LINE}{revision}\n"
            "-- history.db's schema as its migrations make it; written by\n"
            "-- `python -m engine.store.history_schema`, never by hand.\n" + statements)


def stored_schema() -> tuple[str | None, list[str]]:
    """The revision and statements of `history_schema.sql` (None, []: no such file)."""
    try:
        text = SCHEMA_FILE.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    revision = None
    statements: list[str] = []
    pending = ""
    for line in text.splitlines(keepends=True):
        if line.startswith(_REVISION_LINE):
            revision = line[len(_REVISION_LINE):].strip()
            continue
        if line.startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip().removesuffix(";"))
            pending = ""
    return revision, statements


def create_if_new(conn: sqlite3.Connection, head: str) -> bool:
    """Make the schema in `conn`'s file when the file is empty and the stored SQL is at
    `head`; False (nothing done) otherwise. Safe when several processes create it at once."""
    revision, statements = stored_schema()
    if revision != head or not statements:
        return False
    conn.execute("BEGIN IMMEDIATE")  # a second creator waits here, then finds the tables
    try:
        if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None:
            conn.rollback()
            return False
        for statement in statements:
            conn.execute(statement)
        conn.execute("INSERT INTO history_meta (key, value) VALUES ('pruned_at', ?)",
                     (datetime.now(UTC).isoformat(),))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return True


def write_schema_file(folder: Path) -> Path:
    """Migrate a new history.db in `folder` with Alembic and write its schema's SQL text."""
    from engine.store.history_db import HEAD_REVISION, open_history_engine
    from engine.store.history_file import history_db_path

    open_history_engine(folder).dispose()
    conn = sqlite3.connect(history_db_path(folder))
    try:
        SCHEMA_FILE.write_text(schema_text(conn, HEAD_REVISION), encoding="utf-8")
    finally:
        conn.close()
    return SCHEMA_FILE


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(write_schema_file(Path(tmp)), file=sys.stderr)
