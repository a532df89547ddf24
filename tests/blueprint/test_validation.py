"""Broken blueprints are rejected with the file, the module id and the JSON path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from engine.blueprint_check import find_problems, inspect, validate
from engine.errors import BlueprintError
from engine.loading import blueprint_from_data

FILE = "orders.blueprint.json"


def module(module_id: Any, name: str = "util:SetVariable2", **extra: Any) -> dict[str, Any]:
    return {"id": module_id, "module": name, "version": 1, "parameters": {}, "mapper": {},
            "metadata": {"designer": {"x": 0, "y": 0}}, **extra}


def router(module_id: int, *flows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": module_id, "module": "builtin:BasicRouter", "version": 1, "mapper": None,
            "routes": [{"flow": flow} for flow in flows]}


def blueprint(*flow: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Orders", "flow": list(flow), "metadata": {"version": 1}}


def first_error(data: Any) -> BlueprintError:
    with pytest.raises(BlueprintError) as caught:
        validate(data, FILE)
    return caught.value


def good() -> dict[str, Any]:
    cond = {"a": "{{1.qty}}", "o": "number:greater", "b": "10"}
    return blueprint(
        module(1, "gateway:CustomWebHook"),
        router(
            2,
            [module(3, filter={"name": "big", "conditions": [[cond]]})],
            [module(4, onerror=[module(5, "builtin:Ignore")])],
        ),
    )


def test_a_well_formed_blueprint_passes() -> None:
    validate(good(), FILE)
    assert blueprint_from_data(good()).to_json_obj() == good()


def test_duplicate_id_in_a_nested_route_names_both_places() -> None:
    data = good()
    data["flow"][1]["routes"][1]["flow"][0]["onerror"][0]["id"] = 3
    error = first_error(data)
    assert error.file == FILE
    assert error.module_id == 3
    assert error.path == "flow[1].routes[1].flow[0].onerror[0].id"
    assert "flow[1].routes[0].flow[0]" in error.message
    assert FILE in str(error) and "module 3" in str(error)


def test_a_route_without_flow() -> None:
    data = good()
    data["flow"][1]["routes"][1] = {"disabled": True}
    error = first_error(data)
    assert (error.module_id, error.path) == (2, "flow[1].routes[1]")
    assert "flow" in error.message


def test_routes_must_be_a_list_of_flows() -> None:
    data = good()
    data["flow"][1]["routes"] = {"flow": []}
    error = first_error(data)
    assert (error.module_id, error.path) == (2, "flow[1].routes")


def test_a_condition_without_operator() -> None:
    data = good()
    conditions = data["flow"][1]["routes"][0]["flow"][0]["filter"]["conditions"]
    conditions.append([{"a": "{{1.x}}", "o": "exist"}, {"a": "{{1.y}}", "b": "2"}])
    error = first_error(data)
    assert error.module_id == 3
    assert error.path == "flow[1].routes[0].flow[0].filter.conditions[1][1]"
    assert "operator" in error.message


def test_an_unknown_operator_is_a_warning_naming_it_not_a_problem() -> None:
    data = good()
    data["flow"][1]["routes"][0]["flow"][0]["filter"]["conditions"][0][0]["o"] = "date:before"
    validate(data, FILE)  # Make exports it: it loads, and fails only when evaluated
    problems, warnings = inspect(data, FILE)
    assert problems == []
    [warning] = warnings
    assert "date:before" in warning.message and warning.module_id == 3
    assert warning.path == "flow[1].routes[0].flow[0].filter.conditions[0][0].o"


def test_ci_variants_and_the_string_alias_are_known() -> None:
    data = good()
    group = data["flow"][1]["routes"][0]["flow"][0]["filter"]["conditions"][0]
    group += [{"a": "x", "o": "text:equal:ci", "b": "X"}, {"a": "x", "o": "string:equal", "b": "x"},
              {"a": "{{1.t}}", "o": "array:notcontain:ci", "b": "x"}]
    validate(data, FILE)


def test_conditions_must_be_a_list_of_lists() -> None:
    data = good()
    data["flow"][1]["routes"][0]["flow"][0]["filter"]["conditions"] = [
        {"a": "1", "o": "exist"}
    ]
    error = first_error(data)
    assert error.path == "flow[1].routes[0].flow[0].filter.conditions[0]"


def test_a_flow_that_is_not_a_list() -> None:
    error = first_error({"name": "x", "flow": {"id": 1, "module": "util:SetVariable2"}})
    assert (error.module_id, error.path) == (None, "flow")
    data = good()
    data["flow"][1]["routes"][1]["flow"][0]["onerror"] = {"id": 5}
    error = first_error(data)
    assert (error.module_id, error.path) == (4, "flow[1].routes[1].flow[0].onerror")


def test_module_must_be_shaped_app_colon_name() -> None:
    error = first_error(blueprint(module(1, "SetVariable")))
    assert (error.module_id, error.path) == (1, "flow[0].module")
    error = first_error(blueprint({"id": 1, "mapper": {}}))
    assert error.path == "flow[0].module"


def test_ids_must_be_positive_integers_but_null_placeholders_pass() -> None:
    validate(blueprint(module(1), {"id": None, "module": "placeholder:Placeholder"}), FILE)
    error = first_error(blueprint(module("1")))
    assert error.path == "flow[0].id"


def test_what_make_exports_is_accepted() -> None:
    data = blueprint(
        module(1, "gateway:CustomWebHook"),
        {**router(2, [module(3, filter={"name": "no conditions"})],
                  [module(4, filter={"name": "fallback", "conditions": []})]),
         "filter": {"name": "on the router", "conditions": [[{"a": "{{1.a}}", "o": "exist"}]]},
         "parameters": {"else": 1}},
        {"id": 6, "module": "some-custom-app:DoThing", "mapper": None},
    )
    data["flow"][1]["routes"][0]["disabled"] = True
    validate(data, FILE)


def test_branches_and_merge_shapes() -> None:
    if_else = {"id": 2, "module": "builtin:BasicIfElse", "version": 1, "mapper": None,
               "branches": [
                   {"type": "condition", "label": "A", "merge": True,
                    "conditions": [[{"a": "{{1.x}}", "o": "text:equal", "b": "a"}]],
                    "flow": [module(3)]},
                   {"type": "else", "label": "B", "merge": True, "flow": [module(4)]}]}
    merge = {"id": 5, "module": "builtin:BasicMerge", "version": 1, "mapper": None,
             "outputs": [{"name": "value", "mappings": ["{{3.v}}", "{{4.v}}"]}]}
    data = blueprint(module(1), if_else, merge)
    validate(data, FILE)

    broken = copy.deepcopy(data)
    broken["flow"][1]["branches"][1]["type"] = "otherwise"
    assert first_error(broken).path == "flow[1].branches[1].type"

    broken = copy.deepcopy(data)
    del broken["flow"][1]["branches"][0]["flow"]
    assert (first_error(broken).module_id, first_error(broken).path) == (
        2, "flow[1].branches[0]")

    broken = copy.deepcopy(data)
    broken["flow"][2]["outputs"] = [{"mappings": []}]
    assert (first_error(broken).module_id, first_error(broken).path) == (
        5, "flow[2].outputs[0].name")


def test_every_problem_is_listed_and_the_message_counts_them() -> None:
    data = blueprint(module(1), module(1), module(2, "nocolon"))
    problems = find_problems(data, FILE)
    assert [p.path for p in problems] == ["flow[1].id", "flow[2].module"]
    assert "1 more problem" in str(first_error(data))


def test_a_blueprint_model_is_checked_too() -> None:
    model = blueprint_from_data(good())
    model.flow[1].routes[0].flow[0].id = 4  # type: ignore[index]
    error = first_error(model)
    assert (error.module_id, error.path) == (4, "flow[1].routes[1].flow[0].id")


def test_a_type_problem_the_model_finds_still_says_where() -> None:
    data = good()
    data["metadata"]["scenario"] = {"roundtrips": "many"}
    with pytest.raises(BlueprintError) as caught:
        blueprint_from_data(data, FILE)
    assert caught.value.path == "metadata.scenario.roundtrips"
    assert caught.value.file == FILE
