"""A webhook's data structure and queue from the command line: "redetermine" makes the
structure from the next request and later requests that break it are answered 400 naming
the field; a strict structure refuses fields it doesn't name; queued requests are listed
and deleted before they run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from engine.runtime import Workspace
from engine.runtime.hook_structure import structure_from_sample
from engine.store.data_structures import DataStructure, get_structure, save_structure
from tests.incomplete.helpers import cli, cli_json
from tests.runtime.helpers import activate, running, webhook_blueprint

SAMPLE = {"name": "Ada", "age": 36, "vip": True,
          "address": {"city": "London"}, "orders": [{"sku": "A1", "qty": 2}]}


def test_a_structure_made_from_a_sample_types_every_field() -> None:
    assert structure_from_sample(SAMPLE) == [
        {"name": "name", "type": "text"}, {"name": "age", "type": "number"},
        {"name": "vip", "type": "boolean"},
        {"name": "address", "type": "collection",
         "spec": [{"name": "city", "type": "text"}]},
        {"name": "orders", "type": "array",
         "spec": [{"name": "sku", "type": "text"}, {"name": "qty", "type": "number"}]},
    ]


async def test_redetermine_then_validate(tmp_path: Path, capsys: Any) -> None:
    ws = Workspace(tmp_path / "ws")
    activate(ws, tmp_path / "greeter.json", webhook_blueprint())
    where = ["--data-dir", str(ws.folder)]
    async with running(ws) as (_runtime, events):
        code, out, err = await asyncio.to_thread(cli, capsys, "hooks", "redetermine",
                                                 "Greeter", *where)
        assert code == 0, err
        [listed] = cli_json(capsys, "hooks", "list", "--json", *where)
        assert listed["determining"] is True
        await asyncio.sleep(0.5)  # the runtime reads the change
        async with httpx.AsyncClient() as client:
            sample = await client.post(listed["url"], json=SAMPLE)
            wrong = await client.post(listed["url"], json={**SAMPLE, "age": "old",
                                                           "orders": [{"qty": "two"}]})
            fine = await client.post(listed["url"], json={**SAMPLE, "extra": 1})
        assert sample.status_code == 200
        assert wrong.status_code == 400, wrong.text
        assert "'age'" in wrong.text and "'orders[1].qty'" in wrong.text
        assert fine.status_code == 200  # not strict: other fields pass
        await events.wait_for(lambda e: len(e.finished()) == 2)
    [listed] = cli_json(capsys, "hooks", "list", "--json", *where)
    assert listed["determining"] is False and listed["structure"]
    kept = get_structure(ws.state, listed["structure"])
    assert kept is not None and [f.name for f in kept.spec] == list(SAMPLE)


async def test_a_strict_structure_names_the_unknown_field(tmp_path: Path, capsys: Any) -> None:
    ws = Workspace(tmp_path / "ws")
    activate(ws, tmp_path / "greeter.json", webhook_blueprint())
    save_structure(ws.state, DataStructure.model_validate({
        "id": "17", "name": "Person", "strict": True,
        "spec": [{"name": "name", "type": "text", "required": True}]}))
    where = ["--data-dir", str(ws.folder)]
    code, _, err = cli(capsys, "hooks", "set", "Greeter", "--structure", "18", *where)
    assert code == 2 and "no such data structure (known: 17 (Person))" in err
    code, _, err = cli(capsys, "hooks", "set", "Greeter", "--structure", "17", *where)
    assert code == 0, err
    async with running(ws) as (_runtime, events):
        [listed] = cli_json(capsys, "hooks", "list", "--json", *where)
        async with httpx.AsyncClient() as client:
            extra = await client.post(listed["url"], json={"name": "Ada", "nick": "A"})
            missing = await client.post(listed["url"], json={})
            ok = await client.post(listed["url"], json={"name": "Ada"})
        assert extra.status_code == 400 and "'nick'" in extra.text
        assert missing.status_code == 400 and "'name'" in missing.text
        assert ok.status_code == 200
        await events.wait_for(lambda e: len(e.finished()) == 1)


async def test_queued_requests_are_listed_and_deleted(tmp_path: Path, capsys: Any) -> None:
    ws = Workspace(tmp_path / "ws")
    activate(ws, tmp_path / "greeter.json", webhook_blueprint(), active=False)
    where = ["--data-dir", str(ws.folder)]
    async with running(ws) as (runtime, _events):
        [listed] = cli_json(capsys, "hooks", "list", "--json", *where)
        async with httpx.AsyncClient() as client:
            for name in ("Ada", "Bob", "Cy"):
                answer = await client.post(listed["url"], json={"name": name})
                assert answer.status_code == 200  # switched off: requests wait
        waiting = cli_json(capsys, "hooks", "requests", "Greeter", "--json", *where)
        assert [w["body"] for w in waiting] == [{"name": n} for n in ("Ada", "Bob", "Cy")]
        code, out, err = await asyncio.to_thread(
            cli, capsys, "hooks", "delete-requests", "Greeter", "--id", str(waiting[1]["id"]),
            *where)
        assert code == 0 and "1 queued request(s) deleted" in out, err
        waiting = cli_json(capsys, "hooks", "requests", "Greeter", "--json", *where)
        assert [w["body"]["name"] for w in waiting] == ["Ada", "Cy"]
        assert runtime.queue is not None
        assert await runtime.queue.discard(listed["token"]) == 2
        assert runtime.queue.queued_count(listed["token"]) == 0
    assert cli_json(capsys, "hooks", "requests", "Greeter", "--json", *where) == []
    [listed] = cli_json(capsys, "hooks", "list", "--json", *where)
    assert listed["queue"] == 0
    assert json.dumps(listed)  # still listable
