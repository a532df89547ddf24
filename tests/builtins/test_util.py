"""Tools (`util:`): variables, counter, sleep, compose, switch, basic trigger, aggregators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from engine.builtins.util import MODULES
from engine.context import RunServices
from engine.errors import ModuleError
from engine.iml.scope import Scope
from engine.spec import ModuleCall

SPECS = {spec.id: spec for spec in MODULES}


def run_module(
    module: str,
    mapper: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
    *,
    run: RunServices | None = None,
    module_id: int = 1,
) -> list[dict[str, Any]]:
    call = ModuleCall(module_id, parameters or {}, mapper or {}, run or RunServices(), Scope())
    return SPECS[module].implementation(call)


def aggregate(module: str, parameters: dict[str, Any], mappers: list[dict[str, Any]]) -> list:
    """Drive an aggregator the way the executor does for one loop of its feeder."""
    agg = SPECS[module].implementation
    run = RunServices()

    def call(mapper: dict[str, Any]) -> ModuleCall:
        return ModuleCall(9, parameters, mapper, run, Scope())

    state = agg.start(call({}))
    for mapper in mappers:
        agg.add(state, call(mapper))
    return agg.finish(state, call({}))


# --- declarations ---


def test_every_tools_module_is_declared_with_its_make_kind() -> None:
    kinds = {spec.id: spec.kind for spec in MODULES}
    assert kinds == {
        "util:SetVariable2": "action",
        "util:SetVariables": "action",
        "util:GetVariable2": "action",
        "util:GetVariables": "action",
        "util:FunctionIncrement": "action",
        "util:FunctionSleep": "action",
        "util:ComposeTransformer": "transformer",
        "util:Switcher": "transformer",
        "util:BasicTrigger": "trigger",
        "util:TextAggregator": "aggregator",
        "util:FunctionAggregator2": "aggregator",
        "util:AggregateAggregator": "aggregator",
    }


def test_declared_fields_use_the_names_of_real_exports() -> None:
    def names(module: str, part: str) -> set[str]:
        return {field.name for field in getattr(SPECS[module], part)}

    assert names("util:SetVariable2", "mapper") == {"name", "scope", "value"}
    assert names("util:TextAggregator", "parameters") == {
        "feeder", "rowSeparator", "otherRowSeparator"}
    assert names("util:Switcher", "mapper") == {"input", "useRegExpMatch", "casesTable",
                                                "elseOutput"}
    assert names("util:FunctionAggregator2", "parameters") == {"feeder", "fn"}
    scope = next(f for f in SPECS["util:SetVariable2"].mapper if f.name == "scope")
    assert [o["value"] for o in scope.options or []] == ["roundtrip", "execution"]


# --- variables ---


def test_set_variable_outputs_the_value_under_its_name_and_get_reads_it_back() -> None:
    run = RunServices()
    out = run_module("util:SetVariable2",
                     {"name": "lastLeadEmail", "scope": "execution", "value": "a@b.c"}, run=run)
    assert out == [{"lastLeadEmail": "a@b.c"}]
    assert run_module("util:GetVariable2", {"name": "lastLeadEmail"}, run=run) == [
        {"lastLeadEmail": "a@b.c"}]


def test_variables_keep_native_types() -> None:
    run = RunServices()
    when = datetime(2024, 5, 1, 12, tzinfo=UTC)
    value = {"items": [1, 2], "at": when}
    run_module("util:SetVariable2", {"name": "v", "scope": "roundtrip", "value": value}, run=run)
    assert run_module("util:GetVariable2", {"name": "v"}, run=run) == [{"v": value}]


def test_roundtrip_variable_is_gone_next_cycle_but_execution_variable_stays() -> None:
    run = RunServices()
    run_module("util:SetVariable2", {"name": "cycle", "scope": "roundtrip", "value": 1}, run=run)
    run_module("util:SetVariable2", {"name": "total", "scope": "execution", "value": 2}, run=run)
    run.roundtrip_vars.clear()  # what the executor does between cycles
    assert run_module("util:GetVariables", {"variables": ["cycle", "total"]}, run=run) == [
        {"cycle": None, "total": 2}]


def test_setting_a_name_again_in_the_other_scope_replaces_it() -> None:
    run = RunServices()
    run_module("util:SetVariable2", {"name": "x", "scope": "roundtrip", "value": "old"}, run=run)
    run_module("util:SetVariable2", {"name": "x", "scope": "execution", "value": "new"}, run=run)
    assert run_module("util:GetVariable2", {"name": "x"}, run=run) == [{"x": "new"}]
    run.roundtrip_vars.clear()
    assert run_module("util:GetVariable2", {"name": "x"}, run=run) == [{"x": "new"}]


def test_unset_variable_reads_as_empty() -> None:
    assert run_module("util:GetVariable2", {"name": "On Leave Today"}) == [
        {"On Leave Today": None}]


def test_set_variables_outputs_one_field_per_variable_in_order() -> None:
    run = RunServices()
    out = run_module("util:SetVariables", {
        "variables": [{"name": "Team 1", "value": "India"}, {"name": "count", "value": 3}],
        "scope": "roundtrip",
    }, run=run)
    assert out == [{"Team 1": "India", "count": 3}]
    assert list(out[0]) == ["Team 1", "count"]
    got = run_module("util:GetVariables", {"variables": ["count", "Team 1"]}, run=run)
    assert got == [{"count": 3, "Team 1": "India"}]


def test_a_variable_without_a_name_is_a_data_error() -> None:
    with pytest.raises(ModuleError) as err:
        run_module("util:SetVariable2", {"name": "", "scope": "roundtrip", "value": 1})
    assert err.value.name == "DataError"


# --- increment ---


def test_increment_counts_from_one_per_module_and_restarts_with_a_new_run() -> None:
    run = RunServices()
    outs = [run_module("util:FunctionIncrement", parameters={"reset": "execution"}, run=run)
            for _ in range(3)]
    assert outs == [[{"i": 1}], [{"i": 2}], [{"i": 3}]]
    other = run_module("util:FunctionIncrement", parameters={"reset": "execution"}, run=run,
                       module_id=2)
    assert other == [{"i": 1}]
    fresh = run_module("util:FunctionIncrement", parameters={"reset": "execution"})
    assert fresh == [{"i": 1}]


def test_increment_with_reset_after_one_cycle_restarts_when_the_cycle_changes() -> None:
    run = RunServices()
    run.cycle = 1  # type: ignore[attr-defined]
    params = {"reset": "run"}
    run_module("util:FunctionIncrement", parameters=params, run=run)
    assert run_module("util:FunctionIncrement", parameters=params, run=run) == [{"i": 2}]
    run.cycle = 2  # type: ignore[attr-defined]
    assert run_module("util:FunctionIncrement", parameters=params, run=run) == [{"i": 1}]
    never = {"reset": "scenario"}
    run_module("util:FunctionIncrement", parameters=never, run=run, module_id=5)
    run.cycle = 3  # type: ignore[attr-defined]
    assert run_module("util:FunctionIncrement", parameters=never, run=run, module_id=5) == [
        {"i": 2}]


# --- sleep ---


async def test_sleep_waits_the_mapped_seconds_and_lets_the_flow_continue() -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    run = RunServices(sleep=fake_sleep)
    out = await run_module("util:FunctionSleep", {"duration": "10"}, run=run)
    assert out == [{}]
    assert slept == [10.0]


@pytest.mark.parametrize("duration", [0, 301, "soon", None])
async def test_sleep_outside_1_to_300_seconds_is_a_data_error(duration: Any) -> None:
    with pytest.raises(ModuleError) as err:
        await run_module("util:FunctionSleep", {"duration": duration})
    assert err.value.name == "DataError"


# --- compose, switch, basic trigger ---


@pytest.mark.parametrize(("value", "text"), [
    ("Widget × 2", "Widget × 2"), (5, "5"), (2.5, "2.5"), (None, ""), (True, "true"),
])
def test_compose_outputs_text(value: Any, text: str) -> None:
    assert run_module("util:ComposeTransformer", {"value": value}) == [{"value": text}]


def test_switch_returns_the_first_matching_case_else_the_else_output() -> None:
    cases = [{"pattern": "complete", "output": "continue"}, {"pattern": "complete",
                                                             "output": "second"}]
    mapper = {"input": "complete", "useRegExpMatch": False, "casesTable": cases,
              "elseOutput": "stop"}
    assert run_module("util:Switcher", mapper) == [{"output": "continue"}]
    assert run_module("util:Switcher", {**mapper, "input": "Complete"}) == [{"output": "stop"}]
    assert run_module("util:Switcher", {**mapper, "input": "x", "elseOutput": None}) == [
        {"output": None}]


def test_switch_with_regular_expressions_searches_the_input() -> None:
    mapper = {
        "input": "תוכנית ליווי מתקדמת",
        "useRegExpMatch": True,
        "casesTable": [{"pattern": "^סדנה בוסט$", "output": "boost"},
                       {"pattern": "^תוכנית ליווי", "output": "mentoring"}],
        "elseOutput": "",
    }
    assert run_module("util:Switcher", mapper) == [{"output": "mentoring"}]


def test_basic_trigger_emits_one_bundle_per_defined_entry() -> None:
    values = [{"spec": [{"name": "id", "value": "1"}, {"name": "name", "value": "Ada"}]},
              {"spec": [{"name": "id", "value": "2"}]}]
    assert run_module("util:BasicTrigger", parameters={"values": values}) == [
        {"id": "1", "name": "Ada"}, {"id": "2"}]


# --- aggregators ---


@pytest.mark.parametrize(("params", "text"), [
    ({"rowSeparator": "\n"}, "a\nb\nc"),
    ({"rowSeparator": "\t"}, "a\tb\tc"),
    ({"rowSeparator": "other", "otherRowSeparator": ", "}, "a, b, c"),
    ({"rowSeparator": ""}, "abc"),
])
def test_text_aggregator_joins_with_the_row_separator(params: dict, text: str) -> None:
    mappers = [{"value": v} for v in "abc"]
    assert aggregate("util:TextAggregator", {"feeder": 2, **params}, mappers) == [{"text": text}]


def test_text_aggregator_turns_values_into_text() -> None:
    out = aggregate("util:TextAggregator", {"feeder": 2, "rowSeparator": "other",
                                            "otherRowSeparator": ","},
                    [{"value": 1}, {"value": None}, {"value": True}])
    assert out == [{"text": "1,,true"}]


def test_an_empty_loop_finishes_with_an_empty_text() -> None:
    assert aggregate("util:TextAggregator", {"feeder": 2, "rowSeparator": "\n"}, []) == [
        {"text": ""}]


def test_each_started_state_aggregates_on_its_own() -> None:
    """The executor starts one state per group-by key; states must not share anything."""
    agg = SPECS["util:TextAggregator"].implementation
    params = {"feeder": 2, "rowSeparator": "other", "otherRowSeparator": "+"}
    run = RunServices()
    first, second = agg.start(ModuleCall(9, params, {}, run, Scope())), agg.start(
        ModuleCall(9, params, {}, run, Scope()))
    for state, value in [(first, "a"), (second, "b"), (first, "c")]:
        agg.add(state, ModuleCall(9, params, {"value": value}, run, Scope()))
    finish = ModuleCall(9, params, {}, run, Scope())
    assert agg.finish(first, finish) == [{"text": "a+c"}]
    assert agg.finish(second, finish) == [{"text": "b"}]


@pytest.mark.parametrize(("fn", "result"), [
    ("sum", 10.5), ("avg", 3.5), ("count", 4), ("max", 5), ("min", 2.5), ("SUM", 10.5),
])
def test_numeric_aggregator(fn: str, result: float) -> None:
    mappers = [{"value": 3}, {"value": "2.5"}, {"value": 5}, {"value": ""}]
    assert aggregate("util:FunctionAggregator2", {"feeder": 3, "fn": fn}, mappers) == [
        {"result": result}]


def test_numeric_aggregator_on_no_bundles() -> None:
    assert aggregate("util:FunctionAggregator2", {"feeder": 3, "fn": "count"}, []) == [
        {"result": 0}]
    assert aggregate("util:FunctionAggregator2", {"feeder": 3, "fn": "sum"}, []) == [
        {"result": 0}]
    assert aggregate("util:FunctionAggregator2", {"feeder": 3, "fn": "avg"}, []) == [
        {"result": None}]


def test_table_aggregator_writes_rows_of_columns() -> None:
    mappers = [{"name": "Ada", "qty": 2}, {"name": "Bob", "qty": 1}]
    params = {"feeder": 2, "columnSeparator": ",", "rowSeparator": "\n"}
    assert aggregate("util:AggregateAggregator", params, mappers) == [
        {"text": "Ada,2\nBob,1"}]
    other = {"feeder": 2, "columnSeparator": "other", "otherColumnSeparator": " | ",
             "rowSeparator": "other", "otherRowSeparator": ";"}
    assert aggregate("util:AggregateAggregator", other, mappers) == [
        {"text": "Ada | 2;Bob | 1"}]


async def test_increment_set_to_never_reset_counts_on_across_runs(tmp_path):
    from engine.blueprint import Blueprint
    from engine.executor.plan import compile_plan
    from engine.executor.run import run_plan

    blueprint = Blueprint.model_validate({"name": "Ticket numbers", "flow": [
        {"id": 1, "module": "util:BasicTrigger",
         "parameters": {"values": [{"spec": [{"name": "n", "value": "a"}]},
                                   {"spec": [{"name": "n", "value": "b"}]}]}},
        {"id": 2, "module": "util:FunctionIncrement", "parameters": {"reset": "scenario"}},
        {"id": 3, "module": "util:FunctionIncrement", "parameters": {"reset": "execution"}},
    ]})
    seen = []
    for _ in range(2):
        events: list = []
        services = RunServices(data_dir=tmp_path, scenario_name="Ticket numbers")
        await run_plan(compile_plan(blueprint), services, [events.append])
        seen.append([(e.outputs[0]["i"]) for e in events
                     if getattr(e, "module_id", 0) in (2, 3) and getattr(e, "outputs", None)])
    # module 2 never resets: 1, 2 then 3, 4; module 3 starts again each run.
    assert seen == [[1, 1, 2, 2], [3, 1, 4, 2]]
