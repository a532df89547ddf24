"""Alembic environment of state.db, loaded by `alembic` for every migration command.

Alembic needs an `env.py` in each script folder; the body is `sqlite_db.run_alembic_env`.
"""

from __future__ import annotations

from engine.store.migrations import state_metadata
from engine.store.sqlite_db import run_alembic_env

run_alembic_env(state_metadata())
