"""Alembic environment of history.db, loaded by `alembic` for every migration command.

Alembic needs an `env.py` in each script folder; the body is `sqlite_db.run_alembic_env`.
"""

from __future__ import annotations

from engine.store.history_db import HISTORY_METADATA
from engine.store.sqlite_db import run_alembic_env

run_alembic_env(HISTORY_METADATA)
