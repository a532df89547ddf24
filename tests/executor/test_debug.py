"""The debugger's gate: breakpoints, stepping, stop; resuming an incomplete execution."""

from __future__ import annotations

import asyncio
from typing import Any

from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.executor.debug import DebugGate, Pause
from engine.executor.plan import compile_plan
from engine.executor.result import ResumePoint
from engine.executor.run import run_plan
from tests.executor.conftest import echo, source_of


def plan_of(registry, flow: list[dict[str, Any]], **settings: Any):
    bp = Blueprint.model_validate({"flow": flow, "metadata": {"scenario": settings}})
    return compile_plan(bp, registry)


ROUTED = [
    source_of({"n": 1}, {"n": 2}),
    {
        "id": 2,
        "module": "builtin:BasicRouter",
        "routes": [
            {"flow": [echo(3, r="a{{1.n}}"), echo(4, r="b{{1.n}}")]},
            {"flow": [echo(5, r="c{{1.n}}")]},
        ],
    },
]


async def drive(registry, gate: DebugGate, actions: list[str], flow=ROUTED):
    """Run with the gate; at each pause record where, then do the next action."""
    seen: list[tuple[int, str]] = []
    pauses: asyncio.Queue[Pause] = asyncio.Queue()
    gate.on_pause = pauses.put_nowait
    task = asyncio.create_task(run_plan(plan_of(registry, flow), RunServices(), gate=gate))
    for action in actions:
        pause = await asyncio.wait_for(pauses.get(), 5)
        seen.append((pause.module_id, pause.reason))
        getattr(gate, action)()
    result = await asyncio.wait_for(task, 5)
    return seen, result


async def test_breakpoint_pauses_before_the_module_with_its_bundles(registry):
    gate = DebugGate()
    gate.set_breakpoint(4)
    captured: list[Pause] = []
    gate.on_pause = lambda p: (captured.append(p), gate.resume_run())
    result = await run_plan(plan_of(registry, ROUTED), RunServices(), gate=gate)
    assert [p.module_id for p in captured] == [4, 4]
    first = captured[0]
    assert first.bundles[1] == {"n": 1} and first.bundles[3] == {"r": "a1"}
    assert first.input == {"r": "b1"}
    assert result.status == "success" and result.operations == 1 + 6


async def test_step_twice_then_continue(registry):
    gate = DebugGate()
    gate.set_breakpoint(3)
    seen, result = await drive(registry, gate, ["step", "step", "resume_run", "resume_run"])
    assert seen == [(3, "breakpoint"), (4, "step"), (5, "step"), (3, "breakpoint")]
    assert result.status == "success"


async def test_step_over_route_pauses_after_the_route(registry):
    gate = DebugGate()
    gate.set_breakpoint(3)
    seen, _ = await drive(registry, gate, ["step_over_route", "resume_run", "resume_run"])
    assert seen == [(3, "breakpoint"), (5, "step"), (3, "breakpoint")]


async def test_conditional_breakpoint(registry):
    gate = DebugGate()
    gate.set_breakpoint(3, "1.n = 2")
    seen, _ = await drive(registry, gate, ["resume_run"])
    assert seen == [(3, "breakpoint")]


async def test_stop_ends_the_run_as_interrupted(registry):
    gate = DebugGate()
    gate.set_breakpoint(4)
    seen, result = await drive(registry, gate, ["stop"])
    assert seen == [(4, "breakpoint")]
    assert result.status == "error"
    assert result.error["name"] == "ExecutionInterruptedError"
    assert result.operations_by_module[4] == 0


async def test_incomplete_execution_keeps_what_resume_needs_and_resume_finishes(registry):
    flow = [
        source_of({"id": "p1"}, {"id": "p2", "bad": True}),
        echo(2, fail="{{if(1.bad; 1.id; emptystring)}}", id="{{1.id}}"),
        echo(3, done="{{2.id}}"),
    ]
    first = await run_plan(plan_of(registry, flow, dlq=True), RunServices())
    assert first.status == "warning"
    (state,) = first.incomplete
    assert state.module_id == 2 and state.bundles == {1: {"id": "p2", "bad": True}}
    assert state.error["message"] == "failed on p2"
    # The data is fixed (here: the stored bundle edited), then the run resumes at module 2.
    fixed = {1: {"id": "p2"}}
    events: list[Any] = []
    resumed = await run_plan(
        plan_of(registry, flow, dlq=True),
        RunServices(),
        [events.append],
        resume=ResumePoint(2, fixed),
    )
    assert resumed.status == "success"
    assert resumed.operations_by_module == {1: 0, 2: 1, 3: 1}
    assert [e.outputs for e in events if getattr(e, "module_id", 0) == 3] == [[{"done": "p2"}]]


async def test_pinned_output_replaces_the_module_and_skips_its_effects(registry):
    flow = [
        source_of({"n": 1}),
        {"id": 2, "module": "test:Write", "mapper": {"value": "x"}},
        echo(3, got="{{2.pinned}}"),
    ]
    services = RunServices()
    store = services.resource(
        "store", __import__("tests.executor.conftest", fromlist=["_Store"])._Store
    )
    events: list[Any] = []
    result = await run_plan(
        plan_of(registry, flow), services, [events.append], pins={2: [{"pinned": "from the pin"}]}
    )
    assert store.pending == [] and store.committed == []  # module 2 never ran
    assert [e.outputs for e in events if getattr(e, "module_id", 0) == 3] == [
        [{"got": "from the pin"}]
    ]
    assert result.operations_by_module[2] == 1


async def test_run_this_module_only_with_a_chosen_input(registry):
    from engine.executor.run import Executor

    flow = [source_of({"n": 1}), echo(2, doubled="{{1.n * 2}}"), echo(3, after="{{2.doubled}}")]
    executor = Executor(plan_of(registry, flow), RunServices())
    outputs, error = await executor.run_module_only(2, {1: {"n": 21}})
    assert outputs == [{"doubled": 42}] and error is None
    assert executor.ops[3] == 0
    failing = [source_of({}), echo(2, fail="boom")]
    outputs, error = await Executor(plan_of(registry, failing), RunServices()).run_module_only(
        2, {}
    )
    assert outputs == [] and error["message"] == "failed on boom"
