"""`scenarist run --temporal`: the run is submitted to the cluster, its report printed as a
local run prints it, and it is listed in the workspace's history like a local run."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from engine.runtime.workspace import Workspace
from engine.temporal.worker import connect, make_worker
from tests.incomplete.helpers import ROOT, scenarist_json
from tests.support.http_stub import Answer, recording
from tests.temporal.scenarios import webhook_forward


async def test_run_submits_to_the_cluster_and_records_history(temporal_server: str,
                                                              tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"body": {"name": "Ada"}, "headers": {}}))
    client = await connect(temporal_server)
    with recording(lambda r: Answer.of(200, {"id": 41, "name": r.json()["name"]})) as stub:
        path = tmp_path / "forward.blueprint.json"
        path.write_text(json.dumps(webhook_forward(stub.url)))
        async with make_worker(client, Workspace(tmp_path / "worker"), task_queue="t-run"):
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app.cli", "run", str(path), "--input", str(request),
                "--report", "json", "--data-dir", str(ws), "--temporal", temporal_server,
                "--task-queue", "t-run", cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == 0, err.decode()
    report = json.loads(out)
    assert report["status"] == "success" and report["operations"] == 4
    assert report["webhook_response"]["body"] == 41
    assert [r.json() for r in stub.requests] == [{"name": "Ada"}]
    [run] = await asyncio.to_thread(scenarist_json, "history", "list", "--json",
                                    "--data-dir", str(ws))
    assert (run["scenario"], run["status"], run["operations"]) == ("Forward", "success", 4)
    assert run["trigger"] == "webhook"
