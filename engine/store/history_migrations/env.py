"""Alembic environment of history.db, loaded by `alembic` for every migration command.

Scenarist runs migrations itself (`engine.store.history_migrations.upgrade`) on a connection
it has already locked; that connection comes in `config.attributes["connection"]`. Without one
(a developer drafting a revision with autogenerate), `sqlalchemy.url` is used.
`render_as_batch` makes autogenerate write `batch_alter_table` blocks, the only way SQLite
can alter a table.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from engine.store.history_db import HISTORY_METADATA

config = context.config
target_metadata = HISTORY_METADATA


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
        render_as_batch=True, literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (given := config.attributes.get("connection")) is not None:
    _run(given)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()
