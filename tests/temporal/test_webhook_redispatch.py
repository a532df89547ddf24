"""A stored webhook request names its workflow (node, request id, arrival): dispatched again,
as a node does with a request a crash left running, it follows the workflow its first
dispatch started instead of running the scenario a second time."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from engine.runtime.runtime import Runtime
from engine.runtime.workspace import Workspace
from engine.temporal.cluster import ClusterEngine
from engine.temporal.worker import connect, make_worker
from tests.incomplete.helpers import scenarist
from tests.support.http_stub import Answer, recording
from tests.temporal.scenarios import blueprint, post

REQUEST = {"body": {"n": 1}, "headers": {}, "method": "POST", "query": {}}


async def test_a_request_dispatched_twice_runs_once(temporal_server: str,
                                                    tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with recording(lambda _r: Answer.of(200, {"ok": True})) as stub:
        path = tmp_path / "hooked.json"
        path.write_text(json.dumps(blueprint(
            "Hooked", {"id": 1, "module": "gateway:CustomWebHook", "version": 1},
            post(2, f"{stub.url}/hook", '{"n": {{1.n}}}'))))
        assert scenarist("activate", str(path), "--data-dir", str(ws)).returncode == 0
        runtime = Runtime(Workspace(ws), history=False)
        await runtime.refresh()
        loaded = runtime.scenarios["Hooked"]
        client = await connect(temporal_server)
        engine = ClusterEngine(client, "t-redispatch")
        async with make_worker(client, Workspace(ws), task_queue="t-redispatch"):
            twice = await asyncio.gather(*(
                engine.execute(runtime, loaded, "webhook", request=REQUEST,
                               request_key=(1, 1765000000.25)) for _ in range(2)))
            other = await engine.execute(runtime, loaded, "webhook", request=REQUEST,
                                         request_key=(2, 1765000001.5))
    assert [e.status for e in [*twice, other]] == ["success"] * 3
    assert [r.path for r in stub.requests] == ["/hook", "/hook"]  # the first and `other`
