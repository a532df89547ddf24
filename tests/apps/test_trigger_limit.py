"""A polling trigger's limit read from its own field (`response.limit`, as Make's apps set it,
e.g. Airtable's `maxRecords`): one run emits that many new items, oldest first, and the
module declares no extra `limit` parameter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.apps import ConnectionData, bind_connections, load_makecomapp, module_specs
from engine.context import RunServices
from tests.apps.fakes import Request, call_module, fake_service

ROWS = [{"id": i, "at": f"2026-02-0{i}T00:00:00.000Z"} for i in range(1, 8)]


def rows_app(folder: Path) -> Path:
    files: dict[str, Any] = {
        "makecomapp.json": {"fileVersion": 1, "generalCodeFiles": {"base": "base.iml.json"},
                            "components": {"module": {"watchRows": {
                                "moduleType": "trigger", "label": "Watch rows",
                                "codeFiles": {"communication": "watch.iml.json",
                                              "staticParams": "params.iml.json"}}}}},
        "base.iml.json": {"baseUrl": "https://rows.example"},
        "params.iml.json": [{"name": "maxRecords", "type": "uinteger", "label": "Limit"}],
        "watch.iml.json": {"url": "/rows", "response": {
            "iterate": "{{body.rows}}",
            "trigger": {"id": "{{item.id}}", "date": "{{item.at}}", "type": "date",
                        "order": "asc"},
            "limit": "{{ifempty(parameters.maxRecords, 1)}}"}},
    }
    for name, value in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(value))
    return folder


async def test_the_trigger_emits_as_many_items_as_its_own_limit_says(tmp_path: Path) -> None:
    [watch] = module_specs(load_makecomapp(rows_app(tmp_path / "rows")))
    assert [f.name for f in watch.parameters] == ["maxRecords"]

    def rows(request: Request) -> tuple[int, Any]:
        return 200, {"rows": ROWS}

    with fake_service(rows) as fake:
        run = RunServices(scenario_name="rows")
        bind_connections(run, {"rows": ConnectionData({}, fake.url)})
        first = await call_module(watch, run, parameters={"maxRecords": 3})
        second = await call_module(watch, run, parameters={"maxRecords": 3})
        third = await call_module(watch, run, parameters={})
    assert [b["id"] for b in first] == [1, 2, 3] and [b["id"] for b in second] == [4, 5, 6]
    assert [b["id"] for b in third] == [7]  # empty: Make's default of one
