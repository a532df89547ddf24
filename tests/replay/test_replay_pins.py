"""A run made with pinned outputs (the debugger's) replays deterministically with the same
modules pinned: the pinned module is not called, even though it would fail live."""

from __future__ import annotations

import uuid
from pathlib import Path

from engine.blueprint import Blueprint
from engine.executor.effects import PINS_EFFECT
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan
from engine.executor.services import RunServices
from engine.incomplete.tracked import TrackedRun, new_effect_log
from engine.replay.replay import replay

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
    plan = compile_plan(blueprint)
    pins = {2: [{"statusCode": 200, "data": {"price": 7}}]}
    services = RunServices(data_dir=tmp_path, webhook_request={"body": {"item": "tea"}},
                           scenario_name="Pinned lookup", execution_id=uuid.uuid4().hex,
                           effects=new_effect_log(blueprint, True))
    assert services.effects is not None
    services.effects.record(PINS_EFFECT, {str(k): v for k, v in pins.items()})
    tracked = TrackedRun(tmp_path, blueprint, plan, services,
                         trigger_input={"body": {"item": "tea"}})
    listeners = tracked.start()
    result = await run_plan(plan, services, listeners, pins=pins)
    tracked.finish(result)
    assert result.status == "success"

    outcome = await replay(tmp_path, tracked.execution_id, deterministic=True)
    assert outcome.result.status == "success"
    assert outcome.result.operations_by_module == {1: 1, 2: 1, 3: 1}
    assert outcome.result.errors_by_module == {}
