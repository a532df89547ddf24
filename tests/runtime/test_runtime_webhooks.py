"""The background runtime on a real port: every accepted webhook request runs exactly once
through start_run (recorded in history), Webhook responses reach the caller, activation
from the registry takes effect within seconds, and sequential scenarios keep their order."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from engine.history.queries import list_executions
from engine.runtime import registry
from engine.runtime.activation import deactivate_scenario
from engine.runtime.webhook_queue import DONE
from engine.runtime.workspace import Workspace
from tests.runtime.helpers import activate, hook_url, running, until, webhook_blueprint

RESPONDER = {"id": 4, "module": "gateway:WebhookRespond",
             "mapper": {"status": "201", "body": "{{3.value}}",
                        "headers": [{"key": "X-Who", "value": "{{2.who}}"}]}}


async def test_each_request_runs_once_and_is_recorded(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    activated = activate(ws, tmp_path / "greeter.json", webhook_blueprint())
    async with running(ws) as (runtime, events):
        url = hook_url(runtime, activated)
        async with httpx.AsyncClient() as client:
            answers = await asyncio.gather(*(client.post(url, json={"name": f"n{i}"})
                                             for i in range(40)))
        assert {a.status_code for a in answers} == {200}
        assert {a.text for a in answers} == {"Accepted"}
        await events.wait_for(lambda e: len(e.finished()) == 40)
        assert runtime.queue is not None
        rows = await runtime.queue.requests()
        assert [r.status for r in rows] == [DONE] * 40
        assert len({r.execution_id for r in rows}) == 40  # one execution per request
    history = ws.history
    assert history is not None
    runs = list_executions(history, ws.folder, scenario="Greeter")
    assert len(runs) == 40
    assert {r["trigger"] for r in runs} == {"webhook"}
    assert {r["status"] for r in runs} == {"success"}
    assert {r["id"] for r in runs} == {r.execution_id for r in rows}


async def test_webhook_response_reaches_the_caller(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    activated = activate(ws, tmp_path / "api.json",
                         webhook_blueprint("Api", extra=[RESPONDER]))
    async with running(ws) as (runtime, _events), httpx.AsyncClient() as client:
        answer = await client.post(hook_url(runtime, activated), json={"name": "Ada"})
    assert answer.status_code == 201
    assert answer.text == "Hello Ada"
    assert answer.headers["x-who"] == "Ada"


async def test_deactivating_from_another_process_stops_runs_within_seconds(
        tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    activated = activate(ws, tmp_path / "greeter.json", webhook_blueprint())
    async with running(ws) as (runtime, events), httpx.AsyncClient() as client:
        url = hook_url(runtime, activated)
        await client.post(url, json={"name": "first"})
        await events.wait_for(lambda e: len(e.finished()) == 1)
        # as `scenarist deactivate` does it: a write to state.db, nothing else
        deactivate_scenario(Workspace(ws.folder), "Greeter")
        await until(lambda: not runtime.scenarios["Greeter"].entry.active, 5)
        answer = await client.post(url, json={"name": "queued"})
        assert answer.status_code == 200  # still accepted into its queue, as in Make
        await asyncio.sleep(0.5)
        assert len(events.finished()) == 1
        assert runtime.queue is not None and runtime.queue.queued_count(
            activated.hook.token if activated.hook else "") == 1
        registry.activate(Workspace(ws.folder).state, "Greeter")
        await events.wait_for(lambda e: len(e.finished()) == 2, 5)
    assert [e.status for e in events.finished()] == ["success", "success"]


async def test_a_changed_file_is_picked_up_and_a_broken_one_keeps_the_last_good(
        tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    path = tmp_path / "api.json"
    activated = activate(ws, path, webhook_blueprint("Api", extra=[RESPONDER]))
    async with running(ws) as (runtime, events), httpx.AsyncClient() as client:
        url = hook_url(runtime, activated)
        changed = webhook_blueprint("Api", extra=[{**RESPONDER, "mapper": {
            **RESPONDER["mapper"], "body": "Bye {{2.who}}"}}])
        path.write_text(json.dumps(changed))
        await until(lambda: "Bye" in str(runtime.scenarios["Api"].blueprint.flow[-1].mapper))
        assert (await client.post(url, json={"name": "Bo"})).text == "Bye Bo"
        path.write_text('{"name": "Api", "flow": [')  # a save cut short
        await until(lambda: "Api" in runtime.problems)
        assert "JSON" in runtime.problems["Api"] or "json" in runtime.problems["Api"]
        assert (await client.post(url, json={"name": "Cy"})).text == "Bye Cy"


async def test_sequential_scenario_waits_while_incomplete_executions_are_pending(
        tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    failing = {"id": 4, "module": "json:ParseJSON", "mapper": {"json": "{{1.payload}}"},
               "onerror": [{"id": 5, "module": "builtin:Break",
                            "mapper": {"retry": False, "count": 0, "interval": 1}}]}
    activated = activate(ws, tmp_path / "seq.json", webhook_blueprint(
        "Ordered", extra=[failing], settings={"sequential": True}))
    async with running(ws) as (runtime, events), httpx.AsyncClient() as client:
        url = hook_url(runtime, activated)
        await client.post(url, json={"name": "a", "payload": "not json"})
        await events.wait_for(lambda e: len(e.finished()) == 1)
        assert events.finished()[0].incomplete_ids  # Break stored it
        await client.post(url, json={"name": "b", "payload": "{}"})
        await asyncio.sleep(0.5)
        assert len(events.finished()) == 1  # b waits behind the incomplete execution
        assert runtime.queue is not None
        queued = await runtime.queue.requests(status="queued")
        assert [r.body["name"] for r in queued] == ["b"]
