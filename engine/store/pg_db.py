"""Engines on PostgreSQL, for a workspace whose state and history a cluster shares
(`engine.store.database`): one schema per database role (state, history), set as each
connection's search_path, so the same tables, queries and Alembic scripts serve SQLite and
PostgreSQL unchanged. psycopg is imported only when such an engine is made.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import create_engine

from engine.store.database import DatabaseUnreachable

CONNECT_TIMEOUT_S = 10


def create_pg_engine(url: str, schema: str, **options: Any) -> Engine:
    """An engine whose connections work in `schema` (made on first migration), in UTC."""
    engine = create_engine(
        url,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S,
                      "options": f"-c search_path={schema} -c TimeZone=UTC"},
        pool_pre_ping=True,
        **options,
    )
    event.listen(engine, "handle_error", _name_the_server)
    return engine


def _name_the_server(context: Any) -> None:
    """A connection that fails says which server it tried (the driver's text often doesn't)."""
    if context.connection is None and isinstance(context.sqlalchemy_exception, OperationalError):
        url = make_url(context.engine.url) if context.engine is not None else None
        where = f"{url.host}:{url.port or 5432}" if url is not None else "the server"
        reason = str(context.original_exception).strip().splitlines()
        raise DatabaseUnreachable(
            f"cannot reach PostgreSQL at {where}"
            f" (database {url.database if url is not None else '?'}):"
            f" {reason[0] if reason else 'connection failed'}"
        ) from context.original_exception


def schema_of(conn: Connection) -> str:
    """The schema this connection works in (its search_path)."""
    return str(conn.exec_driver_sql("SHOW search_path").scalar()).strip('"')


def lock_for_migration(conn: Connection) -> None:
    """Make the connection's schema and hold a transaction-long lock on migrating it, so two
    processes opening one database at once migrate it once (SQLite's BEGIN IMMEDIATE)."""
    schema = schema_of(conn)
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                 {"name": f"scenarist migrate {schema}"})
    conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


def has_table(conn: Connection, name: str) -> bool:
    """Whether the connection's schema has table `name` (one small query)."""
    found = conn.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar()
    return found is not None


def table_names(conn: Connection) -> list[str]:
    rows = conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema ="
        " current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"))
    return [name for (name,) in rows]
