"""The single history writer: a thread that turns queued jobs into batched rows.

Recorders (on the event loop) only append cheap tuples and hand full lists over a queue;
this thread encodes payloads, inserts with Core `insert()` + executemany, and commits once per
batch of jobs — never per bundle. Whatever is queued when the thread wakes goes into one
transaction. History must never break a run: a failed write is logged (without its data:
the engine hides SQL parameters) and the writer goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from engine.history.payloads import PayloadCodec
from engine.store.history_db import (
    BlueprintVersion,
    Execution,
    ExecutionBlob,
    Operation,
    blobs_dir,
    open_history_engine,
)

log = logging.getLogger("scenarist.history")

MAX_JOBS_PER_TRANSACTION = 256

# (seq, cycle, module_id, duration_s, filter_passed, error, input, outputs, output_count)
OperationTuple = tuple[
    int, int, int, float, "bool | None", "dict[str, Any] | None", Any, Any, int
]


_OPERATION_COLUMNS = [
    "execution_num", "seq", "kind", "cycle", "module_id", "duration_ms", "filter_passed",
    "output_count", "error", "input", "outputs",
]
# The Core insert, compiled once. Rows go to the driver's executemany as plain tuples: Core's
# per-row parameter processing costs ~10 µs a row, the driver ~3 µs, and no column here needs
# a type conversion (ints, floats, text, bytes; booleans are ints to SQLite).
_INSERT_OPERATIONS = str(
    insert(Operation.__table__).compile(  # type: ignore[attr-defined]
        dialect=sqlite.dialect(paramstyle="qmark"), column_keys=_OPERATION_COLUMNS
    )
)


class RunSink:
    """What the writer's jobs for one run share: the payload codec, and the execution's
    row key once its row exists (set on the writer thread only)."""

    __slots__ = ("codec", "num")

    def __init__(self, codec: PayloadCodec) -> None:
        self.codec = codec
        self.num: int | None = None


@dataclass(slots=True)
class StartJob:
    execution: dict[str, Any]  # Execution columns known at the start
    blueprint_sha256: str | None
    blueprint: Any  # the blueprint JSON value
    sink: RunSink

    def apply(self, conn: Connection) -> None:
        if self.blueprint_sha256 is not None:
            content = self.sink.codec.encode(self.blueprint)
            conn.execute(
                sqlite_insert(BlueprintVersion.__table__)  # type: ignore[attr-defined]
                .values(sha256=self.blueprint_sha256, scenario=self.execution["scenario"],
                        content=content, size=len(content), created_at=datetime.now(UTC))
                .on_conflict_do_nothing()
            )
        inserted = conn.execute(
            insert(Execution.__table__).values(  # type: ignore[attr-defined]
                **self.execution, blueprint_sha256=self.blueprint_sha256
            )
        )
        key = inserted.inserted_primary_key
        self.sink.num = None if key is None else int(key[0])


@dataclass(slots=True)
class OperationsJob:
    sink: RunSink
    rows: list[OperationTuple]

    def apply(self, conn: Connection) -> None:
        if self.sink.num is None:
            return  # the execution's row could not be written: neither can its operations
        encode = self.sink.codec.encode
        num = self.sink.num
        values = [
            (
                num, seq, "operation", cycle, module_id, duration_s * 1000.0,
                filter_passed, output_count,
                None if error is None else encode(error),
                None if input_ is None else encode(input_),
                None if outputs is None else encode(outputs),
            )
            for (seq, cycle, module_id, duration_s, filter_passed, error, input_, outputs,
                 output_count) in self.rows
        ]
        if values:
            conn.exec_driver_sql(_INSERT_OPERATIONS, values)


@dataclass(slots=True)
class RecordJob:
    """A non-operation row of an execution (`kind` "trigger": the input the run started from;
    "effects": its external effects, for deterministic replay). Negative `seq`s keep these
    rows apart from the operations'."""

    sink: RunSink
    kind: str
    seq: int
    value: Any

    def apply(self, conn: Connection) -> None:
        if self.sink.num is None:
            return
        conn.execute(insert(Operation.__table__).values(  # type: ignore[attr-defined]
            execution_num=self.sink.num, seq=self.seq, kind=self.kind, cycle=0, module_id=0,
            input=self.sink.codec.encode(self.value),
        ))


@dataclass(slots=True)
class FinishJob:
    sink: RunSink
    fields: dict[str, Any]  # plain columns
    error: Any = None
    summary: Any = None

    def apply(self, conn: Connection) -> None:
        if self.sink.num is None:
            return
        codec = self.sink.codec
        values = dict(self.fields)
        values["error"] = None if self.error is None else codec.encode(self.error)
        values["summary"] = None if self.summary is None else codec.encode(self.summary)
        if codec.blob_refs:
            conn.execute(
                sqlite_insert(ExecutionBlob.__table__)  # type: ignore[attr-defined]
                .on_conflict_do_nothing(),
                [{"execution_num": self.sink.num, "sha256": sha}
                 for sha in sorted(codec.blob_refs)],
            )
        values["stored_bytes"] = codec.stored_bytes
        table = Execution.__table__  # type: ignore[attr-defined]
        conn.execute(update(table).where(table.c.num == self.sink.num).values(**values))


@dataclass(slots=True)
class _Flush:
    done: threading.Event = field(default_factory=threading.Event)


class _Stop:
    pass


Job = StartJob | OperationsJob | RecordJob | FinishJob


class HistoryWriter:
    """Owns history.db's write side for one workspace; one per process is enough."""

    def __init__(self, workspace: Path, engine: Engine | None = None) -> None:
        self.workspace = Path(workspace)
        self.engine = engine if engine is not None else open_history_engine(self.workspace)
        self.blobs = blobs_dir(self.workspace)
        self.commits = 0
        self.failures = 0
        self._queue: queue.SimpleQueue[Job | _Flush | _Stop] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="history-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def sink(self, secrets: Any = ()) -> RunSink:
        """A new run's sink: its payloads redact `secrets`."""
        return RunSink(PayloadCodec(self.blobs, secrets))

    def submit(self, job: Job) -> None:
        """Queue a job; returns at once (called on the event loop)."""
        self._queue.put(job)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is committed."""
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self, *, prune: bool = True) -> None:
        """Write what is queued, run retention when due, stop the thread, close the file."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_Stop())
        self._thread.join()
        if prune:
            from engine.history.retention import prune_if_due

            try:
                prune_if_due(self.engine, self.workspace)
            except Exception:
                log.exception("history retention failed")
        self.engine.dispose()

    # ---------------------------------------------------------------- thread

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_JOBS_PER_TRANSACTION:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            jobs = [j for j in batch if not isinstance(j, (_Flush, _Stop))]
            if jobs:
                self._write(jobs)
            for item in batch:
                if isinstance(item, _Flush):
                    item.done.set()
            if any(isinstance(item, _Stop) for item in batch):
                return

    def _write(self, jobs: list[Job]) -> None:
        try:
            with self.engine.begin() as conn:
                for job in jobs:
                    job.apply(conn)
            self.commits += 1
        except Exception:
            self.failures += 1
            log.exception("history write failed (%d jobs dropped)", len(jobs))
