"""Automatic retries of incomplete executions on the cluster: `serve --engine temporal`
hands a due retry to a worker as a workflow (one per attempt, so two nodes never make the
same attempt twice), and its outcome is kept as a local retry keeps it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from engine.incomplete.retry import RetryRefused
from engine.loading import blueprint_from_data
from engine.runtime.execution import StartedElsewhere
from engine.runtime.retries import RetryDone
from engine.runtime.workspace import Workspace
from engine.store.incomplete import RESOLVED, get_incomplete, list_incomplete, update_incomplete
from engine.temporal.client import start_execution
from engine.temporal.cluster import ClusterEngine
from engine.temporal.retry_attempt import make_attempt
from engine.temporal.worker import connect, make_worker
from tests.cli.test_serve import listed, served, wait_until
from tests.incomplete.helpers import scenarist, scenarist_json
from tests.support.http_stub import Answer, Recorded, recording
from tests.temporal.scenarios import blueprint, post
from tests.temporal.workers import WorkerProcess

REQUEST = {"body": {"name": "Ada"}, "headers": {}, "method": "POST", "query": {}}


def _orders(url: str) -> dict[str, Any]:
    """webhook → POST the name to /orders, whose error breaks with automatic retries."""
    sending = post(2, f"{url}/orders", '{"name": "{{1.name}}"}')
    sending["mapper"]["stopOnHttpError"] = True  # a 500 is an error
    sending["onerror"] = [{"id": 3, "module": "builtin:Break", "version": 1,
                           "mapper": {"retry": True, "count": 3, "interval": 1}}]
    return blueprint("Orders", {"id": 1, "module": "gateway:CustomWebHook", "version": 1},
                     sending)


def _fails_once() -> Any:
    calls = {"n": 0}
    lock = threading.Lock()

    def respond(_request: Recorded) -> Answer:
        with lock:
            calls["n"] += 1
            first = calls["n"] == 1
        return Answer.of(500, {"error": "busy"}) if first else Answer.of(200, {"id": 7})

    return respond


def _due_now(ws: Path) -> str:
    [pending] = list_incomplete(Workspace(ws).state)
    update_incomplete(Workspace(ws).state, pending.id, next_retry_at=datetime.now(UTC))
    return pending.id


def test_serve_retries_an_incomplete_execution_on_a_worker(temporal_server: str,
                                                           tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    path = tmp_path / "orders.json"
    with recording(_fails_once()) as stub:
        path.write_text(json.dumps(_orders(stub.url)))
        assert scenarist("activate", str(path), "--data-dir", str(ws)).returncode == 0
        worker = WorkerProcess(temporal_server, "t-retry", ws, tmp_path / "worker.log")
        cluster = ("--engine", "temporal", "--temporal", temporal_server,
                   "--task-queue", "t-retry")
        try:
            worker.wait_ready()
            with served(ws, *cluster):
                url = listed(ws)["Orders"]["webhook_url"]
                assert asyncio.run(_post(url)) == 200
                wait_until(lambda: len(list_incomplete(Workspace(ws).state)) == 1,
                           timeout=60, what="the incomplete execution")
            incomplete_id = _due_now(ws)  # Break's interval is a minute at least
            with served(ws, *cluster):  # a node retries what is due when it starts
                wait_until(lambda: get_incomplete(Workspace(ws).state,
                                                  incomplete_id).status == RESOLVED,
                           timeout=60, what="the retry")
        finally:
            worker.stop()
    assert [r.path for r in stub.requests] == ["/orders", "/orders"]
    assert all(r.json() == {"name": "Ada"} for r in stub.requests)
    record = get_incomplete(Workspace(ws).state, incomplete_id)
    assert record.attempts == 1 and record.resolved_by == record.last_execution_id
    runs = scenarist_json("history", "list", "--json", "--data-dir", str(ws))
    retried = [r for r in runs if r["id"] == record.resolved_by]
    assert [(r["status"], r["trigger"]) for r in retried] == [("success", "schedule")]
    assert f"Orders/retry/{incomplete_id}/1" in asyncio.run(_workflow_ids(temporal_server))


async def _post(url: str) -> int:
    import httpx

    async with httpx.AsyncClient(timeout=30) as client:
        return (await client.post(url, json={"name": "Ada"})).status_code


async def _workflow_ids(target: str) -> set[str]:
    client = await connect(target)
    return {w.id async for w in client.list_workflows()}


@asynccontextmanager
async def _one_incomplete(temporal_server: str, tmp_path: Path, queue: str
                          ) -> AsyncIterator[tuple[ClusterEngine, Any, Any, Recorded]]:
    """A worker on `queue`, and the incomplete execution its first run of Orders left (the
    stub fails once): the cluster engine, a node's runtime, that record and the stub."""
    with recording(_fails_once()) as stub:
        client = await connect(temporal_server)
        runtime = SimpleNamespace(workspace=Workspace(tmp_path))
        async with make_worker(client, Workspace(tmp_path), task_queue=queue):
            first = await start_execution(client, blueprint_from_data(_orders(stub.url)),
                                          scenario="Orders", request=REQUEST,
                                          task_queue=queue)
            [incomplete_id] = (await first.result())["incomplete_ids"]
            record = get_incomplete(Workspace(tmp_path).state, incomplete_id)
            yield ClusterEngine(client, queue), runtime, record, stub


async def test_two_nodes_make_one_attempt(temporal_server: str, tmp_path: Path) -> None:
    """Two nodes seeing the same due retry (a shared registry) start it once; an attempt made
    already is not made again, even by its own activity run a second time."""
    async with _one_incomplete(temporal_server, tmp_path, "t-retry-twice") as (
            engine, runtime, record, stub):
        started: list[str] = []
        done = await asyncio.gather(
            *(engine.retry(runtime, record, lambda: started.append("x"))
              for _node in range(2)), return_exceptions=True)
        again = await asyncio.gather(engine.retry(runtime, record, lambda: None),
                                     return_exceptions=True)
    made = [d for d in done if isinstance(d, RetryDone)]
    assert len(made) == 1 and made[0].resolved and made[0].status == "success"
    assert [type(d) for d in done if not isinstance(d, RetryDone)] == [StartedElsewhere]
    assert [type(d) for d in again] == [StartedElsewhere] and started == ["x"]
    assert [r.path for r in stub.requests] == ["/orders", "/orders"]
    assert (await make_attempt(tmp_path, record.id, 1))["made"] is False


async def test_an_attempt_the_worker_refuses_says_why(temporal_server: str,
                                                      tmp_path: Path) -> None:
    """An attempt that is not the next one (a node with an outdated view) is refused on the
    worker, and the node is told why, as a local retry's refusal tells it."""
    async with _one_incomplete(temporal_server, tmp_path, "t-retry-refused") as (
            engine, runtime, record, stub):
        ahead = dataclasses.replace(record, attempts=4)
        with pytest.raises(RetryRefused, match="has 0 attempts; attempt 5 is not the next"):
            await engine.retry(runtime, ahead, lambda: None)
    assert [r.path for r in stub.requests] == ["/orders"]  # nothing retried
    assert get_incomplete(Workspace(tmp_path).state, record.id).attempts == 0
