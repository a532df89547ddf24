"""The registry keeps each scenario's blueprint text: a serve node on another machine shares
the database but not the folder the file is in, and runs the copy; an edit of the file, read
by a node that has it, reaches the copy (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from engine.runtime import registry
from engine.runtime.workspace import Workspace
from tests.runtime.helpers import (
    activate,
    hook_url,
    running,
    until,
    webhook_blueprint,
    write_blueprint,
)

pytestmark = pytest.mark.usefixtures("backend")

RESPONDER = {"id": 4, "module": "gateway:WebhookRespond",
             "mapper": {"status": "200", "body": "{{3.value}}"}}


def greeter(greeting: str) -> dict[str, object]:
    blueprint = webhook_blueprint("Greeter", extra=[RESPONDER])
    blueprint["flow"][2]["mapper"] = {"value": f"{greeting} {{{{2.who}}}}"}  # type: ignore[index]
    return blueprint


async def test_activating_keeps_the_text_and_a_node_without_the_file_runs_it(
        tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    file = tmp_path / "greeter.json"
    activated = activate(ws, file, greeter("Hello"))
    assert registry.stored_blueprint(ws.state, "Greeter") == file.read_text()
    file.rename(tmp_path / "elsewhere.json")  # as on a machine that never had it
    async with running(ws) as (runtime, _events), httpx.AsyncClient() as client:
        answer = await client.post(hook_url(runtime, activated), json={"name": "Ada"})
        assert runtime.problems == {}
    assert (answer.status_code, answer.text) == (200, "Hello Ada")


async def test_an_edit_read_where_the_file_is_reaches_the_nodes_without_it(
        tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    file = tmp_path / "greeter.json"
    activated = activate(ws, file, greeter("Hello"))
    async with running(ws) as (runtime, _events), httpx.AsyncClient() as client:
        url = hook_url(runtime, activated)
        write_blueprint(file, greeter("Welcome"))
        edited = file.read_text()
        await until(lambda: registry.stored_blueprint(ws.state, "Greeter") == edited)
        answer = await client.post(url, json={"name": "Ada"})
        assert answer.text == "Welcome Ada"
        file.unlink()  # from now on this node has only the registry's copy
        answer = await client.post(url, json={"name": "Bo"})
        assert answer.text == "Welcome Bo"
        # A node that has the file changes the copy; this one follows without the file.
        other = json.loads(edited)
        other["flow"][2]["mapper"]["value"] = "Hi {{2.who}}"
        registry.keep_copy(ws.state, "Greeter", json.dumps(other))
        await until(lambda: runtime.scenarios["Greeter"].text == json.dumps(other))
        answer = await client.post(url, json={"name": "Cy"})
        assert answer.text == "Hi Cy"
        assert runtime.problems == {}


async def test_without_the_file_or_a_copy_the_runtime_says_the_file_is_gone(
        tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    file = tmp_path / "greeter.json"
    activate(ws, file, greeter("Hello"))
    with ws.state.begin() as conn:  # registered by a Scenarist from before copies were kept
        conn.exec_driver_sql("UPDATE scenario SET blueprint = NULL, blueprint_sha256 = NULL")
    file.unlink()
    async with running(ws) as (runtime, _events):
        await until(lambda: "Greeter" in runtime.problems)
    assert "the scenario's file is gone" in runtime.problems["Greeter"]
