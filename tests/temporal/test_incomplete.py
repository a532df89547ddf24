"""A cluster run that fails where the scenario allows incomplete executions stores one in the
shared workspace, as a local run does: the failed module, the bundles it could map, the
error, the webhook request that started it."""

from __future__ import annotations

import socket
from pathlib import Path

from engine.loading import blueprint_from_data
from engine.runtime.workspace import Workspace
from engine.store.incomplete import list_incomplete
from engine.temporal.client import start_execution
from engine.temporal.worker import connect, make_worker
from tests.temporal.scenarios import blueprint, post

REQUEST = {"body": {"name": "Ada"}, "headers": {}, "method": "POST", "query": {}}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there any more: connection refused


async def test_a_failed_run_stores_its_incomplete_execution(temporal_server: str,
                                                            tmp_path: Path) -> None:
    scenario = blueprint(
        "Orders", {"id": 1, "module": "gateway:CustomWebHook", "version": 1},
        post(2, f"http://127.0.0.1:{_closed_port()}/orders", '{"name": "{{1.name}}"}'))
    scenario["metadata"]["scenario"]["dlq"] = True
    client = await connect(temporal_server)
    async with make_worker(client, Workspace(tmp_path), task_queue="t-incomplete"):
        handle = await start_execution(client, blueprint_from_data(scenario), scenario="Orders",
                                       request=REQUEST, report="summary",
                                       task_queue="t-incomplete", execution_id="run-1",
                                       data_dir=str(tmp_path / "elsewhere"))
        done = await handle.result()
    assert done["status"] == "warning"
    assert done["report"]["incomplete_executions"] == 1
    [stored] = list_incomplete(Workspace(tmp_path).state)
    assert done["incomplete_ids"] == [stored.id]
    assert (stored.scenario, stored.module_id, stored.execution_id) == ("Orders", 2, "run-1")
    assert stored.bundles == {1: {"name": "Ada"}}
    assert stored.error is not None and stored.error["name"] == "ConnectionError"
    assert stored.trigger == REQUEST
    # The run named another workspace; a worker uses its own unless told --any-workspace.
    assert not (tmp_path / "elsewhere").exists()
