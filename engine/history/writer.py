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


@dataclass(slots=True)
class StartJob:
    execution: dict[str, Any]  # Execution columns known at the start
    blueprint_sha256: str | None
    blueprint: Any  # the blueprint JSON value
    codec: PayloadCodec

    def apply(self, conn: Connection) -> None:
        if self.blueprint_sha256 is not None:
            content = self.codec.encode(self.blueprint)
            conn.execute(
                sqlite_insert(BlueprintVersion.__table__)  # type: ignore[attr-defined]
                .values(sha256=self.blueprint_sha256, scenario=self.execution["scenario"],
                        content=content, size=len(content), created_at=datetime.now(UTC))
                .on_conflict_do_nothing()
            )
        conn.execute(
            insert(Execution.__table__),  # type: ignore[attr-defined]
            [{**self.execution, "blueprint_sha256": self.blueprint_sha256}],
        )


@dataclass(slots=True)
class OperationsJob:
    execution_id: str
    codec: PayloadCodec
    rows: list[OperationTuple]

    def apply(self, conn: Connection) -> None:
        encode = self.codec.encode
        values = [
            {
                "execution_id": self.execution_id, "seq": seq, "kind": "operation",
                "cycle": cycle, "module_id": module_id, "duration_ms": duration_s * 1000.0,
                "filter_passed": filter_passed, "output_count": output_count,
                "error": None if error is None else encode(error),
                "input": None if input_ is None else encode(input_),
                "outputs": None if outputs is None else encode(outputs),
            }
            for (seq, cycle, module_id, duration_s, filter_passed, error, input_, outputs,
                 output_count) in self.rows
        ]
        if values:
            conn.execute(insert(Operation.__table__), values)  # type: ignore[attr-defined]


@dataclass(slots=True)
class FinishJob:
    execution_id: str
    codec: PayloadCodec
    fields: dict[str, Any]  # plain columns
    error: Any = None
    summary: Any = None

    def apply(self, conn: Connection) -> None:
        codec = self.codec
        values = dict(self.fields)
        values["error"] = None if self.error is None else codec.encode(self.error)
        values["summary"] = None if self.summary is None else codec.encode(self.summary)
        if codec.blob_refs:
            conn.execute(
                sqlite_insert(ExecutionBlob.__table__)  # type: ignore[attr-defined]
                .on_conflict_do_nothing(),
                [{"execution_id": self.execution_id, "sha256": sha}
                 for sha in sorted(codec.blob_refs)],
            )
        values["stored_bytes"] = codec.stored_bytes
        table = Execution.__table__  # type: ignore[attr-defined]
        conn.execute(update(table).where(table.c.id == self.execution_id).values(**values))


@dataclass(slots=True)
class _Flush:
    done: threading.Event = field(default_factory=threading.Event)


class _Stop:
    pass


Job = StartJob | OperationsJob | FinishJob


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

    def codec(self, secrets: Any = ()) -> PayloadCodec:
        return PayloadCodec(self.blobs, secrets)

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
