"""The real `scenarist` command, in a child process: `check` and `run` give one verdict, one
message per problem; numbers beyond 2^53 are JavaScript's doubles; a webhook run without a
request says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.incomplete.helpers import scenarist


def variables(*expressions: str) -> dict[str, Any]:
    """One Set variable module per expression (module i+1 computes expressions[i])."""
    return {"name": "Numbers", "flow": [
        {"id": i, "module": "util:SetVariable2",
         "mapper": {"name": "v", "scope": "roundtrip", "value": f"{{{{{e}}}}}"}}
        for i, e in enumerate(expressions, 1)
    ]}


def nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = {"a": value}
    return value


INVALID = {
    "iml.json": json.dumps({"flow": [
        {"id": 1, "module": "util:ComposeTransformer", "mapper": {"value": "x"}, "filter": {
            "name": "f", "conditions": [[{"a": "{{1 + }}", "o": "text:equal", "b": "x"}]]}},
        {"id": 2, "module": "util:ComposeTransformer", "mapper": {"value": "x"}, "filter": {
            "name": "g", "conditions": [[{"a": "{{upper(}}", "o": "text:equal", "b": "x"}]]}}]}),
    "deep.json": json.dumps({"flow": [
        {"id": 1, "module": "util:ComposeTransformer", "mapper": {"value": nested(300)}}]}),
    "huge-id.json": '{"flow": [{"id": 100000000000000000000000000000, '
                    '"module": "util:ComposeTransformer"}]}',
    "surrogate.json": '{"flow": [{"id": 1, "module": "util:ComposeTransformer", '
                      '"mapper": {"value": "a\\ud800"}}]}',
    "syntax.json": '{"name": "a\tb",\n "flow": []}',
}


@pytest.fixture(scope="module")
def invalid_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("invalid")
    paths = {}
    for name, text in INVALID.items():
        paths[name] = folder / name
        paths[name].write_text(text, encoding="utf-8")
    return paths


def test_check_and_run_refuse_the_same_files_with_the_same_messages_once_each(
    invalid_files: dict[str, Path], tmp_path: Path
) -> None:
    checked = scenarist("check", *map(str, invalid_files.values()))
    assert checked.returncode == 2, checked.stderr
    assert "Traceback" not in checked.stderr + checked.stdout
    check_lines = checked.stderr.splitlines()
    for name, path in invalid_files.items():
        ran = scenarist("run", str(path), "--data-dir", str(tmp_path / "ws"))
        assert ran.returncode == 2, (name, ran.stderr)
        assert "Traceback" not in ran.stderr
        run_lines = [line.removeprefix("scenarist run: ") for line in ran.stderr.splitlines()]
        assert run_lines, name
        assert run_lines == [line for line in check_lines if line.startswith(f"{path}:")]
        for line in run_lines:
            assert line.count(str(path)) == 1, line  # the file is named once
            assert "at at" not in line
        assert f"{path}: INVALID" in checked.stdout
    problems = "\n".join(check_lines)
    assert "module 1: flow[0].filter.conditions[0][0].a: column 7" in problems
    assert "module 2: flow[1].filter.conditions[0][0].a: column 9" in problems
    assert "nested more than 128 levels" in problems
    assert "flow[0].id: module id 1e+29 is not a safe integer" in problems
    assert "module 1: flow[0].mapper.value: text holds a lone UTF-16 surrogate" in problems
    assert "not valid JSON: Invalid control character at line 1, column 12" in problems


def test_a_mapper_that_does_not_compile_warns_in_check_and_fails_when_its_module_runs(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mapper.json"
    path.write_text(json.dumps({"name": "Broken mapper", "flow": [
        {"id": 1, "module": "util:SetVariable2",
         "mapper": {"name": "v", "scope": "roundtrip", "value": "ok"}},
        {"id": 2, "module": "util:ComposeTransformer", "mapper": {"value": "{{upper(}}"}}]}))
    checked = scenarist("check", str(path))
    assert checked.returncode == 0, checked.stderr
    assert ("module 2: flow[1].mapper.value: column 9: " in checked.stdout
            and "(fails when this module runs)" in checked.stdout)
    ran = scenarist("run", str(path), "--report", "json", "--data-dir", str(tmp_path / "ws"))
    assert ran.returncode == 1, ran.stderr
    report = json.loads(ran.stdout)
    assert report["modules"]["1"]["operations"] == 1  # the run went as far as module 2
    assert "module 2, field value, column 9" in report["error"]["message"]


def test_numbers_beyond_2_53_are_doubles_and_the_run_is_recorded(tmp_path: Path) -> None:
    digits = "9" * 23
    blueprint = tmp_path / "numbers.json"
    data = variables(
        "floor(1e30)", "ceil(-1e30)", f'toNumber("{digits}")', f'parseNumber("{digits}")',
        "sum(1e30; 1)", "99999999 * 99999999 * 99999999", "round(1e30)",
        f'parseNumber("{"1" * 5000}")', 'floor(toNumber("9007199254740993"))',
        "floor(12.5)", "1",
    )
    data["flow"][10]["filter"] = {"name": "a date?", "conditions": [[  # 1e30 ms is no date
        {"a": "{{1.v}}", "o": "date:greater", "b": "2020-01-01"}]]}
    blueprint.write_text(json.dumps(data))
    workspace = str(tmp_path / "ws")
    ran = scenarist("run", str(blueprint), "--report", "json", "--data-dir", workspace)
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr and "history" not in ran.stderr
    report = json.loads(ran.stdout)
    values = [report["modules"][str(i)]["outputs"][0]["v"] for i in range(1, 11)]
    assert values[:7] == [1e30, -1e30, 1e23, 1e23, 1e30, 99999999.0**3, 1e30]
    assert all(type(v) is float for v in values[:7])
    assert values[7] is None  # Infinity, which JSON writes as null
    assert values[8] == 2**53 and values[9] == 12 and type(values[9]) is int
    assert report["modules"]["11"]["outputs"] == []  # the filter said no, and nothing broke
    listed = scenarist("history", "list", "--json", "--data-dir", workspace)
    [entry] = json.loads(listed.stdout)
    assert (entry["scenario"], entry["status"], entry["operations"]) == ("Numbers", "success", 10)


def test_a_request_with_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    blueprint = tmp_path / "hook.json"
    blueprint.write_text(json.dumps({"flow": [{"id": 1, "module": "gateway:CustomWebHook"}]}))
    request = tmp_path / "request.json"
    request.write_text('{"body": {"name": "a\\ud800"}}')
    ran = scenarist("run", str(blueprint), "--input", str(request),
                    "--data-dir", str(tmp_path / "ws"))
    assert ran.returncode == 2
    [line] = ran.stderr.splitlines()
    assert str(request) in line and "lone UTF-16 surrogate" in line and "line 1" in line


def test_a_webhook_run_without_input_says_the_request_was_empty(tmp_path: Path) -> None:
    blueprint = tmp_path / "hook.json"
    blueprint.write_text(json.dumps({"flow": [
        {"id": 1, "module": "gateway:CustomWebHook"},
        {"id": 2, "module": "util:ComposeTransformer", "mapper": {"value": "x"}}]}))
    workspace = str(tmp_path / "ws")
    ran = scenarist("run", str(blueprint), "--report", "json", "--data-dir", workspace)
    assert ran.returncode == 0
    message = "no --input: the webhook received an empty request"
    assert json.loads(ran.stdout)["warnings"] == [message]
    assert ran.stderr.count(message) == 1
    summary = scenarist("run", str(blueprint), "--data-dir", workspace)
    assert summary.stderr.count(message) == 1 and message in summary.stdout
    request = tmp_path / "request.json"
    request.write_text('{"body": {}}')
    given = scenarist("run", str(blueprint), "--input", str(request), "--report", "json",
                      "--data-dir", workspace)
    assert json.loads(given.stdout)["warnings"] == [] and message not in given.stderr
