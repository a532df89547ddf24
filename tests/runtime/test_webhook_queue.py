"""The durable webhook queue: group commit, claim/complete, limits, codecs, crash leftovers."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData

from engine.runtime.webhook_queue import (
    COMPRESS_OVER,
    DONE,
    INCOMPLETE,
    QUEUED,
    RUNNING,
    QueueFull,
    WebhookQueue,
    WebhookRequestRow,
)
from engine.store.state_db import open_state_engine, state_db_path

ROOT = Path(__file__).resolve().parents[2]


def rows(workspace: Path) -> list[tuple[Any, ...]]:
    """The stored rows as another connection (another process) sees them."""
    conn = sqlite3.connect(state_db_path(workspace))
    try:
        return conn.execute(
            "SELECT id, hook, scenario, status, attempts, execution_id, body_codec"
            " FROM webhook_request ORDER BY id").fetchall()
    finally:
        conn.close()


async def put(queue: WebhookQueue, body: Any = None, hook: str = "tok",
              scenario: str = "Leads", **options: Any) -> Any:
    return await queue.enqueue(hook, scenario, "POST", {"content-type": "application/json"},
                               {}, {"n": 1} if body is None else body, **options)


async def test_a_request_is_committed_before_its_future_resolves(tmp_path: Path) -> None:
    queue = await WebhookQueue.open(tmp_path)
    try:
        queued, committed = queue.submit("tok", "Leads", "POST", {}, {"q": "1"}, {"a": 1})
        assert rows(tmp_path) == []  # not yet: the caller must not be answered
        assert await committed is queued
        assert rows(tmp_path) == [(queued.id, "tok", "Leads", QUEUED, 0, None, "json")]
    finally:
        await queue.close()


async def test_claim_marks_running_and_complete_records_the_run(tmp_path: Path) -> None:
    queue = await WebhookQueue.open(tmp_path)
    try:
        first = await put(queue, {"n": 1})
        await put(queue, {"n": 2}, scenario="Other")
        second = await put(queue, {"n": 3})
        claimed = await queue.claim_next("Leads")
        assert claimed is not None and claimed.id == first.id
        assert (claimed.status, claimed.attempts, claimed.body) == (RUNNING, 1, {"n": 1})
        assert claimed.request == {"body": {"n": 1}, "method": "POST", "query": {},
                                   "headers": {"content-type": "application/json"}}
        assert await queue.complete(claimed.id, DONE, "exec-1")
        again = await queue.claim_next("Leads")
        assert again is not None and again.id == second.id
        assert await queue.claim_next("Leads") is None
        stored = {row[0]: row for row in rows(tmp_path)}
        assert stored[first.id][3:6] == (DONE, 1, "exec-1")
        assert stored[second.id][3] == RUNNING
        with pytest.raises(ValueError, match="done, failed or incomplete"):
            await queue.complete(second.id, "running")
        assert not await queue.complete(999, DONE)
    finally:
        await queue.close()


async def test_requests_arriving_together_share_one_transaction(tmp_path: Path) -> None:
    queue = await WebhookQueue.open(tmp_path, linger=0.002)
    commits: list[str] = []
    queue._conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    try:
        results = await asyncio.gather(*(put(queue, {"n": i}) for i in range(300)))
        assert [r.body["n"] for r in results] == list(range(300))
        assert len(rows(tmp_path)) == 300
        assert queue.stats.rows_inserted == 300
        assert queue.stats.transactions == len(commits) <= 3, commits
        assert queue.stats.largest_batch >= 100
    finally:
        await queue.close()


async def test_a_batch_is_capped_at_max_batch(tmp_path: Path) -> None:
    queue = await WebhookQueue.open(tmp_path, linger=0.002, max_batch=50)
    try:
        await asyncio.gather(*(put(queue, {"n": i}) for i in range(200)))
        assert queue.stats.largest_batch == 50
        assert queue.stats.transactions >= 4
    finally:
        await queue.close()


async def test_queue_limit_per_hook(tmp_path: Path) -> None:
    queue = await WebhookQueue.open(tmp_path, queue_limit=2)
    try:
        await put(queue)
        await put(queue)
        with pytest.raises(QueueFull):
            await put(queue)
        await put(queue, hook="another")  # the limit is per hook
        with pytest.raises(QueueFull):
            queue.submit("tok2", "Leads", "POST", {}, {}, None, queue_limit=0)
        assert queue.queued_count("tok") == 2
        await queue.claim_next("Leads")  # a claimed request leaves the queue
        assert queue.queued_count("tok") == 1
        await put(queue)
    finally:
        await queue.close()


async def test_large_bodies_are_compressed_and_binary_bodies_keep_bytes(tmp_path: Path) -> None:
    queue = await WebhookQueue.open(tmp_path)
    big = {"text": "x" * (COMPRESS_OVER * 2)}
    binary = {"file": {"name": "a.bin", "mime": "application/octet-stream",
                       "data": b"\x00\xff\x10"}, "$buffer": "not a tag"}
    try:
        await put(queue, big)
        await put(queue, binary, binary=True)
        assert [row[6] for row in rows(tmp_path)] == ["json+zlib", "tagged"]
        first, second = await queue.claim_next("Leads"), await queue.claim_next("Leads")
        assert first is not None and first.body == big
        assert second is not None and second.body == binary
    finally:
        await queue.close()


async def test_a_failed_commit_fails_every_request_of_the_batch(tmp_path: Path) -> None:
    queue = await WebhookQueue.open(tmp_path, queue_limit=5)

    def broken(batch: Any) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    original = queue._write
    queue._write = broken  # type: ignore[method-assign]
    try:
        with pytest.raises(sqlite3.OperationalError):
            await put(queue)
        assert queue.queued_count("tok") == 0  # the slot is given back
        queue._write = original  # type: ignore[method-assign]
        await put(queue)
        assert len(rows(tmp_path)) == 1
    finally:
        await queue.close()


async def test_data_options_and_the_caller_waiting_are_kept(tmp_path: Path) -> None:
    queue = await WebhookQueue.open(tmp_path)
    try:
        await put(queue, options={"headers": True, "method": False}, respond=True)
        claimed = await queue.claim_next("Leads")
        assert claimed is not None and claimed.respond
        assert claimed.request["options"] == {"headers": True, "method": False}
        listed = await queue.requests(status=RUNNING)
        assert [r.id for r in listed] == [claimed.id]
    finally:
        await queue.close()


async def test_finished_requests_can_be_deleted(tmp_path: Path) -> None:
    now = [100.0]
    queue = await WebhookQueue.open(tmp_path, clock=lambda: now[0])
    try:
        old = await put(queue)
        await put(queue)
        now[0] = 200.0
        await put(queue)
        claimed = await queue.claim_next("Leads")
        assert claimed is not None and claimed.id == old.id
        await queue.complete(claimed.id, DONE, "exec-1")
        assert await queue.delete_finished(received_before=150.0) == 1
        assert [(row[0], row[3]) for row in rows(tmp_path)] == [(2, QUEUED), (3, QUEUED)]
    finally:
        await queue.close()


_CRASH = textwrap.dedent("""
    import asyncio, os, sys
    from pathlib import Path
    from engine.runtime.webhook_queue import WebhookQueue

    async def main() -> None:
        queue = await WebhookQueue.open(Path(sys.argv[1]))
        for n in range(3):
            await queue.enqueue("tok", "Leads", "POST", {}, {}, {"n": n})
        await queue.claim_next("Leads")
        await queue.claim_next("Leads")
        os._exit(9)  # killed mid-run: no close, no complete

    asyncio.run(main())
""")


async def test_requests_a_crash_left_running_are_listed_not_rerun(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _CRASH, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 9, done.stderr
    queue = await WebhookQueue.open(tmp_path)
    try:
        left = queue.interrupted()
        assert [(r.body, r.status, r.attempts) for r in left] == [
            ({"n": 0}, RUNNING, 1), ({"n": 1}, RUNNING, 1)]
        # The queued one is still there, and the interrupted ones are never claimed again.
        waiting = await queue.claim_next("Leads")
        assert waiting is not None and waiting.body == {"n": 2}
        assert await queue.claim_next("Leads") is None
        for request in left:  # the runtime stored them as incomplete executions
            await queue.complete(request.id, INCOMPLETE, f"exec-{request.id}")
        fresh = await put(queue)
        assert fresh.id == 4  # ids continue after the stored ones
        assert queue.interrupted() == left  # a snapshot taken at open
    finally:
        await queue.close()
    reopened = await WebhookQueue.open(tmp_path)
    try:
        # The run of this process (claimed above as `waiting`) was running at close.
        assert [r.body for r in reopened.interrupted()] == [{"n": 2}]
        assert reopened.queued_count("tok") == 1
    finally:
        await reopened.close()


def test_the_migration_creates_the_model_s_table(tmp_path: Path) -> None:
    metadata = MetaData()
    WebhookRequestRow.__table__.to_metadata(metadata)  # type: ignore[attr-defined]
    engine = open_state_engine(tmp_path)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            # Other tables are absent from `metadata`: only this table's differences count.
            diff = [d for d in compare_metadata(context, metadata)
                    if "webhook_request" in repr(d)]
            assert diff == []
    finally:
        engine.dispose()
