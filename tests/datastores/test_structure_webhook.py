"""A structure generated from a sample payload guards a webhook: a payload that breaks it
gets a 400 naming the failing field; one like the sample runs the scenario."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from engine.runtime import Workspace
from tests.incomplete.helpers import cli, cli_json
from tests.runtime.helpers import activate, running, webhook_blueprint


async def test_sample_structure_validates_webhook_payloads(tmp_path: Path, capsys: Any) -> None:
    ws = Workspace(tmp_path / "ws")
    activate(ws, tmp_path / "greeter.json", webhook_blueprint())
    where = ["--data-dir", str(ws.folder)]
    sample = tmp_path / "sample.json"
    sample.write_text(json.dumps({"name": "Ada", "age": 36, "tags": ["x"]}))
    sid = cli_json(capsys, "structures", "create", "--from-sample", str(sample), "--json",
                   *where)["id"]
    shown = cli_json(capsys, "structures", "show", sid, *where)
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps(shown["spec"]))
    async with running(ws) as (_runtime, events):
        code, _out, err = await asyncio.to_thread(
            cli, capsys, "hooks", "set", "Greeter", "--data-structure", str(fields), *where)
        assert code == 0, err
        url = cli_json(capsys, "hooks", "list", "--json", *where)[0]["url"]
        await asyncio.sleep(0.5)  # the runtime reads the change
        async with httpx.AsyncClient() as client:
            invalid = await client.post(url, json={"name": "Bo", "age": "old"})
            accepted = await client.post(url, json={"name": "Cy", "age": 7, "tags": []})
        assert invalid.status_code == 400 and "age" in invalid.text
        assert accepted.status_code == 200
        await events.wait_for(lambda e: len(e.finished()) == 1)
