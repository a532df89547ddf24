"""A scenario run as a Temporal workflow on a real dev server: the same report as a local
run, its HTTP calls made by activities, its webhook response readable while it runs."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from engine.loading import blueprint_from_data
from engine.runtime.workspace import Workspace
from engine.temporal.client import start_execution, webhook_response
from engine.temporal.worker import connect, make_worker
from tests.support.http_stub import Answer, Recorded, recording
from tests.temporal.scenarios import webhook_forward

REQUEST = {"body": {"name": "Ada"}, "headers": {}, "method": "POST", "query": {}}


def _lead_api() -> Any:
    ids = itertools.count(41)

    def respond(request: Recorded) -> Answer:
        return Answer.of(200, {"id": next(ids), "name": request.json()["name"]})

    return recording(respond)


async def test_webhook_scenario_runs_on_a_worker(temporal_server: str, tmp_path: Path) -> None:
    client = await connect(temporal_server)
    with _lead_api() as stub:
        blueprint = blueprint_from_data(webhook_forward(stub.url))
        async with make_worker(client, Workspace(tmp_path), task_queue="t-forward"):
            handle = await start_execution(client, blueprint, scenario="Forward",
                                           request=REQUEST, report="json",
                                           task_queue="t-forward")
            done = await handle.result()
            answered = await webhook_response(handle)
    report = done["report"]
    assert report["status"] == "success"
    assert report["operations"] == 4
    assert report["modules"]["2"]["outputs"][0]["data"] == {"id": 41, "name": "Ada"}
    assert report["webhook_response"]["status"] == 201
    assert answered["body"] == 41
    assert [r.json() for r in stub.requests] == [{"name": "Ada"}]
