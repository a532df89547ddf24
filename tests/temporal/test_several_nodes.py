"""Two `scenarist serve --engine temporal` nodes (their own workspaces, as on two machines
behind a load balancer) and one worker, all real processes: the same scheduled scenarios are
active on both, yet each planned time runs once cluster-wide (the node that comes second is
refused by the workflow id and says so); webhook requests spread over both nodes each run
exactly once."""

from __future__ import annotations

import asyncio
import json
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.cli.test_serve import listed, post_all, served, wait_until
from tests.incomplete.helpers import scenarist, scenarist_json
from tests.support.http_stub import Answer, recording
from tests.temporal.scenarios import blueprint, post
from tests.temporal.workers import WorkerProcess

TICKS = 3
POSTS_PER_NODE = 10
REFUSED = "was already started by another node"


def _activate(ws: Path, data: dict[str, object], *schedule: str) -> None:
    path = ws.parent / f"{data['name']}.blueprint.json"
    path.write_text(json.dumps(data))
    done = scenarist("activate", str(path), *schedule, "--data-dir", str(ws))
    assert done.returncode == 0, done.stderr


def _runs(ws: Path) -> list[dict[str, object]]:
    found: list[dict[str, object]] = scenarist_json("history", "list", "--json", "--limit",
                                                    "100", "--data-dir", str(ws))
    return found


async def _workflow_ids(target: str) -> list[str]:
    from engine.temporal.worker import connect

    client = await connect(target)
    return [w.id async for w in client.list_workflows()]


def test_two_nodes_run_each_time_and_request_once(temporal_server: str, tmp_path: Path) -> None:
    nodes = [tmp_path / "a" / "ws", tmp_path / "b" / "ws"]
    with recording(lambda _r: Answer.of(200, {"ok": True})) as stub:
        base = (datetime.now(UTC) + timedelta(seconds=12)).replace(microsecond=0)
        times = [base + timedelta(seconds=3 * i) for i in range(TICKS)]
        for ws in nodes:
            ws.mkdir(parents=True)
            _activate(ws, blueprint("Hooked", {"id": 1, "module": "gateway:CustomWebHook",
                                               "version": 1},
                                    post(2, f"{stub.url}/hook", '{"n": {{1.n}}}')))
            for i, at in enumerate(times):
                _activate(ws, blueprint(f"Tick{i}", post(1, f"{stub.url}/tick{i}", "{}")),
                          "--schedule", f"once {at.isoformat().replace('+00:00', 'Z')}")
        worker = WorkerProcess(temporal_server, "t-nodes", tmp_path / "worker",
                               tmp_path / "worker.log")
        try:
            worker.wait_ready()
            with ExitStack() as stack:
                for ws in nodes:
                    stack.enter_context(served(ws, "--engine", "temporal", "--temporal",
                                               temporal_server, "--task-queue", "t-nodes"))
                for i, ws in enumerate(nodes):
                    url = listed(ws)["Hooked"]["webhook_url"]
                    bodies = [{"n": i * POSTS_PER_NODE + k} for k in range(POSTS_PER_NODE)]
                    assert set(asyncio.run(post_all(url, bodies))) == {200}
                wait_until(lambda: datetime.now(UTC) > times[-1] + timedelta(seconds=3),
                           what="the last planned time")
                wait_until(lambda: len(stub.requests) >= 2 * POSTS_PER_NODE + TICKS,
                           timeout=60, what="the runs' calls")
                wait_until(lambda: all(r["status"] != "running" for ws in nodes
                                       for r in _runs(ws)), what="the runs to end")
                wait_until(lambda: sum(_log(ws).count(REFUSED) for ws in nodes) >= TICKS,
                           timeout=20, what="both nodes reaching every planned time")
        finally:
            worker.stop()
    calls = [r.path for r in stub.requests]
    assert sorted(c for c in calls if c.startswith("/tick")) == [f"/tick{i}"
                                                                  for i in range(TICKS)]
    assert sorted(r.json()["n"] for r in stub.requests if r.path == "/hook") == list(
        range(2 * POSTS_PER_NODE))
    assert sum(_log(ws).count(REFUSED) for ws in nodes) == TICKS  # each time: one refused
    ticks = [r for ws in nodes for r in _runs(ws) if str(r["scenario"]).startswith("Tick")]
    assert sorted(str(r["scenario"]) for r in ticks) == [f"Tick{i}" for i in range(TICKS)]
    assert all(r["status"] == "success" for r in ticks)
    ids = asyncio.run(_workflow_ids(temporal_server))
    assert sorted(i for i in ids if i.startswith("Tick")) == [
        f"Tick{i}/schedule/{at.isoformat()}" for i, at in enumerate(times)]
    assert len([i for i in ids if i.startswith("Hooked/webhook/")]) == 2 * POSTS_PER_NODE


def _log(ws: Path) -> str:
    return (ws.parent / "serve.log").read_text()
