"""`scenarist serve --engine temporal` with a `scenarist worker`, all real processes: a
webhook whose scenario has a Webhook response gets the workflow's response; one without gets
"Accepted" as soon as the workflow starts; a scheduled run starts a workflow too; every
run is in the node's history."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.cli.test_serve import listed, served
from tests.incomplete.helpers import scenarist, scenarist_json
from tests.support.http_stub import Answer, Recorded, recording
from tests.temporal.scenarios import blueprint, post, webhook_forward
from tests.temporal.workers import WorkerProcess


def _activate(ws: Path, tmp_path: Path, data: dict[str, object]) -> str:
    path = tmp_path / f"{data['name']}.blueprint.json"
    path.write_text(json.dumps(data))
    done = scenarist("activate", str(path), "--data-dir", str(ws))
    assert done.returncode == 0, done.stderr
    return str(data["name"])


def test_serve_starts_workflows_and_answers_webhooks(temporal_server: str,
                                                      tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ids = itertools.count(41)

    def respond(request: Recorded) -> Answer:
        if request.path == "/slow":
            time.sleep(1.5)
        return Answer.of(200, {"id": next(ids)})

    with recording(respond) as stub:
        forward = _activate(ws, tmp_path, webhook_forward(stub.url))
        slow = _activate(ws, tmp_path, blueprint(
            "Slow", {"id": 1, "module": "gateway:CustomWebHook", "version": 1},
            post(2, f"{stub.url}/slow", '{"x": 1}')))
        worker = WorkerProcess(temporal_server, "t-serve", ws, tmp_path / "worker.log")
        try:
            worker.wait_ready()
            with served(ws, "--engine", "temporal", "--temporal", temporal_server,
                        "--task-queue", "t-serve"):
                urls = {name: listed(ws)[name]["webhook_url"] for name in (forward, slow)}
                answered = asyncio.run(_post(urls[forward]))
                begun = time.monotonic()
                accepted = asyncio.run(_post(urls[slow]))
                accepted_s = time.monotonic() - begun
                _wait(lambda: any(r.path == "/slow" for r in stub.requests))
                _wait(lambda: len(_history(ws)) == 2)
        finally:
            worker.stop()
    assert (answered.status_code, answered.json()) == (201, 41)
    assert accepted.status_code == 200 and accepted.text == "Accepted"
    assert accepted_s < 1.5  # answered before the run's slow call returned
    assert [r.json() for r in stub.requests if r.path == "/leads"] == [{"name": "Ada"}]
    runs = {r["scenario"]: r for r in _history(ws)}
    assert runs[forward]["status"] == "success" and runs[forward]["operations"] == 4
    assert runs[slow]["status"] == "success" and runs[slow]["trigger"] == "webhook"


async def _post(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(url, json={"name": "Ada"})


def _history(ws: Path) -> list[dict[str, object]]:
    listed_runs: list[dict[str, object]] = scenarist_json(
        "history", "list", "--json", "--data-dir", str(ws))
    return listed_runs


def _wait(predicate, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_scheduled_run_becomes_a_workflow(temporal_server: str, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with recording(lambda _r: Answer.of(200, {"status": "ok"})) as stub:
        path = tmp_path / "poll.json"
        path.write_text(json.dumps(blueprint("Poll", {
            "id": 1, "module": "http:ActionSendData", "version": 3,
            "mapper": {"url": f"{stub.url}/status", "method": "get"}})))
        worker = WorkerProcess(temporal_server, "t-schedule", ws, tmp_path / "worker.log")
        try:
            worker.wait_ready()
            with served(ws, "--engine", "temporal", "--temporal", temporal_server,
                        "--task-queue", "t-schedule"):
                at = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
                done = scenarist("activate", str(path), "--schedule",
                                 f"once {at.isoformat().replace('+00:00', 'Z')}",
                                 "--data-dir", str(ws))
                assert done.returncode == 0, done.stderr
                _wait(lambda: len(_history(ws)) == 1 and _history(ws)[0]["status"] != "running")
        finally:
            worker.stop()
    [run] = _history(ws)
    assert (run["scenario"], run["trigger"], run["status"]) == ("Poll", "schedule", "success")
    assert [r.path for r in stub.requests] == ["/status"]
    # named by its planned time, so another node reaching that time starts no second one
    assert asyncio.run(_workflow_ids(temporal_server)) >= {f"Poll/schedule/{at.isoformat()}"}


async def _workflow_ids(target: str) -> set[str]:
    from engine.temporal.worker import connect

    client = await connect(target)
    return {w.id async for w in client.list_workflows()}
