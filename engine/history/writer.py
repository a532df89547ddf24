"""The single history writer: a thread that turns queued jobs into batched rows.

Recorders (on the event loop) hand operations over a queue a couple of thousand at a time,
mostly as JSON already written (engine.history.batcher); this thread compresses each batch
into one payload and one row (engine.history.batches), and commits once per batch of jobs —
never per bundle. Whatever is queued when the thread wakes goes into one transaction.
History must never break a run, nor lose one silently:

- a payload orjson refuses (a lone surrogate, an integer beyond 64 bits: values a parsed JSON
  text can carry) is stored made writable (`engine.values.json_safe`), and the run says so;
- a batch that fails is retried job by job, so one bad job costs only itself, never the other
  runs of the batch nor (through a rolled-back execution row) every later row of its run;
- every such problem is logged (without its data: the engine hides SQL parameters), kept on
  the run's sink for its report, and written into the stored report's warnings.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from engine.history.batches import encode_batch
from engine.history.payloads import PayloadCodec
from engine.store.history_db import (
    BlueprintVersion,
    Execution,
    ExecutionBlob,
    Operation,
    OperationBatch,
    blobs_dir,
    open_history_engine,
)
from engine.values import json_safe

log = logging.getLogger("scenarist.history")

MAX_JOBS_PER_TRANSACTION = 256
# When a run's operations arrive, wait this long for more before writing: a streaming run's
# jobs are then written together, and this thread takes the interpreter lock from the event
# loop a few times a run instead of for every job. A flush cuts the wait short.
GATHER_S = 0.02
MAX_PROBLEMS_PER_RUN = 20  # a 100,000-bundle run with one bad field per bundle: one line

# Statements built once: each run's few rows cost their execution, not SQLAlchemy's building
# and hashing a statement for each (a background runtime writes thousands of runs a minute).
_EXECUTION = Execution.__table__  # type: ignore[attr-defined]
_INSERT_EXECUTION = insert(_EXECUTION)
_INSERT_BLUEPRINT = sqlite_insert(
    BlueprintVersion.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]
_INSERT_RECORD = insert(Operation.__table__)  # type: ignore[attr-defined]
_INSERT_BLOB = sqlite_insert(
    ExecutionBlob.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]
_FINISH = update(_EXECUTION).where(_EXECUTION.c.num == bindparam("finished_num"))
# Blueprint versions this process has stored, by database: a scenario run again and again
# has its version encoded and offered once, not on every run.
_STORED_VERSIONS: dict[str, set[str]] = {}

_BATCH_COLUMNS = ["execution_num", "first_seq", "count", "cycle", "content"]
# The Core insert, compiled once, run on the driver (no column needs a type conversion).
_INSERT_BATCH = str(
    insert(OperationBatch.__table__).compile(  # type: ignore[attr-defined]
        dialect=sqlite.dialect(paramstyle="qmark"), column_keys=_BATCH_COLUMNS
    )
)


class RunSink:
    """What the writer's jobs for one run share: the payload codec, the execution's row key
    once its row exists, and what could not be stored as it was (all set on the writer
    thread; read `problems` after a flush)."""

    __slots__ = ("codec", "num", "problems", "_seen")

    def __init__(self, codec: PayloadCodec) -> None:
        self.codec = codec
        self.num: int | None = None
        self.problems: list[str] = []
        self._seen: set[str] = set()

    def problem(self, message: str) -> None:
        if message in self._seen or len(self.problems) >= MAX_PROBLEMS_PER_RUN:
            return
        self._seen.add(message)
        self.problems.append(message)
        log.warning("history: %s", message)

    def storable(self, value: Any, what: str) -> Any:
        """`value`, or made writable (and said so) when orjson refuses it."""
        try:
            self.codec.check(value)
            return value
        except (TypeError, ValueError) as exc:  # orjson.JSONEncodeError is a TypeError
            reason = str(exc)
        self.problem(f"{what} could not be stored as it was ({reason}): stored with lone "
                     "surrogates as U+FFFD and integers beyond 64 bits as doubles")
        safe = json_safe(value)
        try:
            self.codec.check(safe)
            return safe
        except (TypeError, ValueError) as exc:
            return {"$unstorable": str(exc)}

    def encode(self, value: Any, what: str) -> bytes:
        """`value` as a payload; one orjson refuses is stored made writable, and said so."""
        try:
            return self.codec.encode(value)
        except (TypeError, ValueError) as exc:  # orjson.JSONEncodeError is a TypeError
            reason = str(exc)
        self.problem(f"{what} could not be stored as it was ({reason}): stored with lone "
                     "surrogates as U+FFFD and integers beyond 64 bits as doubles")
        try:
            return self.codec.encode(json_safe(value))
        except (TypeError, ValueError) as exc:
            return self.codec.encode({"$unstorable": str(exc)})


@dataclass(slots=True)
class StartJob:
    execution: dict[str, Any]  # Execution columns known at the start
    blueprint_sha256: str | None
    blueprint: Any  # the blueprint JSON value
    sink: RunSink

    def apply(self, conn: Connection) -> None:
        sha = self.blueprint_sha256
        stored = _STORED_VERSIONS.setdefault(str(conn.engine.url), set())
        if sha is not None and sha not in stored:
            content = self.sink.encode(self.blueprint, "the blueprint")
            conn.execute(_INSERT_BLUEPRINT, {
                "sha256": sha, "scenario": self.execution["scenario"], "content": content,
                "size": len(content), "created_at": datetime.now(UTC)})
            stored.add(sha)  # forgotten if its transaction rolls back (HistoryWriter._write)
        execution = {k: json_safe(v) if isinstance(v, str) else v
                     for k, v in self.execution.items()}  # SQLite refuses lone surrogates too
        inserted = conn.execute(_INSERT_EXECUTION, {**execution, "blueprint_sha256": sha})
        key = inserted.inserted_primary_key
        self.sink.num = None if key is None else int(key[0])


@dataclass(slots=True)
class OperationsJob:
    """Consecutive operations of one run, all of one cycle: one `operation_batch` row. Either
    their rows (encoded here), or their JSON already written (`parts`: JSON arrays of rows,
    engine.history.batcher), compressed here."""

    sink: RunSink
    first_seq: int
    cycle: int
    rows: list[tuple[Any, ...]]  # OperationRows, as engine.history.batches stores them
    parts: list[bytes] = field(default_factory=list)
    count: int = 0  # operations in `parts`

    def apply(self, conn: Connection) -> None:
        count = self.count if self.parts else len(self.rows)
        if self.sink.num is None or not count:
            return  # the execution's row could not be written: neither can its operations
        if self.parts:
            content = self.sink.codec.pack_arrays(self.parts)
        else:
            content = encode_batch(self.sink, self.rows)
        conn.exec_driver_sql(_INSERT_BATCH, (self.sink.num, self.first_seq, count, self.cycle,
                                             content))


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
        what = "the trigger's input" if self.kind == "trigger" else f"the run's {self.kind}"
        conn.execute(_INSERT_RECORD, {
            "execution_num": self.sink.num, "seq": self.seq, "kind": self.kind, "cycle": 0,
            "module_id": 0, "input": self.sink.encode(self.value, what)})


@dataclass(slots=True)
class FinishJob:
    sink: RunSink
    fields: dict[str, Any]  # plain columns
    error: Any = None
    summary: Any = None

    def apply(self, conn: Connection) -> None:
        if self.sink.num is None:
            return
        sink, codec = self.sink, self.sink.codec
        values = dict(self.fields)
        values["error"] = None if self.error is None else sink.encode(self.error, "the error")
        values["summary"] = self._summary()
        if codec.blob_refs:
            conn.execute(_INSERT_BLOB, [{"execution_num": self.sink.num, "sha256": sha}
                                        for sha in sorted(codec.blob_refs)])
        values["stored_bytes"] = codec.stored_bytes
        conn.execute(_FINISH, {**values, "finished_num": self.sink.num})

    def _summary(self) -> bytes | None:
        """The stored report, whose warnings include what history could not store as it was
        (the report's own text included)."""
        sink = self.sink
        if not isinstance(self.summary, dict):
            return None if self.summary is None else sink.encode(self.summary, "the report")
        known, counted = len(sink.problems), sink.codec.stored_bytes
        packed = sink.encode(self._with_problems(self.summary), "the report")
        if len(sink.problems) != known:
            sink.codec.stored_bytes = counted
            packed = sink.encode(self._with_problems(json_safe(self.summary)), "the report")
        return packed

    def _with_problems(self, summary: dict[str, Any]) -> dict[str, Any]:
        problems = self.sink.problems
        if not problems:
            return summary
        return {**summary, "warnings": [*summary.get("warnings", []),
                                        *(f"history: {p}" for p in problems)]}


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
        self._hurry = threading.Event()  # someone waits for the queue to be written
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
        self._hurry.set()
        return marker.done.wait(timeout)

    def close(self, *, prune: bool = True) -> None:
        """Write what is queued, run retention when due, stop the thread, close the file."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_Stop())
        self._hurry.set()
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
            if type(batch[0]) is OperationsJob:
                self._hurry.wait(GATHER_S)
            while len(batch) < MAX_JOBS_PER_TRANSACTION:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            jobs = [j for j in batch if not isinstance(j, (_Flush, _Stop))]
            if jobs:
                self._write(jobs)
            if any(isinstance(item, (_Flush, _Stop)) for item in batch):
                self._hurry.clear()
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
            return
        except Exception as exc:  # find the job(s) at fault; the others must not pay
            log.info("history write failed (%s); retrying its %d jobs one by one",
                     type(exc).__name__, len(jobs))
        for job in jobs:  # the transaction rolled back: so did the rows these keys name
            if isinstance(job, StartJob):
                job.sink.num = None
        _STORED_VERSIONS.pop(str(self.engine.url), None)  # and the versions it stored
        for job in jobs:
            try:
                with self.engine.begin() as conn:
                    job.apply(conn)
                self.commits += 1
            except Exception as exc:
                _STORED_VERSIONS.pop(str(self.engine.url), None)
                self.failures += 1
                log.exception("history write failed (1 job dropped)")
                job.sink.problem(_dropped(job, exc))


def _dropped(job: Job, exc: Exception) -> str:
    """What a dropped job means for its run (the exception without SQL parameters)."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    reason = f"{type(exc).__name__}: {text}"
    if isinstance(job, StartJob) or job.sink.num is None:
        return f"this run could not be recorded ({reason})"
    what = {OperationsJob: "some operations", RecordJob: "the replay data",
            FinishJob: "how the run ended"}.get(type(job), "part of it")
    return f"{what} could not be recorded ({reason})"
