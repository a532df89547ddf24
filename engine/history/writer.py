"""The single history writer: a thread that turns queued jobs into batched rows.

Recorders (on the event loop) hand operations over a queue a couple of thousand at a time,
mostly as JSON already written (engine.history.batcher); this thread compresses each batch
into one payload and one row (engine.history.batches), and commits once per batch of jobs —
never per bundle. Whatever is queued when the thread wakes goes into one transaction, its
payloads compressed in one call and its rows inserted a hundred per statement: beside a run
that computes, every time this thread takes the interpreter lock back it waits up to the
switch interval (5 ms), so it does so a few times per transaction, not twice per job.
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

from engine.history import statements as sql
from engine.history.batches import encode_batch
from engine.history.database import HistoryDatabase, history_database
from engine.history.payloads import PayloadCodec, pack_all
from engine.store.history_file import blobs_dir
from engine.values import json_safe

log = logging.getLogger("scenarist.history")

MAX_JOBS_PER_TRANSACTION = 256
BATCH_ROWS_PER_STATEMENT = 100  # operation_batch rows one INSERT writes (5 parameters each)
# When a run's operations arrive, wait this long for more before writing: a streaming run's
# jobs are then written together, and this thread takes the interpreter lock from the event
# loop a few times a run instead of for every job. A flush cuts the wait short.
GATHER_S = 0.02
MAX_PROBLEMS_PER_RUN = 20  # a 100,000-bundle run with one bad field per bundle: one line
PRUNE_EVERY_S = 24 * 3600  # retention runs when a writer closes, at most once a day

# Blueprint versions this process has stored, by database: a scenario run again and again
# has its version encoded and offered once, not on every run.
_STORED_VERSIONS: dict[str, set[str]] = {}


class Tx:
    """One transaction of the writer: its statements on the database's cursor."""

    __slots__ = ("batches", "cursor", "db", "finishes", "inserts", "statements")

    def __init__(self, cursor: Any, db: HistoryDatabase, statements: dict[str, str]) -> None:
        self.cursor = cursor
        self.db = db
        self.statements = statements
        self.finishes: dict[tuple[str, ...], str] = {}  # by the columns a run's end sets
        self.batches: list[dict[str, Any]] = []  # operation_batch rows not yet inserted
        self.inserts: dict[int, str] = {}  # INSERT of n batch rows, by n

    def run(self, name: str, values: dict[str, Any]) -> None:
        self.cursor.execute(self.statements[name], self.db.adapt(values))

    def many(self, name: str, rows: list[dict[str, Any]]) -> None:
        self.cursor.executemany(self.statements[name], [self.db.adapt(r) for r in rows])

    def finish(self, values: dict[str, Any], num: int) -> None:
        """Set `values` on execution row `num`."""
        columns = tuple(values)
        statement = self.finishes.get(columns)
        if statement is None:
            statement = self.finishes[columns] = self.db.sql(sql.finish(columns))
        self.cursor.execute(statement, self.db.adapt({**values, "num": num}))

    def insert_key(self, name: str, values: dict[str, Any], key: str) -> int:
        return self.db.insert_key(self.cursor, self.statements[name], self.db.adapt(values),
                                  key)

    def batch(self, values: dict[str, Any]) -> None:
        """An operation_batch row, inserted with the transaction's others (`write_batches`)."""
        self.batches.append(values)

    def write_batches(self) -> None:
        rows, self.batches = self.batches, []
        for start in range(0, len(rows), BATCH_ROWS_PER_STATEMENT):
            chunk = rows[start:start + BATCH_ROWS_PER_STATEMENT]
            statement = self.inserts.get(len(chunk))
            if statement is None:
                statement = self.inserts[len(chunk)] = self.db.sql(
                    sql.insert_batches(len(chunk)))
            values = {f"{column}_{k}": value for k, row in enumerate(chunk)
                      for column, value in self.db.adapt(row).items()}
            self.cursor.execute(statement, values)


_STATEMENTS = {name: getattr(sql, name) for name in (
    "INSERT_EXECUTION", "INSERT_BLUEPRINT", "INSERT_RECORD", "INSERT_BLOB",
    "PRUNED_AT", "ANY_EXECUTION")}


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

    def apply(self, tx: Tx) -> None:
        sha = self.blueprint_sha256
        stored = _STORED_VERSIONS.setdefault(tx.db.key, set())
        if sha is not None and sha not in stored:
            content = self.sink.encode(self.blueprint, "the blueprint")
            tx.run("INSERT_BLUEPRINT", {
                "sha256": sha, "scenario": self.execution["scenario"], "content": content,
                "size": len(content), "created_at": datetime.now(UTC)})
            stored.add(sha)  # forgotten if its transaction rolls back (HistoryWriter._write)
        execution = {k: json_safe(v) if isinstance(v, str) else v
                     for k, v in self.execution.items()}  # SQLite refuses lone surrogates too
        self.sink.num = tx.insert_key("INSERT_EXECUTION", {
            **sql.EXECUTION_DEFAULTS, **execution, "blueprint_sha256": sha}, "num")


@dataclass(slots=True)
class OperationsJob:
    """Consecutive operations of one run, all of one cycle: one `operation_batch` row. Either
    their rows (encoded here), or their JSON already written (`raw`: one JSON array of rows,
    engine.history.batcher), compressed here with the transaction's others."""

    sink: RunSink
    first_seq: int
    cycle: int
    rows: list[tuple[Any, ...]]  # OperationRows, as engine.history.batches stores them
    raw: bytes = b""
    count: int = 0  # operations in `raw`
    content: bytes | None = None  # `raw` packed (by `pack_operations`, kept for a retry)

    def apply(self, tx: Tx) -> None:
        count = self.count if self.raw else len(self.rows)
        if self.sink.num is None or not count:
            return  # the execution's row could not be written: neither can its operations
        content = self.content if self.raw else encode_batch(self.sink, self.rows)
        tx.batch({"execution_num": self.sink.num, "first_seq": self.first_seq,
                  "count": count, "cycle": self.cycle, "content": content})


def pack_operations(jobs: list[Job]) -> None:
    """The JSON of the jobs' operations compressed in one call (see payloads.pack_all)."""
    waiting = [job for job in jobs
               if type(job) is OperationsJob and job.raw and job.content is None]
    if not waiting:
        return
    packed = pack_all([job.raw for job in waiting])
    for job, content in zip(waiting, packed, strict=True):
        job.content = job.sink.codec.counted(content)


@dataclass(slots=True)
class RecordJob:
    """A non-operation row of an execution (`kind` "trigger": the input the run started from;
    "effects": its external effects, for deterministic replay). Negative `seq`s keep these
    rows apart from the operations'."""

    sink: RunSink
    kind: str
    seq: int
    value: Any

    def apply(self, tx: Tx) -> None:
        if self.sink.num is None:
            return
        what = "the trigger's input" if self.kind == "trigger" else f"the run's {self.kind}"
        tx.run("INSERT_RECORD", {
            **sql.RECORD_DEFAULTS, "execution_num": self.sink.num, "seq": self.seq,
            "kind": self.kind, "cycle": 0, "module_id": 0,
            "input": self.sink.encode(self.value, what)})


@dataclass(slots=True)
class FinishJob:
    sink: RunSink
    fields: dict[str, Any]  # plain columns
    error: Any = None
    summary: Any = None

    def apply(self, tx: Tx) -> None:
        if self.sink.num is None:
            return
        sink, codec = self.sink, self.sink.codec
        values = dict(self.fields)
        values["error"] = None if self.error is None else sink.encode(self.error, "the error")
        values["summary"] = self._summary()
        if codec.blob_refs:
            tx.many("INSERT_BLOB", [{"execution_num": self.sink.num, "sha256": sha}
                                    for sha in sorted(codec.blob_refs)])
        values["stored_bytes"] = codec.stored_bytes
        tx.finish(values, self.sink.num)

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

    def __init__(self, workspace: Path, database: HistoryDatabase | None = None) -> None:
        self.workspace = Path(workspace)
        self.database = database if database is not None else history_database(self.workspace)
        self._conn = self.database.connect()  # here, so a file that can't open says so now
        self._tx = Tx(self._conn.cursor(), self.database,
                      {name: self.database.sql(text) for name, text in _STATEMENTS.items()})
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
            try:
                self._prune_if_due()
            except Exception:
                log.exception("history retention failed")
        self._conn.close()

    def _prune_if_due(self) -> None:
        """Retention, when it last ran more than a day ago (or never) and there is history
        to trim. Only then are SQLAlchemy and the retention code loaded."""
        cursor, statements = self._tx.cursor, self._tx.statements
        last = cursor.execute(statements["PRUNED_AT"]).fetchone()
        now = datetime.now(UTC)
        if last is not None:
            try:
                if (now - datetime.fromisoformat(last[0])).total_seconds() < PRUNE_EVERY_S:
                    return
            except (TypeError, ValueError):
                pass
        if cursor.execute(statements["ANY_EXECUTION"]).fetchone() is None:
            return
        from engine.history.retention import prune

        engine = self.database.engine()
        try:
            prune(engine, self.workspace, now=now)
        finally:
            engine.dispose()

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
            self._commit(jobs)
            return
        except Exception as exc:  # find the job(s) at fault; the others must not pay
            log.info("history write failed (%s); retrying its %d jobs one by one",
                     type(exc).__name__, len(jobs))
        for job in jobs:  # the transaction rolled back: so did the rows these keys name
            if isinstance(job, StartJob):
                job.sink.num = None
        _STORED_VERSIONS.pop(self.database.key, None)  # and the versions it stored
        for job in jobs:
            try:
                self._commit([job])
            except Exception as exc:
                _STORED_VERSIONS.pop(self.database.key, None)
                self.failures += 1
                log.exception("history write failed (1 job dropped)")
                job.sink.problem(_dropped(job, exc))


    def _commit(self, jobs: list[Job]) -> None:
        """The jobs in one transaction: all written, or none (and the exception raised)."""
        pack_operations(jobs)
        try:
            for job in jobs:
                job.apply(self._tx)
            self._tx.write_batches()
            self._conn.commit()
        except BaseException:
            self._tx.batches.clear()
            self._conn.rollback()
            raise
        self.commits += 1


def _dropped(job: Job, exc: Exception) -> str:
    """What a dropped job means for its run (the exception without SQL parameters)."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    reason = f"{type(exc).__name__}: {text}"
    if isinstance(job, StartJob) or job.sink.num is None:
        return f"this run could not be recorded ({reason})"
    what = {OperationsJob: "some operations", RecordJob: "the replay data",
            FinishJob: "how the run ended"}.get(type(job), "part of it")
    return f"{what} could not be recorded ({reason})"
