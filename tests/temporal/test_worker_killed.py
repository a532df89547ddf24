"""Two workers; the one running a 1,000-bundle scenario is killed with SIGKILL halfway: the
run finishes on the other, every bundle's HTTP call is made, and no operation that had
finished is run again (only the one in flight at the kill may be repeated)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from pathlib import Path

import pytest

from engine.loading import blueprint_from_data
from engine.temporal.client import start_execution
from engine.temporal.worker import connect
from tests.support.http_stub import Answer, Recorded, recording
from tests.temporal.scenarios import many_posts
from tests.temporal.workers import WorkerProcess

BUNDLES = 1000


async def _until(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.timeout(600)
async def test_run_survives_its_worker_killed(temporal_server: str, tmp_path: Path) -> None:
    lock = threading.Lock()
    calls: Counter[int] = Counter()

    def respond(request: Recorded) -> Answer:
        with lock:
            calls[request.json()["n"]] += 1
        return Answer.of(200, {"ok": True})

    client = await connect(temporal_server)
    workers: list[WorkerProcess] = []
    try:
        with recording(respond) as stub:
            first = WorkerProcess(temporal_server, "t-kill", tmp_path, tmp_path / "a.log")
            workers.append(first)
            first.wait_ready()
            handle = await start_execution(
                client, blueprint_from_data(many_posts(stub.url)), scenario="Many posts",
                request={"body": {"items": list(range(BUNDLES))}}, report="summary",
                task_queue="t-kill")
            await _until(lambda: len(calls) >= 200, 120)  # the run lives on the first
            second = WorkerProcess(temporal_server, "t-kill", tmp_path, tmp_path / "b.log")
            workers.append(second)
            await asyncio.to_thread(second.wait_ready)
            await _until(lambda: len(calls) >= 400, 120)
            first.kill()
            made_before_kill = len(calls)
            done = await asyncio.wait_for(handle.result(), 400)
    finally:
        for worker in workers:
            worker.stop()
    assert made_before_kill < BUNDLES, "the run finished before the kill: nothing was shown"
    assert done["status"] == "success"
    assert done["report"]["operations"] == BUNDLES + 2
    assert set(calls) == set(range(BUNDLES))  # every bundle's call was made
    repeated = {n: c for n, c in calls.items() if c > 1}
    assert len(repeated) <= 1, repeated  # only the operation in flight at the kill
    assert all(c == 2 for c in repeated.values())
