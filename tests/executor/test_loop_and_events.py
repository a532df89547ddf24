"""The executor shares the event loop politely and its events cost nothing unheard."""

from __future__ import annotations

import asyncio
import time

from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan
from tests.executor.conftest import echo, source_of


async def test_transactions_commit_at_the_end_of_the_cycle(run):
    ran = await run(
        [
            source_of({"id": 1}, {"id": 2}),
            {"id": 2, "module": "test:Write", "mapper": {"value": "{{1.id}}"}},
        ],
        autoCommit=False,
    )
    assert ran.services.store.committed == [1, 2]


async def test_a_long_run_never_holds_the_loop_for_long(registry):
    items = list(range(60_000))
    blueprint = Blueprint.model_validate(
        {
            "flow": [
                source_of({"items": items}),
                {"id": 2, "module": "builtin:BasicFeeder", "mapper": {"array": "{{1.items}}"}},
                echo(3, v="{{2.value}}"),
            ]
        }
    )
    plan = compile_plan(blueprint, registry)
    gaps: list[float] = []
    done = False

    async def ticker() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    result = await run_plan(plan, RunServices())
    done = True
    await task
    assert result.operations == 1 + 1 + 60_000
    assert len(gaps) > 3  # the ticker got turns during the run
    assert max(gaps) < 0.1


async def test_events_reach_listeners_with_inputs_and_outputs(run):
    ran = await run([source_of({"a": 1}), echo(2, b="{{1.a}}")])
    finished = [e for e in ran.events if type(e).__name__ == "OperationFinished"]
    assert [(e.module_id, e.input, e.outputs) for e in finished] == [
        (1, {}, [{"a": 1}]),
        (2, {"b": 1}, [{"b": 1}]),
    ]
    assert type(ran.events[0]).__name__ == "RunStarted"
    assert type(ran.events[-1]).__name__ == "RunFinished"
