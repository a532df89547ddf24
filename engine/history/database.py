"""The database the history writer writes to, as a plain DB-API connection and a dialect.

The writer's statements (engine.history.statements) are standard SQL with named parameters
(`:name`); a `HistoryDatabase` opens the connection, turns the statements into its driver's
parameter style, adapts values the driver can't take as they are, and says how an inserted
row's key comes back. `SqliteHistory` is the workspace's own `history.db` through the
standard library's sqlite3 — no SQLAlchemy on the path every run takes. A database shared by
several machines plugs in here with its own driver.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.store.history_file import history_db_path, open_history_file

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# SQLAlchemy's own layout of a DateTime in SQLite (its readers parse exactly this).
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


class HistoryDatabase:
    """What the history writer needs of a database (a base: SQLite's by default)."""

    key: str  # names the database: rows the process has written there are remembered by it

    def connect(self) -> Any:
        """A new DB-API connection, schema at head; transactions end with commit/rollback."""
        raise NotImplementedError

    def sql(self, statement: str) -> str:
        """`statement` (named `:parameters`) in the driver's parameter style."""
        return statement

    def adapt(self, values: dict[str, Any]) -> dict[str, Any]:
        """`values` as the driver takes them."""
        return values

    def insert_key(self, cursor: Any, statement: str, values: dict[str, Any],
                   key: str) -> int:
        """Run an INSERT of one row; the value of its integer primary key `key`."""
        raise NotImplementedError

    def engine(self) -> Engine:
        """A SQLAlchemy engine on the same database (retention; the caller disposes it)."""
        raise NotImplementedError


class SqliteHistory(HistoryDatabase):
    """A workspace's `history.db`."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = Path(workspace)
        self.key = str(history_db_path(self.workspace).resolve())

    def connect(self) -> Any:
        return open_history_file(self.workspace)

    def adapt(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v.strftime(_SQLITE_DATETIME) if isinstance(v, datetime) else v
                for k, v in values.items()}

    def insert_key(self, cursor: Any, statement: str, values: dict[str, Any],
                   key: str) -> int:
        cursor.execute(statement, values)
        return int(cursor.lastrowid)

    def engine(self) -> Engine:
        from engine.store.history_db import open_history_engine

        return open_history_engine(self.workspace)


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def pyformat(statement: str) -> str:
    """`:name` parameters as `%(name)s` (psycopg and other pyformat drivers)."""
    return _NAMED.sub(r"%(\1)s", statement.replace("%", "%%"))


def history_database(workspace: Path) -> HistoryDatabase:
    """Where the workspace's history is written: its history.db, or the shared PostgreSQL
    it is bound to (`engine.store.database`)."""
    from engine.store.database import database_of

    url = database_of(workspace)
    if url is not None:
        from engine.history.pg_history import PostgresHistory

        return PostgresHistory(workspace, url)
    return SqliteHistory(workspace)
