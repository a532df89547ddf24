"""`scenarist hooks`: a hook's options, set from the command line, apply in the running
runtime within seconds; API keys never show."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from engine.runtime import Workspace
from tests.incomplete.helpers import cli, cli_json
from tests.runtime.helpers import activate, running, webhook_blueprint


async def test_options_from_the_cli_apply_in_the_runtime(tmp_path: Path, capsys: Any) -> None:
    ws = Workspace(tmp_path / "ws")
    activate(ws, tmp_path / "greeter.json", webhook_blueprint())
    where = ["--data-dir", str(ws.folder)]
    structure = tmp_path / "structure.json"
    structure.write_text(json.dumps([{"name": "name", "type": "text", "required": True}]))
    async with running(ws) as (runtime, events):
        code, out, err = await asyncio.to_thread(
            cli, capsys, "hooks", "set", "Greeter", "--api-key", "s3cret-key",
            "--data-structure", str(structure), *where)
        assert code == 0, err
        listed = cli_json(capsys, "hooks", "list", "--json", *where)
        assert listed[0]["api_keys"] is True and "s3cret-key" not in json.dumps(listed)
        url = listed[0]["url"]
        assert url.startswith(f"http://127.0.0.1:{runtime.port}/hook/")
        await asyncio.sleep(0.5)  # the runtime reads the change
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, json={"name": "x"})
            keyed = {"x-make-apikey": "s3cret-key"}
            invalid = await client.post(url, json={"nom": "x"}, headers=keyed)
            accepted = await client.post(url, json={"name": "Ada"}, headers=keyed)
        assert refused.status_code == 401
        assert invalid.status_code == 400 and "name" in invalid.text
        assert accepted.status_code == 200
        await events.wait_for(lambda e: len(e.finished()) == 1)
    code, _out, err = cli(capsys, "hooks", "set", "Greeter", "--rate-limit", "fast", *where)
    assert code == 2 and "N/SECONDS" in err
    code, _out, err = cli(capsys, "hooks", "set", "Nope", "--headers", *where)
    assert code == 1 and "no webhook 'Nope'" in err
