"""An app's instant trigger (OpnForm, a real custom app) registers the runtime's hook URL with
the service when its scenario runs in the background, once, at the public URL when one is
set, and unregisters it when the scenario is removed; the service's calls then run it."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import httpx

from engine.runtime import Workspace, save_setting
from engine.runtime.hook_store import hooks
from tests.apps.fakes import CORPUS, Request, fake_service
from tests.incomplete.helpers import cli
from tests.runtime.helpers import activate, running


def opnform_service(calls: list[tuple[str, str, Any]]) -> Any:
    def handle(request: Request) -> tuple[int, Any]:
        body = request.json() if request.body else None
        calls.append((request.method, request.path, body))
        if request.headers.get("authorization") != "Bearer opn-1":
            return 401, {"message": "Unauthenticated."}
        if request.path == "/open/forms/10/integrations" and request.method == "POST":
            return 200, {"form_integration": {"id": 55}}
        if request.path == "/open/forms/10/integrations/55":
            return 200, {"message": "deleted"}
        return 404, {"message": "Not found"}

    return handle


def blueprint() -> dict[str, Any]:
    return {"name": "New submissions", "flow": [
        {"id": 1, "module": "opnform-65ly55:watchNewSubmissions",
         "parameters": {"__IMTCONN__": 41, "workspaceId": 7, "formId": 10}},
        {"id": 2, "module": "util:ComposeTransformer",
         "mapper": {"value": "submission {{1.submission_id}}"}}],
        "metadata": {"scenario": {"roundtrips": 1}}}


async def test_app_webhook_is_attached_once_and_detached_on_removal(tmp_path: Path,
                                                                    capsys: Any) -> None:
    ws = Workspace(tmp_path / "ws")
    shutil.copytree(CORPUS / "opnform", ws.folder / "apps" / "opnform")
    calls: list[tuple[str, str, Any]] = []
    with fake_service(opnform_service(calls)) as fake:
        code, _out, err = cli(capsys, "connections", "add", "opnform-65ly55", "--name", "forms",
                              "--set", "apiKey=opn-1", "--set", f"baseUrl={fake.url}",
                              "--make-id", "41", "--data-dir", str(ws.folder))
        assert code == 0, err
        save_setting(ws.state, "public_url", "https://hooks.example.org")
        activated = activate(ws, tmp_path / "forms.json", blueprint())
        assert activated.hook is not None
        token = activated.hook.token
        async with running(ws) as (runtime, events):
            def attached() -> bool:
                return ("POST", "/open/forms/10/integrations") in [c[:2] for c in calls]

            try:
                await until_true(attached)
            except TimeoutError:
                raise AssertionError(runtime.problems) from None
            posted = [c for c in calls if c[:2] == ("POST", "/open/forms/10/integrations")]
            assert posted[0][2]["data"] == {"webhook_url":
                                            f"https://hooks.example.org/hook/{token}"}
            # the service calls the hook (through the tunnel): the scenario runs
            async with httpx.AsyncClient() as client:
                answer = await client.post(f"http://127.0.0.1:{runtime.port}/hook/{token}",
                                           json={"form_id": 10, "submission_id": 3})
            assert answer.text == "Accepted"
            await events.wait_for(lambda e: len(e.finished()) == 1)
        async with running(ws):  # a restart doesn't register it again
            pass
        assert len([c for c in calls if c[0] == "POST"]) == 1
        record = hooks(ws.state, scenario="New submissions")[0]
        assert record.options["attached"]["data"] == {"externalHookId": 55, "formId": 10}
        assert cli(capsys, "deactivate", "New submissions", "--data-dir", str(ws.folder))[0] == 0
        code, out, err = await asyncio.to_thread(
            cli, capsys, "scenarios", "remove", "New submissions", "--data-dir", str(ws.folder))
        assert code == 0 and "unregistered from the service" in out, err
        assert calls[-1][:2] == ("DELETE", "/open/forms/10/integrations/55")
    assert "attached" not in hooks(ws.state)[0].options


async def until_true(predicate: Any, timeout: float = 10.0) -> None:
    from tests.runtime.helpers import until

    await until(predicate, timeout)


async def test_a_trigger_without_a_connection_uses_the_hooks_or_the_only_one(
        tmp_path: Path, capsys: Any) -> None:
    """Make keeps an instant trigger's connection on its hook: an export's trigger names
    none. The workspace's only connection of the app serves; with several, the user picks
    one for the hook."""
    ws = Workspace(tmp_path / "ws")
    shutil.copytree(CORPUS / "opnform", ws.folder / "apps" / "opnform")
    calls: list[tuple[str, str, Any]] = []
    where = ["--data-dir", str(ws.folder)]
    exported = blueprint()
    del exported["flow"][0]["parameters"]["__IMTCONN__"]
    with fake_service(opnform_service(calls)) as fake:
        def add(name: str, key: str) -> str:
            code, out, err = cli(capsys, "connections", "add", "opnform-65ly55", "--name", name,
                                 "--set", f"apiKey={key}", "--set", f"baseUrl={fake.url}",
                                 "--json", *where)
            assert code == 0, err
            return str(json.loads(out)["id"])

        add("wrong", "opn-0")
        right = add("right", "opn-1")
        activate(ws, tmp_path / "forms.json", exported)
        async with running(ws) as (runtime, _events):
            await until_true(lambda: "New submissions" in runtime.problems)
            assert "hooks set 'New submissions webhook' --connection" in runtime.problems[
                "New submissions"]
            assert calls == []
            code, _out, err = await asyncio.to_thread(
                cli, capsys, "hooks", "set", "New submissions", "--connection", right, *where)
            assert code == 0, err
            await until_true(lambda: ("POST", "/open/forms/10/integrations") in
                             [c[:2] for c in calls])  # at once: not a minute on
