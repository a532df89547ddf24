"""What Alembic's autogenerate finds between a migrated database and the models: nothing,
when the migrations make what the models declare."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine


def schema_drift(engine: Engine, metadata: MetaData) -> list[Any]:
    """The differences (types included) between `engine`'s database and `metadata`; the
    engine is disposed of."""
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()
