"""The workspace's history database, `history.db`: a second SQLite file, apart from state.db
(or the schema `scenarist_history` of a shared PostgreSQL, `engine.store.database`).

Heavy history logging must never block webhook intake or data stores, so it gets its own file
(and so its own write lock). Connections get the settings of state.db
(`engine.store.sqlite_db`): WAL, `synchronous=NORMAL`, foreign keys, a busy timeout. The
schema is declared by the SQLModel tables below, on their own metadata (never mixed with
state.db's), and created by the Alembic environment in `engine/store/history_migrations/`.

Tables are generic on purpose: `operation.kind` says what a row holds besides operations (the
trigger's input, the recorded external effects for deterministic replay) with the same
payload columns. Operations themselves are stored in batches (`operation_batch`), one row per
couple of thousand: a row each cost more than running them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, LargeBinary
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from engine.store.database import HISTORY_SCHEMA, database_of
from engine.store.history_file import BLOBS_DIR_NAME as BLOBS_DIR_NAME
from engine.store.history_file import HEAD_REVISION as HEAD_REVISION
from engine.store.history_file import HISTORY_DB_NAME as HISTORY_DB_NAME
from engine.store.history_file import blobs_dir as blobs_dir
from engine.store.history_file import history_db_path as history_db_path
from engine.store.sqlite_db import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS
from engine.store.sqlite_db import open_migrated_engine
from engine.store.sqlite_db import stored_revision as stored_revision

MIGRATIONS_PACKAGE = "engine.store.history_migrations"


class HistoryTable(SQLModel, registry=registry()):
    """Base of history.db's tables: their own metadata, apart from state.db's."""


# Byte and operation counts: 64-bit on PostgreSQL too (a run moving a 3 GB file), as SQLite's
# INTEGER already is (history migration 0004).
_COUNT = BigInteger().with_variant(Integer(), "sqlite")


class BlueprintVersion(HistoryTable, table=True):
    """A scenario as it was when it ran: its blueprint JSON, addressed by its sha256."""

    __tablename__ = "blueprint_version"

    sha256: str = Field(primary_key=True)
    scenario: str = ""
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # zlib(orjson)
    size: int = Field(default=0, sa_type=_COUNT)
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
    # Seconds the run waited at the debugger's breakpoints: not part of its duration.
    paused_s: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    operations: int = Field(default=0, sa_type=_COUNT)
    data_transfer: int = Field(default=0, sa_type=_COUNT)
    incomplete_executions: int = 0
    check_run: bool = False
    confidential: bool = False
    resumed_from: str | None = None  # the execution a retry or replay continues
    error: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # The run report without bundles (report.build_report(..., None)), plus blocked filters.
    summary: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # Payload bytes in rows and blob files, for size retention.
    stored_bytes: int = Field(default=0, sa_type=_COUNT)


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


class OperationBatch(HistoryTable, table=True):
    """Consecutive operations of one execution, one cycle, stored together (about 2,000 a
    row): how runs record them since revision 0002 (engine.history.batches says the layout).
    Rows of `operation` with kind "operation" are those of older runs."""

    __tablename__ = "operation_batch"

    execution_num: int = Field(
        sa_column=Column(
            ForeignKey("execution.num", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    first_seq: int = Field(primary_key=True)  # the first operation's index in the execution
    count: int = 0
    cycle: int = 0
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # see PayloadCodec


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


def history_exists(workspace: Path) -> bool:
    """Whether the workspace has history to read (always, on PostgreSQL: it is shared; the
    schema is made on first open)."""
    return database_of(workspace) is not None or history_db_path(workspace).exists()


def open_history_engine(workspace: Path) -> Engine:
    """A new engine on `<workspace>/history.db` (or the workspace's PostgreSQL), schema
    migrated (the caller disposes it)."""
    return open_migrated_engine(
        history_db_path(workspace), HEAD_REVISION, MIGRATIONS_PACKAGE,
        database=database_of(workspace), schema=HISTORY_SCHEMA,
        hide_parameters=True,  # error messages must never carry bundle data (or secrets)
    )
