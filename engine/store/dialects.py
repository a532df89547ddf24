"""What state's SQL says differently on SQLite and PostgreSQL, in one place.

- `upsert`: `INSERT … ON CONFLICT`, which both spell alike; SQLAlchemy gives both the same API
  (`on_conflict_do_update(index_elements, set_)`, `excluded`, `on_conflict_do_nothing()`),
  but each from its own dialect module.
- `dbapi_sql`: SQL written for sqlite3's `?` placeholders, for the driver's own (psycopg's
  `%s`), where a hot path talks to the DB-API connection directly.
- `insertion_order`: SQLite orders rows as they were added by `rowid`; PostgreSQL has no
  such column: tables that need the order have `added`, numbered by a sequence.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, literal_column
from sqlalchemy.engine import Connection, Engine


def upsert(bind: Engine | Connection, table: Table | Any) -> Any:
    """An insert into `table` that can say what a conflicting row becomes, for `bind`'s
    dialect (`Any`: the two dialects' Insert classes share the methods, not a base)."""
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def insertion_order(bind: Engine | Connection, table: Table | Any) -> list[Any]:
    """ORDER BY terms listing `table`'s rows in the order they were added: its rowid on
    SQLite, its `added` column (numbered by a sequence, state migration 0008) elsewhere."""
    if bind.dialect.name == "postgresql":
        return [table.c.added]
    return [literal_column(f"{table.name}.rowid")]


def dbapi_sql(bind: Engine | Connection, sql: str) -> str:
    """`sql` (with `?` placeholders and no literal `%` or `?`) in the driver's paramstyle."""
    if bind.dialect.paramstyle in ("format", "pyformat"):
        return sql.replace("?", "%s")
    return sql
