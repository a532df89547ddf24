"""The workspace's history database, `history.db`: a second SQLite file, apart from state.db.

Heavy history logging must never block webhook intake or data stores, so it gets its own file
(and so its own write lock). Connections get the settings of state.db: WAL,
`synchronous=NORMAL`, foreign keys, a busy timeout. The schema is declared by the SQLModel
tables below, on their own metadata (never mixed with state.db's), and created by the Alembic
environment in `engine/store/history_migrations/`.

Tables are generic on purpose: `operation.kind` is "operation" today; incomplete executions
(the failed module and the bundles mappable into it) and deterministic-replay records
(recorded external effects) are further kinds with the same payload columns.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, create_engine

HISTORY_DB_NAME = "history.db"
BLOBS_DIR_NAME = "blobs"
BUSY_TIMEOUT_MS = 5000

_VERSIONS_DIR = Path(__file__).resolve().parent / "history_migrations" / "versions"


class HistoryTable(SQLModel, registry=registry()):
    """Base of history.db's tables: their own metadata, apart from state.db's."""


class BlueprintVersion(HistoryTable, table=True):
    """A scenario as it was when it ran: its blueprint JSON, addressed by its sha256."""

    __tablename__ = "blueprint_version"

    sha256: str = Field(primary_key=True)
    scenario: str = ""
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # zlib(orjson)
    size: int = 0
    created_at: datetime


class Execution(HistoryTable, table=True):
    """One run of a scenario (status "running" until it finishes)."""

    __tablename__ = "execution"
    __table_args__ = (Index("ix_execution_scenario_started", "scenario", "started_at"),)

    # `num` is the row's key inside the file (operations refer to it: 8 bytes, not 32);
    # `id` is the execution id people and the engine see.
    num: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    scenario: str = ""
    blueprint_sha256: str | None = Field(default=None, foreign_key="blueprint_version.sha256")
    kind: str = "run"  # later: "retry" (of an incomplete execution), "replay"
    trigger: str = "manual"  # "manual" | "webhook" | "schedule"
    status: str = "running"  # "running" | "success" | "warning" | "error" (| "interrupted")
    started_at: datetime = Field(index=True)
    finished_at: datetime | None = None
    operations: int = 0
    data_transfer: int = 0
    incomplete_executions: int = 0
    check_run: bool = False
    confidential: bool = False
    resumed_from: str | None = None  # the execution a retry or replay continues
    error: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # The run report without bundles (report.build_report(..., None)), plus blocked filters.
    summary: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    stored_bytes: int = 0  # payload bytes in rows and blob files, for size retention


class Operation(HistoryTable, table=True):
    """One module run on one bundle, with its input and output bundles."""

    __tablename__ = "operation"
    __table_args__ = (Index("ix_operation_execution_seq", "execution_num", "seq", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    execution_num: int = Field(
        sa_column=Column(ForeignKey("execution.num", ondelete="CASCADE"), nullable=False)
    )
    seq: int  # the operation's index within the execution, from 0
    kind: str = "operation"  # later: "incomplete", "effect"
    cycle: int = 0
    module_id: int
    duration_ms: float = 0.0
    filter_passed: bool | None = None  # None: the module has no filter
    output_count: int = 0
    error: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    input: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    outputs: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class ExecutionBlob(HistoryTable, table=True):
    """Which content-addressed blob files (`<workspace>/blobs/`) an execution refers to."""

    __tablename__ = "execution_blob"

    execution_num: int = Field(
        sa_column=Column(
            ForeignKey("execution.num", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    sha256: str = Field(primary_key=True)


class HistoryMeta(HistoryTable, table=True):
    """Small facts about the file itself (when retention last ran)."""

    __tablename__ = "history_meta"

    key: str = Field(primary_key=True)
    value: str = ""


HISTORY_METADATA = HistoryTable.metadata


def _head_revision() -> str:
    # Revisions are numbered like their files (versions/0001_initial.py is "0001").
    numbers = [name[:4] for name in os.listdir(_VERSIONS_DIR)
               if name.endswith(".py") and name[:4].isdigit()]
    return max(numbers)


HEAD_REVISION = _head_revision()

_migration_lock = threading.Lock()  # Alembic's migration context is process-global


def history_db_path(workspace: Path) -> Path:
    return Path(workspace) / HISTORY_DB_NAME


def blobs_dir(workspace: Path) -> Path:
    return Path(workspace) / BLOBS_DIR_NAME


def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # The busy timeout first: switching a new file to WAL needs the write lock.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def stored_revision(conn: Connection) -> str | None:
    """The Alembic revision history.db is at (None: never migrated)."""
    versioned = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
    ).scalar()
    if not versioned:
        return None
    revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return None if revision is None else str(revision)


def open_history_engine(workspace: Path) -> Engine:
    """A new engine on `<workspace>/history.db`, schema migrated (the caller disposes it)."""
    path = history_db_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,  # error messages must never carry bundle data (or secrets)
    )
    event.listen(engine, "connect", _configure_connection)
    try:
        with engine.connect() as conn:
            current = stored_revision(conn)
        if current != HEAD_REVISION:
            # Alembic loads only when there is work to do.
            from engine.store import history_migrations

            with _migration_lock:
                history_migrations.upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
