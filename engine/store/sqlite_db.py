"""What the workspace's SQLite files (state.db, history.db) share: connections and migrations
(and, for a workspace on PostgreSQL, `engine.store.pg_db`, the dialect seams below).

Connections get a busy timeout, `journal_mode=WAL`, `synchronous=NORMAL` and `foreign_keys=ON`,
so a reader never waits for a writer and a writer waits (briefly) instead of failing.
Each file's schema is an Alembic script folder (a migrations package with its own `env.py` and
`upgrade(engine)`). Opening a file already at its head revision costs one small query and never
loads Alembic: Alembic is imported only inside the functions that need it.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import create_engine

from engine.errors import ScenaristError
from engine.store.sqlite_file import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS
from engine.store.sqlite_file import configure_connection as configure_connection
from engine.store.sqlite_file import file_revision
from engine.store.sqlite_file import head_revision as head_revision

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

_migration_lock = threading.Lock()  # Alembic's migration context is process-global


def stored_revision(conn: Connection) -> str | None:
    """The Alembic revision a database is at (None: never migrated)."""
    if conn.dialect.name != "postgresql":  # asked of the file's own sqlite3 connection
        return file_revision(conn.connection.dbapi_connection)  # type: ignore[arg-type]
    from engine.store.pg_db import has_table

    if not has_table(conn, "alembic_version"):
        return None
    revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return None if revision is None else str(revision)


def create_sqlite_engine(path: Path, **options: Any) -> Engine:
    """An engine on the file at `path` (its folder made), every connection configured."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        **options,
    )
    event.listen(engine, "connect", configure_connection)
    return engine


def upgrade_to_head(engine: Engine, head: str, migrations_package: str) -> None:
    """Migrate with `<migrations_package>.upgrade(engine)`, unless already at `head`."""
    with engine.connect() as conn:
        if stored_revision(conn) == head:
            return
    # Alembic loads only when there is work to do.
    migrations = importlib.import_module(migrations_package)
    with _migration_lock:
        migrations.upgrade(engine)


def open_migrated_engine(
    path: Path, head: str, migrations_package: str, *, database: str | None = None,
    schema: str = "", **options: Any
) -> Engine:
    """A new engine on `path` (or on `schema` of the PostgreSQL at `database`), schema
    migrated to `head` (the caller disposes it)."""
    if database is not None:
        from engine.store.pg_db import create_pg_engine

        engine = create_pg_engine(database, schema, **options)
    else:
        engine = create_sqlite_engine(path, **options)
    try:
        upgrade_to_head(engine, head, migrations_package)
    except BaseException:
        engine.dispose()
        raise
    return engine


# --- Used by the migrations packages only (they have imported Alembic already) ---


def alembic_config(
    script_location: Path, connection: Connection | None = None, *, url: str | None = None
) -> Config:
    """An Alembic config built in code (no alembic.ini): the script folder, the connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    config.attributes["connection"] = connection
    return config


def script_head(script_location: Path) -> str:
    """The head revision as Alembic reads it from the script folder."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()
    assert head is not None, f"no revision in {script_location / 'versions'}"
    return head


def known_stored_revision(conn: Connection, script: ScriptDirectory, db_name: str) -> str | None:
    """`stored_revision`, refusing a revision the script folder lacks (a newer Scenarist's)."""
    from alembic.util import CommandError

    revision = stored_revision(conn)
    if revision is not None:
        try:
            script.get_revision(revision)
        except CommandError as exc:
            raise ScenaristError(
                f"{db_name} is at schema revision {revision!r}, which this Scenarist does not"
                " know: it was written by a newer version"
            ) from exc
    return revision


@contextmanager
def write_locked(conn: Connection) -> Iterator[None]:
    """One transaction that takes the write lock first (SQLite's, or on PostgreSQL a lock on
    migrating the connection's schema), committed unless it raises."""
    try:
        # The write lock first, then decide: another process may have just migrated.
        if conn.dialect.name == "postgresql":
            from engine.store.pg_db import lock_for_migration

            lock_for_migration(conn)
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def run_alembic_env(target_metadata: MetaData) -> None:
    """The body of every `env.py`, which `alembic` loads for each migration command.

    Scenarist runs migrations itself (the package's `upgrade`) on a connection it has already
    locked; that connection comes in `config.attributes["connection"]`. Without one (a
    developer drafting a revision with autogenerate), `sqlalchemy.url` is used.
    `render_as_batch` makes autogenerate write `batch_alter_table` blocks, the only way
    SQLite can alter a table.
    """
    from alembic import context
    from sqlalchemy import create_engine as create_plain_engine

    config = context.config

    def run(connection: Connection) -> None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()

    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
            render_as_batch=True, literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    elif (given := config.attributes.get("connection")) is not None:
        run(given)
    else:
        engine = create_plain_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        try:
            with engine.begin() as connection:
                run(connection)
        finally:
            engine.dispose()
