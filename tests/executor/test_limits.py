"""Bounded runs (issue 8): maximum run duration, module call timeout, and the run-time
errors of filters, patterns and values, located at their module and field.

The run's duration is measured with an injected clock that modules advance; timeouts that
must use the event loop's clock are fractions of a second. No assertion is on time.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine.blueprint import Blueprint
from engine.builtins import flow
from engine.context import RunServices
from engine.executor.debug import DebugGate, Pause
from engine.executor.plan import compile_plan
from engine.executor.result import RunResult
from engine.executor.run import run_plan
from engine.limits import RunLimits
from engine.registry import Registry
from engine.spec import ModuleCall, ModuleTable
from tests.executor.conftest import TEST_MODULES, _Store, echo, source_of, when

LIMIT_MODULES = ModuleTable()


class FakeClock:
    """Monotonic seconds that only move when a module says it took time."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@LIMIT_MODULES.module("test:Slow", label="Slow", kind="action")
def _slow(call: ModuleCall) -> list[dict[str, Any]]:
    call.run.clock.t += float(call.mapper.get("seconds") or 0)  # type: ignore[attr-defined]
    return [dict(call.mapper)]


@LIMIT_MODULES.module("test:Hang", label="Hang", kind="action")
async def _hang(call: ModuleCall) -> list[dict[str, Any]]:
    await asyncio.Event().wait()  # a call that never returns
    return []


@pytest.fixture
def registry() -> Registry:
    return Registry([*flow.MODULES, *TEST_MODULES, *LIMIT_MODULES])


async def run_with(registry: Registry, flow_: list[dict[str, Any]], limits: RunLimits, *,
                   clock: Any = None, gate: DebugGate | None = None,
                   **settings: Any) -> tuple[RunResult, _Store]:
    blueprint = Blueprint.model_validate(
        {"name": "t", "flow": flow_, "metadata": {"scenario": settings}})
    plan = compile_plan(blueprint, registry)
    kwargs: dict[str, Any] = {"limits": limits}
    if clock is not None:
        kwargs["clock"] = clock
    services = RunServices(**kwargs)
    store = services.resource("store", _Store)
    result = await asyncio.wait_for(run_plan(plan, services, gate=gate), 10)
    return result, store


def slow(module_id: int, seconds: float, **mapper: Any) -> dict[str, Any]:
    return {"id": module_id, "module": "test:Slow", "mapper": {"seconds": seconds, **mapper}}


def write(module_id: int, value: str) -> dict[str, Any]:
    return {"id": module_id, "module": "test:Write", "mapper": {"value": value}}


FIVE = [{"n": n} for n in range(1, 6)]
FORTY_MINUTES = RunLimits(max_run_seconds=2400)


# --- maximum run duration ------------------------------------------------------------------


async def test_a_run_past_its_maximum_duration_is_interrupted_keeping_its_operations(
    registry: Registry,
) -> None:
    flow_ = [source_of(*FIVE), write(2, "{{1.n}}"), slow(3, 1000, n="{{1.n}}"),
             echo(4, n="{{3.n}}")]
    result, store = await run_with(registry, flow_, FORTY_MINUTES, clock=FakeClock())
    assert result.status == "error"
    assert result.error is not None
    assert result.error["name"] == "ExecutionInterruptedError"
    assert "maximum execution time exceeded (40 minutes)" in result.error["message"]
    assert result.error["module_id"] == 4  # bundle 3 had just left module 3
    # Every operation that ran is counted (history keeps them); nothing after the limit ran.
    assert result.operations_by_module == {1: 1, 2: 3, 3: 3, 4: 2}
    assert result.incomplete == []
    assert store.committed == [] and store.rolled_back == [1, 2, 3]


async def test_with_incomplete_executions_allowed_the_unfinished_bundle_is_stored(
    registry: Registry,
) -> None:
    flow_ = [source_of(*FIVE), write(2, "{{1.n}}"), slow(3, 1000, n="{{1.n}}"),
             echo(4, n="{{3.n}}")]
    result, store = await run_with(registry, flow_, FORTY_MINUTES, clock=FakeClock(),
                                   dlq=True)
    assert result.status == "warning"
    assert result.error is not None and result.error["name"] == "ExecutionInterruptedError"
    (state,) = result.incomplete
    assert state.module_id == 4
    assert state.bundles[3]["n"] == 3
    assert state.error["name"] == "ExecutionInterruptedError"
    # As Make does for a bundle kept as incomplete: the cycle's work so far is committed.
    assert store.committed == [1, 2, 3]


async def test_no_limit_means_no_interruption(registry: Registry) -> None:
    flow_ = [source_of(*FIVE), slow(3, 10_000)]
    result, _ = await run_with(registry, flow_, RunLimits(max_run_seconds=None),
                               clock=FakeClock())
    assert result.status == "success" and result.operations == 6


async def test_time_paused_at_a_breakpoint_does_not_count(registry: Registry) -> None:
    clock = FakeClock()
    gate = DebugGate()
    gate.set_breakpoint(3)

    def on_pause(pause: Pause) -> None:
        clock.t += 100_000  # the user looks at the inspector for a day
        gate.resume_run()

    gate.on_pause = on_pause
    flow_ = [source_of(*FIVE), slow(2, 10), echo(3, n="{{1.n}}")]
    result, _ = await run_with(registry, flow_, RunLimits(max_run_seconds=60), clock=clock,
                               gate=gate)
    assert result.status == "success"
    assert result.operations == 11


async def test_a_call_in_flight_at_the_run_deadline_interrupts_the_run(
    registry: Registry,
) -> None:
    limits = RunLimits(max_run_seconds=0.05, module_timeout_seconds=None)
    flow_ = [source_of({"n": 1}), {"id": 2, "module": "test:Hang"}]
    result, _ = await run_with(registry, flow_, limits, dlq=True)
    assert result.error is not None
    assert result.error["name"] == "ExecutionInterruptedError"
    assert [s.module_id for s in result.incomplete] == [2]
    assert result.operations_by_module == {1: 1, 2: 1}


# --- module call timeout -------------------------------------------------------------------

QUICK_CALLS = RunLimits(module_timeout_seconds=0.05)


async def test_a_module_call_past_its_timeout_fails_with_a_clear_error(
    registry: Registry,
) -> None:
    result, _ = await run_with(registry, [source_of({"n": 1}), {"id": 2, "module": "test:Hang"}],
                               QUICK_CALLS)
    assert result.status == "error"
    assert result.error is not None
    assert result.error["name"] == "ModuleTimeoutError"
    assert result.error["module_id"] == 2
    assert "did not finish within 0.05 s (module timeout)" in result.error["message"]


async def test_an_error_handler_catches_the_module_timeout(registry: Registry) -> None:
    hang = {"id": 2, "module": "test:Hang", "onerror": [
        echo(8, log="{{2.error.name}}: {{2.error.message}}"),
        {"id": 9, "module": "builtin:Resume", "mapper": {"ok": "substitute"}},
    ]}
    blueprint_flow = [source_of({"n": 1}), hang, echo(3, got="{{2.ok}}")]
    events: list[Any] = []
    blueprint = Blueprint.model_validate({"name": "t", "flow": blueprint_flow})
    plan = compile_plan(blueprint, registry)
    result = await asyncio.wait_for(
        run_plan(plan, RunServices(limits=QUICK_CALLS), [events.append]), 10)
    assert result.status == "success"
    outputs = {e.module_id: e.outputs for e in events if hasattr(e, "outputs")}
    assert outputs[8][0]["log"].startswith("ModuleTimeoutError: The module did not finish")
    assert outputs[3] == [{"got": "substitute"}]


# --- run-time errors located at their module and field ---------------------------------------


async def test_an_unknown_operator_loads_round_trips_and_fails_when_evaluated(
    registry: Registry,
) -> None:
    guarded = echo(3, n="{{1.n}}")
    guarded["filter"] = when("{{1.name}}", "text:isnotempty")
    data = {"name": "t", "flow": [source_of({"n": 1, "name": "x"}), guarded],
            "metadata": {"scenario": {}}}
    blueprint = Blueprint.model_validate(data)
    assert blueprint.to_json_obj()["flow"][1]["filter"] == guarded["filter"]
    result, _ = await run_with(registry, data["flow"], RunLimits())
    assert result.status == "error"
    assert result.error is not None and result.error["name"] == "DataError"
    assert result.error["module_id"] == 3
    message = result.error["message"]
    assert "unknown filter operator 'text:isnotempty'" in message
    assert "module 3" in message and "filter.conditions[0][0]" in message
    assert result.operations_by_module[3] == 0  # the guarded module did not run


async def test_an_unknown_operator_never_reached_lets_the_run_succeed(
    registry: Registry,
) -> None:
    guarded = echo(3, n="{{1.n}}")
    guarded["filter"] = when("{{1.name}}", "text:isempty")
    result, _ = await run_with(registry, [source_of(), {"id": 2, "module": "test:Split"},
                                          guarded], RunLimits())
    assert result.status == "success"


async def test_a_filter_error_goes_to_the_incomplete_executions_when_allowed(
    registry: Registry,
) -> None:
    guarded = echo(3, n="{{1.n}}")
    guarded["filter"] = when("{{1.n}}", "text:isempty")
    result, _ = await run_with(registry, [source_of({"n": 1}), guarded], RunLimits(),
                               dlq=True)
    assert result.status == "warning"
    assert [s.module_id for s in result.incomplete] == [3]


async def test_a_backtracking_pattern_in_a_filter_is_a_data_error_naming_it(
    registry: Registry,
) -> None:
    guarded = echo(3, n="{{1.s}}")
    guarded["filter"] = when("{{1.s}}", "text:pattern", "^(a|aa)+$")
    result, _ = await run_with(registry, [source_of({"s": "a" * 64 + "!"}), guarded],
                               RunLimits(regex_timeout_seconds=0.05))
    assert result.error is not None and result.error["name"] == "DataError"
    message = result.error["message"]
    assert "module 3" in message and "filter.conditions[0][0]" in message
    assert "/^(a|aa)+$/" in message and "took longer than 0.05 s" in message


async def test_a_value_over_the_limit_is_a_data_error_naming_module_field_and_limit(
    registry: Registry,
) -> None:
    doubling = "{{" + "replace(" * 20 + '"ab"' + '; "/.+/"; "$&$&")' * 20 + "}}"
    result, _ = await run_with(registry, [source_of({"n": 1}), echo(2, body=doubling)],
                               RunLimits(max_value_bytes=1024 * 1024))
    assert result.error is not None and result.error["name"] == "DataError"
    message = result.error["message"]
    assert message.startswith("module 2, field body")
    assert "exceeds the 1 MB limit for a single value" in message


async def test_the_run_limits_apply_to_if_else_conditions_too(registry: Registry) -> None:
    if_else = {"id": 2, "module": "builtin:BasicIfElse", "branches": [
        {"type": "condition", "label": "x", "conditions": [[
            {"a": "{{1.s}}", "o": "text:pattern", "b": "^(a|aa)+$"}]], "flow": [echo(3)]},
        {"type": "else", "label": "else", "flow": [echo(4)]},
    ]}
    result, _ = await run_with(registry, [source_of({"s": "a" * 64 + "!"}), if_else],
                               RunLimits(regex_timeout_seconds=0.05))
    assert result.error is not None and result.error["module_id"] == 2
    assert "took longer than" in result.error["message"]


async def test_an_aggregator_mapping_over_the_limit_fails_the_aggregator_not_the_run(
    registry: Registry,
) -> None:
    doubling = "{{" + "replace(" * 20 + '"ab"' + '; "/.+/"; "$&$&")' * 20 + "}}"
    flow_ = [
        source_of({"items": [1, 2]}),
        {"id": 2, "module": "test:Split", "mapper": {"items": "{{1.items}}"}},
        {"id": 3, "module": "builtin:BasicAggregator", "parameters": {"feeder": 2},
         "mapper": {"v": doubling}},
    ]
    result, _ = await run_with(registry, flow_, RunLimits(max_value_bytes=1024 * 1024))
    assert result.error is not None and result.error["module_id"] == 3
    assert "module 3, field v" in result.error["message"]
    assert "1 MB limit" in result.error["message"]
