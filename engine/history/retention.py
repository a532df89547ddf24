"""Retention: history.db never grows without bound.

Executions older than `max_age_days` go first, then the oldest ones until the stored payloads
fit in `max_total_mb`; then blueprint versions and blob files nobody refers to any more, then
VACUUM so the file itself shrinks. Defaults: the workspace's `history_days` setting, 30
days (Make keeps 30 days of logs on most plans), and 1 GB. Environment overrides:
SCENARIST_HISTORY_MAX_AGE_DAYS, SCENARIST_HISTORY_MAX_MB (0 or empty: no limit). Writers run
it at most once a day, when they close (engine.history.writer).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from engine.store.dialects import upsert
from engine.store.history_db import (
    BlueprintVersion,
    Execution,
    ExecutionBlob,
    HistoryMeta,
    blobs_dir,
    history_db_path,
)

_EXECUTION = Execution.__table__  # type: ignore[attr-defined]
_BLUEPRINT = BlueprintVersion.__table__  # type: ignore[attr-defined]
_BLOB = ExecutionBlob.__table__  # type: ignore[attr-defined]
_META = HistoryMeta.__table__  # type: ignore[attr-defined]

BLOB_GRACE_S = 3600  # a blob newer than this may belong to a run still being written
_DELETE_CHUNK = 500


def _env_number(name: str, default: float | None) -> float | None:
    raw = os.environ.get(name)
    if raw is None:
        return default
    raw = raw.strip()
    if raw in ("", "0"):
        return None
    return float(raw)


@dataclass(frozen=True)
class RetentionSettings:
    max_age_days: float | None = 30.0
    max_total_mb: float | None = 1024.0
    vacuum: bool = True

    @classmethod
    def for_workspace(cls, workspace: Path) -> RetentionSettings:
        """The workspace's `history_days` setting (0: no age limit); the environment's
        SCENARIST_HISTORY_MAX_AGE_DAYS overrides it."""
        from engine.runtime.settings import load_settings
        from engine.runtime.workspace import Workspace

        found = Workspace(workspace)
        days = load_settings(found.state).history_days if found.has_state() else 30
        return cls(
            max_age_days=_env_number("SCENARIST_HISTORY_MAX_AGE_DAYS", float(days) or None),
            max_total_mb=_env_number("SCENARIST_HISTORY_MAX_MB", cls.max_total_mb),
        )

    @classmethod
    def from_env(cls) -> RetentionSettings:
        return cls(
            max_age_days=_env_number("SCENARIST_HISTORY_MAX_AGE_DAYS", cls.max_age_days),
            max_total_mb=_env_number("SCENARIST_HISTORY_MAX_MB", cls.max_total_mb),
        )


@dataclass(frozen=True)
class PruneResult:
    deleted_executions: int
    deleted_blobs: int
    size_before: int  # bytes of history.db (+ its WAL), or of its PostgreSQL tables
    size_after: int


def _size(engine: Engine, workspace: Path) -> int:
    """Bytes history takes: history.db and its WAL, or on PostgreSQL its schema's tables."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            total = conn.exec_driver_sql(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class AS c"
                " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relkind = 'r'").scalar()
            return int(total or 0)
    return _file_size(workspace)


def _file_size(workspace: Path) -> int:
    path = history_db_path(workspace)
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += Path(f"{path}{suffix}").stat().st_size
        except OSError:
            pass
    return total


def prune(
    engine: Engine,
    workspace: Path,
    settings: RetentionSettings | None = None,
    *,
    now: datetime | None = None,
) -> PruneResult:
    settings = settings or RetentionSettings.for_workspace(workspace)
    now = now or datetime.now(UTC)
    size_before = _size(engine, workspace)
    doomed: list[str] = []
    with engine.begin() as conn:
        if settings.max_age_days is not None:
            cutoff = now - timedelta(days=settings.max_age_days)
            doomed += conn.execute(
                select(_EXECUTION.c.id).where(_EXECUTION.c.started_at < cutoff)
            ).scalars().all()
        if settings.max_total_mb is not None:
            budget = settings.max_total_mb * 1024 * 1024
            used = 0
            old = set(doomed)
            for execution_id, size in conn.execute(
                select(_EXECUTION.c.id, _EXECUTION.c.stored_bytes)
                .order_by(_EXECUTION.c.started_at.desc(), _EXECUTION.c.num.desc())
            ):
                if execution_id in old:
                    continue
                used += size or 0
                if used > budget:
                    doomed.append(execution_id)
        for start in range(0, len(doomed), _DELETE_CHUNK):
            chunk = doomed[start:start + _DELETE_CHUNK]
            conn.execute(delete(_EXECUTION).where(_EXECUTION.c.id.in_(chunk)))
        used_blueprints = select(_EXECUTION.c.blueprint_sha256).where(
            _EXECUTION.c.blueprint_sha256.is_not(None))
        conn.execute(delete(_BLUEPRINT).where(_BLUEPRINT.c.sha256.not_in(used_blueprints)))
        referenced = set(conn.execute(select(_BLOB.c.sha256).distinct()).scalars())
        # A run still being written refers to its blobs only when it finishes.
        running = conn.execute(
            select(func.count()).select_from(_EXECUTION).where(_EXECUTION.c.status == "running")
        ).scalar()
        conn.execute(
            upsert(conn, _META).values(key="pruned_at", value=now.isoformat())
            .on_conflict_do_update(index_elements=["key"], set_={"value": now.isoformat()})
        )
    grace = BLOB_GRACE_S if running else 0.0
    deleted_blobs = _delete_unreferenced_blobs(blobs_dir(workspace), referenced, grace)
    if settings.vacuum and (doomed or deleted_blobs):
        vacuum(engine)
    return PruneResult(len(doomed), deleted_blobs, size_before, _size(engine, workspace))


def _delete_unreferenced_blobs(blobs: Path, referenced: set[str], grace_s: float) -> int:
    if not blobs.is_dir():
        return 0
    deleted = 0
    young = time.time() - grace_s
    for path in blobs.glob("*/*"):
        if path.name in referenced or path.name.startswith(".tmp-"):
            continue
        try:
            if grace_s <= 0 or path.stat().st_mtime < young:
                path.unlink()
                deleted += 1
        except OSError:
            continue
    return deleted


def vacuum(engine: Engine) -> None:
    """Give freed pages back to the file system, and empty the WAL."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def prune_workspace(workspace: Path) -> int:
    """Retention now, by the workspace's settings (the user just shortened how long history
    is kept); how many executions left. 0 when there is no history yet."""
    from engine.store.history_db import history_exists, open_history_engine

    if not history_exists(workspace):
        return 0
    engine = open_history_engine(workspace)
    try:
        return prune(engine, workspace).deleted_executions
    finally:
        engine.dispose()
