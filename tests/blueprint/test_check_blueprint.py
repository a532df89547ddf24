"""`check_blueprint`, the validation `check` and `run` share: every problem once, located;
values nothing downstream can store refused at load; unknown filter operators only warned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.blueprint_check import find_problems
from engine.loading import check_blueprint, load_blueprint, parse_json


def module(module_id: Any, value: Any = "x", **extra: Any) -> dict[str, Any]:
    return {"id": module_id, "module": "util:SetVariable2", "version": 1,
            "mapper": {"name": "v", "scope": "roundtrip", "value": value}, **extra}


def write(tmp_path: Path, *modules: dict[str, Any], name: str = "b.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"name": "t", "flow": list(modules)}), encoding="utf-8")
    return path


def nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = {"a": value}
    return value


def test_every_mapping_that_does_not_compile_is_located_by_module_field_and_column(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, module(1, "{{1 + }}"), module(2, {"deep": ["ok", "{{upper(}}"]}),
                 module(3, "fine {{1.v}}", filter={"name": "f", "conditions": [[
                     {"a": "{{lower(}}", "o": "text:equal", "b": "x"}]]}))
    checked = check_blueprint(path)
    where = [(p.module_id, p.path, p.message.split(":")[0]) for p in checked.problems]
    assert where == [(3, "flow[2].filter.conditions[0][0].a", "column 9")]  # filters must compile
    # A module's own mapper fails only when that module runs, as in Make: a warning here.
    deferred = [(p.module_id, p.path, p.message.split(":")[0]) for p in checked.warnings]
    assert deferred == [
        (1, "flow[0].mapper.value", "column 7"),
        (2, "flow[1].mapper.value.deep[2]", "column 9"),
    ]
    assert all("fails when this module runs" in p.message for p in checked.warnings)
    assert not checked.valid
    assert load_blueprint(path).flow[0].id == 1  # the editor can still open it to fix it


def test_messages_are_not_repeated(tmp_path: Path) -> None:
    path = write(tmp_path, module(1, "{{1 + }}"), module(1, "{{1 + }}"))
    messages = [p.describe() for p in check_blueprint(path).problems]
    assert len(messages) == len(set(messages)) == 1
    assert "used twice" in messages[0]


def test_a_mapper_nested_300_levels_is_one_clear_problem(tmp_path: Path) -> None:
    checked = check_blueprint(write(tmp_path, module(4, nested(300))))
    [problem] = checked.problems
    assert problem.module_id == 4
    assert "nested more than 128 levels" in problem.message
    assert problem.path is not None and problem.path.startswith("flow[0].mapper.value.a.a")
    assert len(problem.describe()) < 300


def test_integers_beyond_2_53_are_read_as_javascript_reads_them() -> None:
    data = parse_json('{"a": 99999999999999999999999, "b": 9007199254740993, "c": 12}')
    assert data == {"a": 1e23, "b": 9007199254740992.0, "c": 12}
    assert type(data["b"]) is float and type(data["c"]) is int


def test_a_module_id_that_is_not_a_safe_integer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"flow": [{"id": 1000000000000000000000000000000, '
                    '"module": "util:SetVariable2"}]}')
    [problem] = check_blueprint(path).problems
    assert problem.path == "flow[0].id" and "not a safe integer" in problem.message
    assert find_problems({"flow": [{"id": 2**63, "module": "a:B"}]})[0].path == "flow[0].id"
    assert find_problems({"flow": [{"id": 2**53 - 1, "module": "a:B"}]}) == []


def test_lone_surrogates_anywhere_are_refused_with_their_path(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"flow": [{"id": 7, "module": "util:SetVariable2", "mapper": '
                    '{"value": "a\\ud800b", "k\\udc00": 1}}], "metadata": {"notes": ["\\udfff"]}}')
    problems = check_blueprint(path).problems
    assert [(p.module_id, p.path) for p in problems] == [
        (7, "flow[0].mapper.value"), (7, "flow[0].mapper.k\\udc00"), (None, "metadata.notes[0]")]
    assert all("surrogate" in p.message for p in problems)
    # a proper pair is one character, and fine
    path.write_text('{"flow": [{"id": 7, "module": "a:B", "mapper": {"v": "\\ud83d\\ude00"}}]}')
    assert check_blueprint(path).valid


def test_a_json_message_ending_in_at_is_not_doubled(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"name": "a\tb", "flow": []}')
    [problem] = check_blueprint(path).problems
    assert "at at" not in problem.message
    assert problem.message == "not valid JSON: Invalid control character at line 1, column 12"


def test_unknown_filter_operators_load_round_trip_and_are_only_warned(tmp_path: Path) -> None:
    data = {"name": "t", "flow": [
        module(1),
        module(2, filter={"name": "empty?", "conditions": [
            [{"a": "{{1.v}}", "o": "text:isempty"}], [{"a": "x", "o": "text:isnotempty"}]]}),
    ]}
    path = tmp_path / "ops.json"
    path.write_text(json.dumps(data))
    checked = check_blueprint(path)
    assert checked.valid and checked.problems == []
    assert [(w.module_id, w.path) for w in checked.warnings] == [
        (2, "flow[1].filter.conditions[0][0].o"), (2, "flow[1].filter.conditions[1][0].o")]
    assert "text:isempty" in checked.warnings[0].message
    assert checked.blueprint is not None and checked.blueprint.to_json_obj() == data
