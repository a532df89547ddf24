"""What a crash or a stop leaves of running webhook requests is settled so that every
accepted request is executed exactly once: interrupted runs become incomplete executions,
requests whose run never started run now, and a lost guard removal offers nothing twice."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from engine.crash import RunGuard
from engine.runtime.events import BackgroundRunStarted
from engine.runtime.webhook_queue import DONE, INCOMPLETE, WebhookQueue
from engine.runtime.workspace import Workspace, WorkspaceBusy
from engine.store.incomplete import list_incomplete
from tests.runtime.helpers import activate, hook_url, running, webhook_blueprint


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def dead_guard(ws: Workspace, execution_id: str, blueprint: dict[str, object],
               request: dict[str, object]) -> None:
    """The guard a run of a killed process left behind."""
    guard = RunGuard(ws.folder, execution_id, scenario=str(blueprint["name"]),
                     blueprint_json=blueprint, trigger_input=request)
    guard.start()
    content = json.loads(guard.path.read_text())
    content["pid"], content["process_started"] = dead_pid(), None
    guard.path.write_text(json.dumps(content))


async def test_a_crash_leaves_each_request_executed_once(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    blueprint = webhook_blueprint()
    activated = activate(ws, tmp_path / "greeter.json", blueprint)
    assert activated.hook is not None
    token = activated.hook.token
    queue = await WebhookQueue.open(ws.folder)
    for name in ("interrupted", "never-started", "queued", "finished"):
        await queue.enqueue(token, "Greeter", "POST", {}, {}, {"name": name})
    interrupted = await queue.claim_next("Greeter", "exec-interrupted")
    await queue.claim_next("Greeter", "exec-never-started")  # killed before its guard
    await queue.claim_next("Greeter", "spare")
    await queue.requeue(3)  # "queued" goes back: only two runs were going on
    finished = await queue.claim_next("Greeter", "exec-finished")
    assert interrupted is not None and finished is not None
    await queue.complete(finished.id, DONE, "exec-finished")
    await queue.close()
    dead_guard(ws, "exec-interrupted", blueprint, interrupted.request)
    dead_guard(ws, "exec-finished", blueprint, finished.request)  # its removal was lost

    async with running(ws) as (runtime, events):
        assert runtime.recovery is not None
        assert [r.execution_id for r in runtime.recovery.recovered] == ["exec-interrupted"]
        await events.wait_for(lambda e: len(e.finished()) == 2)
        assert runtime.queue is not None
        rows = {r.body["name"]: r for r in await runtime.queue.requests()}
    assert rows["interrupted"].status == INCOMPLETE
    assert rows["interrupted"].execution_id == "exec-interrupted"
    assert rows["never-started"].status == DONE and rows["queued"].status == DONE
    assert rows["never-started"].execution_id != "exec-never-started"  # a new run
    assert rows["finished"].status == DONE
    pending = list_incomplete(ws.state)
    assert [p.execution_id for p in pending] == ["exec-interrupted"]
    assert pending[0].reason == "interrupted"
    assert not list((ws.folder / "running").glob("*.json"))


async def test_stopping_keeps_a_run_that_does_not_finish_in_time(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    sleepy = {"id": 4, "module": "util:FunctionSleep", "mapper": {"duration": "10"}}
    activated = activate(ws, tmp_path / "slow.json", webhook_blueprint("Slow", extra=[sleepy]))
    async with running(ws) as (runtime, events), httpx.AsyncClient() as client:
        answer = await client.post(hook_url(runtime, activated), json={"name": "late"})
        assert answer.text == "Accepted"
        await events.wait_for(lambda e: any(isinstance(x, BackgroundRunStarted)
                                            for x in e.seen))
        assert runtime.queue is not None
        await runtime.stop("test", grace=0.2)
    pending = list_incomplete(ws.state)
    assert len(pending) == 1 and pending[0].reason == "interrupted"
    queue = await WebhookQueue.open(ws.folder)
    try:
        rows = await queue.requests()
    finally:
        await queue.close()
    assert [(r.status, r.execution_id) for r in rows] == [(INCOMPLETE, pending[0].execution_id)]
    history = ws.history
    assert history is not None
    from engine.history.queries import list_executions

    assert [r["status"] for r in list_executions(history, ws.folder)] == ["interrupted"]


async def test_one_runtime_owns_a_workspace(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    async with running(ws) as (runtime, _events):
        owner = Workspace(ws.folder).owner()
        assert owner is not None and owner.pid == os.getpid() and owner.port == runtime.port
        with pytest.raises(WorkspaceBusy, match="scenarist serve"):
            async with running(Workspace(ws.folder)):
                pass
    assert Workspace(ws.folder).owner() is None
