"""A run made with pinned outputs (the debugger's) replays deterministically with the same
modules pinned: the pinned module is not called, even though it would fail live."""

from __future__ import annotations

from pathlib import Path

from engine.blueprint import Blueprint
from engine.replay.replay import replay
from engine.runtime import RunPolicy, start_run

BLUEPRINT = {
    "name": "Pinned lookup",
    "flow": [
        {"id": 1, "module": "gateway:CustomWebHook", "mapper": {}},
        # Nothing listens on port 9: run for real, this module fails with a ConnectionError.
        {"id": 2, "module": "http:MakeRequest", "version": 4,
         "parameters": {"authenticationType": "noAuth"},
         "mapper": {"url": "http://127.0.0.1:9/price", "method": "get", "parseResponse": True,
                    "stopOnHttpError": True}},
        {"id": 3, "module": "util:ComposeTransformer",
         "mapper": {"value": "{{1.item}} costs {{2.data.price}}"}},
    ],
}


async def test_pinned_run_replays_deterministically_with_the_same_pins(tmp_path: Path):
    blueprint = Blueprint.model_validate(BLUEPRINT)
    pins = {2: [{"statusCode": 200, "data": {"price": 7}}]}
    # The debugger's Run once keeps its pins with the run's effects.
    handle = start_run(tmp_path, blueprint, RunPolicy.debug(), scenario="Pinned lookup",
                       request={"body": {"item": "tea"}}, pins=pins)
    result = await handle.run()
    handle.finish(result)
    assert result.status == "success"

    outcome = await replay(tmp_path, handle.execution_id, deterministic=True)
    assert outcome.result.status == "success"
    assert outcome.result.operations_by_module == {1: 1, 2: 1, 3: 1}
    assert outcome.result.errors_by_module == {}
