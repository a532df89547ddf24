"""The webhook queue in state.db: every request a hook accepts is stored before it is answered,
and runs consume it (Make: "every request is stored in the webhook's queue"). It is always
the workspace folder's own state.db (`local_state_engine`), also when the rest of the state
is in a shared PostgreSQL: a request belongs to the node that answered it.

One writer owns all writes. Requests arriving together are committed in one transaction
(group commit: everything that arrived while the previous batch was written, optionally
waiting `linger` seconds for more, up to `max_batch`): `submit` appends the row to the
pending batch and returns a future that is resolved only once the batch holding it is
committed, so a caller answered 2xx after that future never loses its request to a crash
of this process (WAL with `synchronous=NORMAL`: a power cut may lose the newest commits;
`synchronous="FULL"` closes that gap at a cost).
Claims and completions go through the same writer and batches, so no second connection ever
competes for SQLite's write lock on the hot path. The writer's commits checkpoint the WAL as
SQLite does by default, in the writer thread, off the event loop (a checkpoint thread of its
own measured no faster and let the WAL grow without bound under steady load).

Row life: queued -> running (claimed by a run) -> done | failed | incomplete. Rows found
`running` when the queue opens belong to runs a crash interrupted: `interrupted()` lists them
so the runtime turns each into an incomplete execution (never a silent re-run from the start).

Bodies are orjson bytes: plain JSON data ("json"), or tagged JSON when they hold binary data
(multipart files, "tagged", engine.store.datastore's codec), zlib-compressed above
`COMPRESS_OVER` bytes ("+zlib"). Ids are assigned here (one runtime owns a workspace), so a
request's id is known before its commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Index
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from engine.store.datastore import decode_value, encode_value
from engine.store.sqlite_file import configure_connection
from engine.store.state_db import local_state_engine, state_db_path

__all__ = [
    "DEFAULT_QUEUE_LIMIT", "DONE", "FAILED", "INCOMPLETE", "QUEUED", "RUNNING",
    "QueueFull", "QueueStats", "QueuedRequest", "WebhookQueue", "WebhookRequestRow",
    "discard_queued", "queued_requests",
]

QUEUED, RUNNING, DONE, FAILED, INCOMPLETE = "queued", "running", "done", "failed", "incomplete"
FINAL_STATUSES = frozenset({DONE, FAILED, INCOMPLETE})
DEFAULT_QUEUE_LIMIT = 10_000  # Make's largest webhook queue
COMPRESS_OVER = 8 * 1024
# How long the writer waits for more requests before it writes a batch. None by default:
# while one batch is being written the next one gathers (group commit without a timer), and
# measured at 50 connections a 1 ms wait cost throughput and p99 instead of saving either.
DEFAULT_LINGER_S = 0.0
DEFAULT_MAX_BATCH = 512


class WebhookRequestRow(SQLModel, table=True):
    """One request a hook accepted (the schema; the queue writes with plain SQL)."""

    __tablename__ = "webhook_request"
    __table_args__ = (
        # Claims read it; the per-hook counts are read once at open, by a scan.
        Index("ix_webhook_request_scenario_status", "scenario", "status", "id"),
    )

    id: int = Field(primary_key=True)
    hook: str  # the hook's token
    scenario: str
    received_at: float  # Unix time, seconds
    method: str
    headers: bytes  # orjson {lower-case name: value}
    query: bytes  # orjson {name: value | [values]}
    body: bytes  # see body_codec
    body_codec: str  # "json" | "tagged", with "+zlib" when compressed
    options: bytes | None = None  # orjson of the hook's data options ({"headers", "method"})
    respond: bool = False  # a caller waits for the scenario's Webhook response
    status: str = QUEUED
    execution_id: str | None = None
    attempts: int = 0


_COLUMNS = ("id, hook, scenario, received_at, method, headers, query, body, body_codec, "
            "options, respond, status, attempts, execution_id")
_INSERT = (f"INSERT INTO webhook_request ({_COLUMNS}) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_CLAIM = (f"UPDATE webhook_request SET status = '{RUNNING}', attempts = attempts + 1, "
          "execution_id = ? WHERE id = (SELECT id FROM webhook_request WHERE scenario = ? "
          f"AND status = '{QUEUED}' ORDER BY id LIMIT 1) RETURNING {_COLUMNS}")
_REQUEUE = (f"UPDATE webhook_request SET status = '{QUEUED}', execution_id = NULL "
            f"WHERE id = ? AND status = '{RUNNING}' RETURNING hook")
_COMPLETE = "UPDATE webhook_request SET status = ?, execution_id = ? WHERE id = ?"
_DELETE = ("DELETE FROM webhook_request WHERE received_at < ? AND status IN "
           f"('{DONE}', '{FAILED}', '{INCOMPLETE}')")
_DISCARD = (f"DELETE FROM webhook_request WHERE hook = ? AND status = '{QUEUED}'"
            " AND (? IS NULL OR id IN (SELECT value FROM json_each(?)))")
_BODY = 7  # index of body (then body_codec) in a row tuple


class QueueFull(Exception):
    """The hook already holds its limit of queued requests (Make answers 400)."""


@dataclass(slots=True)
class QueuedRequest:
    """A stored request, as the runtime claims it."""

    id: int
    hook: str
    scenario: str
    received_at: float
    method: str
    headers: dict[str, str]
    query: dict[str, Any]
    body: Any
    options: dict[str, Any] | None = None
    respond: bool = False
    status: str = QUEUED
    attempts: int = 0
    execution_id: str | None = None

    @property
    def request(self) -> dict[str, Any]:
        """The request as a run takes it (`RunServices.webhook_request`, gateway.py)."""
        request = {"body": self.body, "headers": self.headers, "method": self.method,
                   "query": self.query}
        if self.options:
            request["options"] = self.options
        return request


@dataclass(slots=True)
class QueueStats:
    """What the writer did (tests and benchmarks read it)."""

    transactions: int = 0
    rows_inserted: int = 0
    largest_batch: int = 0


@dataclass(slots=True)
class _Op:
    kind: str  # "insert" | "claim" | "complete" | "delete" | "discard" | ...
    args: tuple[Any, ...]
    future: asyncio.Future[Any]
    queued: QueuedRequest | None = None  # for inserts: what the future resolves to
    hook: str = ""


class WebhookQueue:
    """The durable queue of one workspace; `await WebhookQueue.open(workspace)`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        executor: ThreadPoolExecutor,
        *,
        queue_limit: int = DEFAULT_QUEUE_LIMIT,
        linger: float = DEFAULT_LINGER_S,
        max_batch: int = DEFAULT_MAX_BATCH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._conn = conn
        self._executor = executor
        self.queue_limit = queue_limit
        self.linger = linger
        self.max_batch = max_batch
        self.clock = clock
        self.stats = QueueStats()
        self._ops: list[_Op] = []
        self._wake = asyncio.Event()
        self._closing = False
        self._next_id = 1
        self._counts: dict[str, int] = {}  # queued requests per hook
        self._interrupted: list[QueuedRequest] = []
        self._writer: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls,
        workspace: Path,
        *,
        queue_limit: int = DEFAULT_QUEUE_LIMIT,
        linger: float = DEFAULT_LINGER_S,
        max_batch: int = DEFAULT_MAX_BATCH,
        synchronous: str = "NORMAL",
        clock: Callable[[], float] = time.time,
    ) -> WebhookQueue:
        """Migrate state.db, read what a previous process left, start the writer."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-queue")
        loop = asyncio.get_running_loop()

        def connect() -> sqlite3.Connection:
            local_state_engine(workspace)  # migrates the file to the head revision
            conn = sqlite3.connect(state_db_path(workspace), isolation_level=None,
                                   check_same_thread=False)
            configure_connection(conn)
            if synchronous.upper() != "NORMAL":
                conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
            return conn

        try:
            conn = await loop.run_in_executor(executor, connect)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        queue = cls(conn, executor, queue_limit=queue_limit, linger=linger,
                    max_batch=max_batch, clock=clock)
        await loop.run_in_executor(executor, queue._load)
        queue._writer = asyncio.create_task(queue._write_loop(), name="webhook-queue-writer")
        return queue

    def _load(self) -> None:
        conn = self._conn
        self._next_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM webhook_request")
                            .fetchone()[0]) + 1
        for hook, count in conn.execute(
            f"SELECT hook, count(*) FROM webhook_request WHERE status = '{QUEUED}' GROUP BY hook"
        ):
            self._counts[hook] = int(count)
        self._interrupted = [
            _decode(row) for row in conn.execute(
                f"SELECT {_COLUMNS} FROM webhook_request WHERE status = '{RUNNING}' ORDER BY id")
        ]

    # --- intake (the server) -------------------------------------------------------------

    def submit(
        self,
        hook: str,
        scenario: str,
        method: str,
        headers: dict[str, str],
        query: dict[str, Any],
        body: Any,
        *,
        binary: bool = False,
        options: dict[str, Any] | None = None,
        respond: bool = False,
        queue_limit: int | None = None,
    ) -> tuple[QueuedRequest, asyncio.Future[QueuedRequest]]:
        """Queue a request: its id now, and a future resolved when its row is committed
        (answer the caller only then). `binary`: the body holds bytes. Raises QueueFull."""
        if self._closing:
            raise RuntimeError("the webhook queue is closed")
        count = self._counts.get(hook, 0)
        if count >= (self.queue_limit if queue_limit is None else queue_limit):
            raise QueueFull(hook)
        self._counts[hook] = count + 1
        request_id = self._next_id
        self._next_id += 1
        received_at = self.clock()
        if binary:
            body_bytes, codec = orjson.dumps(encode_value(body)), "tagged"
        else:
            body_bytes, codec = orjson.dumps(body), "json"
        row = (request_id, hook, scenario, received_at, method, orjson.dumps(headers),
               orjson.dumps(query), body_bytes, codec,
               orjson.dumps(options) if options else None, respond, QUEUED, 0, None)
        queued = QueuedRequest(request_id, hook, scenario, received_at, method, headers, query,
                               body, options, respond)
        future: asyncio.Future[QueuedRequest] = asyncio.get_running_loop().create_future()
        self._push(_Op("insert", row, future, queued, hook))
        return queued, future

    async def enqueue(self, hook: str, scenario: str, method: str, headers: dict[str, str],
                      query: dict[str, Any], body: Any, **options: Any) -> QueuedRequest:
        """`submit`, then wait for the commit."""
        _queued, committed = self.submit(hook, scenario, method, headers, query, body, **options)
        return await committed

    def queued_count(self, hook: str) -> int:
        return self._counts.get(hook, 0)

    # --- consuming (the runtime) ---------------------------------------------------------

    async def claim_next(self, scenario: str, execution_id: str | None = None
                         ) -> QueuedRequest | None:
        """The scenario's oldest queued request, marked running by the execution that will
        run it (None: nothing queued). The id is committed with the claim, so after a crash
        the request names the run that had it."""
        result: QueuedRequest | None = await self._call("claim", (execution_id, scenario))
        return result

    async def claim_many(self, scenario: str, execution_ids: Sequence[str]
                         ) -> list[QueuedRequest]:
        """Up to one oldest queued request per execution id, in order, in one transaction
        (a runtime with free run slots claims them together)."""
        result: list[QueuedRequest] = await self._call("claim_many", (scenario,
                                                                      tuple(execution_ids)))
        return result

    async def requeue(self, request_id: int) -> bool:
        """A claimed request whose run never started goes back to the queue, in its place."""
        changed: bool = await self._call("requeue", (request_id,))
        return changed

    async def complete(self, request_id: int, status: str, execution_id: str | None = None
                       ) -> bool:
        """Record how the run of a claimed request ended (done, failed or incomplete);
        False when no such request exists."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"a finished webhook request is done, failed or incomplete, "
                             f"not {status!r}")
        changed: bool = await self._call("complete", (status, execution_id, request_id))
        return changed

    async def delete_finished(self, received_before: float) -> int:
        """Forget finished requests received before a Unix time (their runs are in history);
        how many were deleted. Queued and running requests stay."""
        deleted: int = await self._call("delete", (received_before,))
        return deleted

    async def discard(self, hook: str, request_ids: Sequence[int] | None = None) -> int:
        """Delete a hook's queued requests (these ids, or all): they will never run; how
        many were deleted. Requests a run has claimed stay."""
        ids = None if request_ids is None else orjson.dumps(list(request_ids)).decode()
        deleted: int
        deleted, _left = await self._call("discard", (hook, ids, ids))
        return deleted

    def interrupted(self) -> list[QueuedRequest]:
        """Requests a previous process had claimed and not finished (it crashed or was
        killed): make each an incomplete execution, then `complete(id, "incomplete", ...)`.
        Read once at open, so the runs of this process never show up here."""
        return list(self._interrupted)

    async def requests(self, *, status: str | None = None, scenario: str | None = None,
                       execution_ids: Sequence[str] | None = None,
                       limit: int = 1000) -> list[QueuedRequest]:
        """Stored requests, oldest first (a read; for the UI, tests and tools)."""
        where: list[str] = []
        params: list[Any] = []
        if execution_ids is not None:
            if not execution_ids:
                return []
            where.append(f"execution_id IN ({', '.join('?' * len(execution_ids))})")
            params.extend(execution_ids)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if scenario is not None:
            where.append("scenario = ?")
            params.append(scenario)
        sql = (f"SELECT {_COLUMNS} FROM webhook_request"
               f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY id LIMIT ?")

        def read() -> list[QueuedRequest]:
            return [_decode(row) for row in self._conn.execute(sql, (*params, limit))]

        return await asyncio.get_running_loop().run_in_executor(self._executor, read)

    async def close(self) -> None:
        """Commit what is pending, stop the writer, close the connection."""
        if self._closing:
            return
        self._closing = True
        self._wake.set()
        if self._writer is not None:
            await self._writer
        await asyncio.get_running_loop().run_in_executor(self._executor, self._conn.close)
        self._executor.shutdown(wait=True)

    # --- the writer ----------------------------------------------------------------------

    def _call(self, kind: str, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        if self._closing:
            raise RuntimeError("the webhook queue is closed")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._push(_Op(kind, args, future))
        return future

    def _push(self, op: _Op) -> None:
        self._ops.append(op)
        if len(self._ops) == 1:
            self._wake.set()

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            if self.linger > 0 and len(self._ops) < self.max_batch and not self._closing:
                await asyncio.sleep(self.linger)  # let requests arriving together join
            batch, self._ops = self._ops[:self.max_batch], self._ops[self.max_batch:]
            if not self._ops:
                self._wake.clear()
            if batch:
                try:
                    results = await loop.run_in_executor(self._executor, self._write, batch)
                except Exception as exc:  # the batch is rolled back: nobody gets a 2xx
                    self._fail(batch, exc)
                else:
                    self._resolve(batch, results)
            if self._closing and not self._ops:
                return

    def _fail(self, batch: Sequence[_Op], exc: Exception) -> None:
        for op in batch:
            if op.kind == "insert":
                self._counts[op.hook] -= 1
            if not op.future.done():
                op.future.set_exception(exc)

    def _resolve(self, batch: Sequence[_Op], results: Sequence[Any]) -> None:
        inserted = 0
        for op, result in zip(batch, results, strict=True):
            if op.kind == "insert":
                inserted += 1
                result = op.queued
            elif op.kind == "claim" and result is not None:
                self._counts[result.hook] -= 1
            elif op.kind == "claim_many":
                for claimed in result:
                    self._counts[claimed.hook] -= 1
            elif op.kind == "discard":  # counted again: another process may have deleted too
                self._counts[op.args[0]] = result[1]
            elif op.kind == "requeue":
                if result is not None:
                    self._counts[result] = self._counts.get(result, 0) + 1
                result = result is not None
            if not op.future.done():
                op.future.set_result(result)
        stats = self.stats
        stats.transactions += 1
        stats.rows_inserted += inserted
        stats.largest_batch = max(stats.largest_batch, len(batch))

    def _write(self, batch: Sequence[_Op]) -> list[Any]:
        """One transaction for the whole batch (in the writer thread)."""
        conn = self._conn
        results: list[Any] = [None] * len(batch)
        conn.execute("BEGIN IMMEDIATE")
        try:
            rows = [_compressed(op.args) for op in batch if op.kind == "insert"]
            if rows:
                conn.executemany(_INSERT, rows)
            for index, op in enumerate(batch):
                if op.kind == "claim":
                    row = conn.execute(_CLAIM, op.args).fetchone()
                    results[index] = None if row is None else _decode(row)
                elif op.kind == "claim_many":
                    scenario, ids = op.args
                    claimed = []
                    for execution_id in ids:
                        row = conn.execute(_CLAIM, (execution_id, scenario)).fetchone()
                        if row is None:
                            break
                        claimed.append(_decode(row))
                    results[index] = claimed
                elif op.kind == "requeue":
                    row = conn.execute(_REQUEUE, op.args).fetchone()
                    results[index] = None if row is None else row[0]
                elif op.kind == "complete":
                    results[index] = conn.execute(_COMPLETE, op.args).rowcount > 0
                elif op.kind == "delete":
                    results[index] = conn.execute(_DELETE, op.args).rowcount
                elif op.kind == "discard":
                    deleted = conn.execute(_DISCARD, op.args).rowcount
                    left = conn.execute(f"SELECT count(*) FROM webhook_request WHERE hook = ? "
                                        f"AND status = '{QUEUED}'", op.args[:1]).fetchone()[0]
                    results[index] = (deleted, int(left))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return results


def _compressed(row: tuple[Any, ...]) -> tuple[Any, ...]:
    body = row[_BODY]
    if len(body) <= COMPRESS_OVER:
        return row
    return (*row[:_BODY], zlib.compress(body, 1), row[_BODY + 1] + "+zlib", *row[_BODY + 2:])


def queued_requests(engine: Engine, hook: str, limit: int = 1000) -> list[QueuedRequest]:
    """A hook's queued requests, oldest first (any process may read them)."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM webhook_request WHERE hook = ? AND status = '{QUEUED}' "
            "ORDER BY id LIMIT ?", (hook, limit)).all()
    return [_decode(row) for row in rows]


def discard_queued(engine: Engine, hook: str, request_ids: Sequence[int] | None = None
                   ) -> int:
    """`WebhookQueue.discard` for a process that doesn't own the workspace (the owner's
    count of the hook's queue, which only its limit reads, then stays high until it discards
    or restarts)."""
    ids = None if request_ids is None else orjson.dumps(list(request_ids)).decode()
    with engine.begin() as conn:
        deleted: int = conn.exec_driver_sql(_DISCARD, (hook, ids, ids)).rowcount
    return deleted


def _decode(row: Sequence[Any]) -> QueuedRequest:
    (request_id, hook, scenario, received_at, method, headers, query, body, codec, options,
     respond, status, attempts, execution_id) = row
    if codec.endswith("+zlib"):
        body = zlib.decompress(body)
        codec = codec[:-5]
    data = orjson.loads(body)
    if codec == "tagged":
        data = decode_value(data)
    return QueuedRequest(
        id=request_id, hook=hook, scenario=scenario, received_at=received_at, method=method,
        headers=orjson.loads(headers), query=orjson.loads(query), body=data,
        options=orjson.loads(options) if options else None, respond=bool(respond),
        status=status, attempts=attempts, execution_id=execution_id,
    )

