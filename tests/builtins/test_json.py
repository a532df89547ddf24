"""JSON (`json:`): parse into bundles, create JSON text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from engine.builtins.json_ import MODULES
from engine.context import RunServices
from engine.errors import ModuleError
from engine.iml.scope import Scope
from engine.spec import ModuleCall

SPECS = {spec.id: spec for spec in MODULES}


def run_module(module: str, mapper: dict[str, Any], parameters: dict[str, Any] | None = None):
    call = ModuleCall(1, parameters or {}, mapper, RunServices(), Scope())
    return SPECS[module].implementation(call)


def test_declarations() -> None:
    assert {s.id: s.kind for s in MODULES} == {
        "json:ParseJSON": "transformer",
        "json:CreateJSON": "transformer",
        "json:TransformToJSON": "transformer",
        "json:AggregateToJSON": "aggregator",
    }
    assert [f.name for f in SPECS["json:ParseJSON"].mapper] == ["json"]
    assert [f.name for f in SPECS["json:CreateJSON"].parameters] == ["type", "space"]
    assert [f.name for f in SPECS["json:CreateJSON"].interface] == ["json"]


# --- Parse JSON ---


def test_an_object_becomes_one_bundle_of_its_fields() -> None:
    text = '{"category": "Sales", "news": [{"headline": "A"}], "score": 7, "ok": true}'
    assert run_module("json:ParseJSON", {"json": text}, {"type": 415854}) == [
        {"category": "Sales", "news": [{"headline": "A"}], "score": 7, "ok": True}]


def test_a_top_level_array_fans_out_into_one_bundle_per_item() -> None:
    text = '[{"name": "Peter", "ID": 1}, {"name": "Mike", "ID": 2}]'
    assert run_module("json:ParseJSON", {"json": text}) == [
        {"name": "Peter", "ID": 1}, {"name": "Mike", "ID": 2}]


def test_array_items_that_are_not_objects_come_as_value() -> None:
    assert run_module("json:ParseJSON", {"json": '["a", 2, null, [1]]'}) == [
        {"value": "a"}, {"value": 2}, {"value": None}, {"value": [1]}]
    assert run_module("json:ParseJSON", {"json": "[]"}) == []
    assert run_module("json:ParseJSON", {"json": '"text"'}) == [{"value": "text"}]


def test_unknown_data_structure_still_parses() -> None:
    assert run_module("json:ParseJSON", {"json": '{"a": 1}'}, {"type": ""}) == [{"a": 1}]


def test_numbers_read_like_javascript_and_unicode_survives() -> None:
    out = run_module("json:ParseJSON", {"json": '{"big": 123456789012345678901234, "t": "žluť"}'})
    assert out == [{"big": 1.2345678901234568e23, "t": "žluť"}]


def test_buffer_input_is_read_as_utf8_text() -> None:
    assert run_module("json:ParseJSON", {"json": '{"a": "é"}'.encode()}) == [{"a": "é"}]


@pytest.mark.parametrize("text", ["{", '{"a": 1,}', "{'a': 1}", "NaN", "", "   "])
def test_invalid_json_is_a_data_error(text: str) -> None:
    with pytest.raises(ModuleError) as err:
        run_module("json:ParseJSON", {"json": text})
    assert err.value.name == "DataError"
    assert "not valid JSON" in err.value.message


def test_invalid_json_error_says_where() -> None:
    with pytest.raises(ModuleError) as err:
        run_module("json:ParseJSON", {"json": '{\n  "a": 1\n  "b": 2\n}'})
    assert "line 3" in err.value.message
    assert err.value.detail["line"] == 3


# --- Create JSON ---


def test_create_json_writes_compact_json_like_javascript() -> None:
    mapper = {"model": "llama", "temperature": 0.5, "n": 2.0, "ok": False, "none": None,
              "text": "žluť \"q\"\n"}
    out = run_module("json:CreateJSON", mapper, {"type": 415902, "space": ""})
    assert out == [{"json": '{"model":"llama","temperature":0.5,"n":2,"ok":false,'
                            '"none":null,"text":"žluť \\"q\\"\\n"}'}]


def test_create_json_round_trips_nested_collections_and_dates() -> None:
    when = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    prague = datetime(2024, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    mapper = {
        "messages": [{"role": "system", "content": "Hi"}, {"role": "user", "content": "Yo"}],
        "meta": {"created": when, "local": prague, "tags": ["a", "b"]},
    }
    text = run_module("json:CreateJSON", mapper, {"type": 1})[0]["json"]
    assert json.loads(text) == {
        "messages": [{"role": "system", "content": "Hi"}, {"role": "user", "content": "Yo"}],
        "meta": {"created": "2024-03-01T09:30:00.000Z", "local": "2024-03-01T10:30:00.000+01:00",
                 "tags": ["a", "b"]},
    }
    parsed = run_module("json:ParseJSON", {"json": text})
    assert parsed[0]["messages"][1]["content"] == "Yo"


@pytest.mark.parametrize(("space", "expected"), [
    ("2", '{\n  "a": [\n    1\n  ],\n  "b": {}\n}'),
    ("4", '{\n    "a": [\n        1\n    ],\n    "b": {}\n}'),
    ("tab", '{\n\t"a": [\n\t\t1\n\t],\n\t"b": {}\n}'),
])
def test_indentation_matches_json_stringify(space: str, expected: str) -> None:
    assert run_module("json:CreateJSON", {"a": [1], "b": {}}, {"space": space}) == [
        {"json": expected}]


def test_transform_to_json_writes_any_value() -> None:
    arr = [{"text": "A:\nhello"}, {"text": "B"}]
    assert run_module("json:TransformToJSON", {"object": arr}, {"space": ""}) == [
        {"json": '[{"text":"A:\\nhello"},{"text":"B"}]'}]
    assert run_module("json:TransformToJSON", {"object": "plain"}) == [{"json": '"plain"'}]
    assert run_module("json:TransformToJSON", {"object": None}) == [{"json": "null"}]


def test_aggregate_to_json_collects_every_bundle_into_one_array() -> None:
    agg = SPECS["json:AggregateToJSON"].implementation
    params = {"feeder": 2, "type": 7, "space": ""}
    run = RunServices()
    state = agg.start(ModuleCall(5, params, {}, run, Scope()))
    for mapper in [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}]:
        agg.add(state, ModuleCall(5, params, mapper, run, Scope()))
    assert agg.finish(state, ModuleCall(5, params, {}, run, Scope())) == [
        {"json": '[{"id":1,"name":"A"},{"id":2,"name":"B"}]'}]
    empty = agg.start(ModuleCall(5, params, {}, run, Scope()))
    assert agg.finish(empty, ModuleCall(5, params, {}, run, Scope())) == [{"json": "[]"}]
