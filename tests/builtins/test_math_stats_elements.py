"""Math (evaluate an expression), data store info (Stats), Text parser's get elements."""

from __future__ import annotations

from typing import Any

import pytest

from engine.builtins import datastore, math_, regexp
from engine.context import RunServices
from engine.errors import ModuleError
from engine.iml.scope import Scope
from engine.spec import ModuleCall


def run_module(table: Any, module: str, mapper: dict[str, Any],
               parameters: dict[str, Any] | None = None,
               run: RunServices | None = None) -> list[dict[str, Any]]:
    spec = next(s for s in table.MODULES if s.id == module)
    return spec.implementation(ModuleCall(1, parameters or {}, mapper, run or RunServices(),
                                          Scope()))


def evaluate(expression: str) -> Any:
    return run_module(math_, "math:EvaluateExpression", {"expression": expression})


@pytest.mark.parametrize(
    ("expression", "result"),
    [
        ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("2 ^ 3 ^ 2", 512), ("-2 ^ 2", -4),
        ("10 / 4", 2.5), ("-7 % 3", -1), ("round(2.345; 2)", 2.35), ("round(-2.5)", -3),
        ("max(1, 5, 3) - min(4; 2)", 3), ("sqrt(16) + abs(-1)", 5), ("floor(pi * 100)", 314),
        ("1.5e3 + .5", 1500.5), ("log(8, 2)", 3), ("ceil(4.01)", 5), ("0.1 + 0.2", 0.1 + 0.2),
    ],
)
def test_evaluate_expression(expression: str, result: Any) -> None:
    assert evaluate(expression) == [{"result": result}]


@pytest.mark.parametrize(
    ("expression", "message"),
    [("", "empty"), ("1 +", "ends too early"), ("2 * (3", "ends too early"),
     ("1 / 0", "division by zero"), ("foo(1)", "unknown function"), ("x + 1", "unknown name"),
     ("1 $ 2", "unexpected"), ("10 ^ 400", "too large"), ("sqrt(-1)", "not defined"),
     ("(" * 200 + "1" + ")" * 200, "nested deeper"), ("__import__('os')", "Invalid expression")],
)
def test_bad_expressions_are_data_errors(expression: str, message: str) -> None:
    with pytest.raises(ModuleError, match=message) as caught:
        evaluate(expression)
    assert caught.value.name == "DataError"


def test_data_store_stats_counts_records_and_their_size(tmp_path) -> None:
    run = RunServices(data_dir=tmp_path)
    run_module(datastore, "datastore:AddRecord", {"key": "a", "data": {"n": 1}},
               {"datastore": 5}, run)
    run_module(datastore, "datastore:AddRecord", {"key": "b", "data": {"n": 22}},
               {"datastore": 5}, run)
    [out] = run_module(datastore, "datastore:Stats", {}, {"datastore": 5}, run)
    assert out == {"count": 2, "size": len('a{"n":1}') + len('b{"n":22}')}
    [empty] = run_module(datastore, "datastore:Stats", {}, {"datastore": 6}, run)
    assert empty == {"count": 0, "size": 0}


TEXT = ("Mail ada@example.org or bob.s+x@mail.co.uk; see https://make.com/en/help?q=1). "
        "Call +420 777 123 456 or (555) 123-4567. Host 192.168.1.20 <b>bold</b> #Make #ďas")


@pytest.mark.parametrize(
    ("pattern", "found"),
    [
        ("email", ["ada@example.org", "bob.s+x@mail.co.uk"]),
        ("url", ["https://make.com/en/help?q=1"]),
        ("phone", ["+420 777 123 456", "(555) 123-4567"]),
        ("ipv4", ["192.168.1.20"]),
        ("html", ["<b>", "</b>"]),
        ("hashtag", ["#Make", "#ďas"]),
    ],
)
def test_get_elements_from_text(pattern: str, found: list[str]) -> None:
    out = run_module(regexp, "regexp:GetElementsFromText", {"text": TEXT}, {"pattern": pattern})
    assert [b["match"] for b in out] == found
    assert [b["i"] for b in out] == list(range(1, len(found) + 1))


def test_get_elements_first_only_and_no_result() -> None:
    first = run_module(regexp, "regexp:GetElementsFromText", {"text": TEXT},
                       {"pattern": "email", "global": False})
    assert [b["match"] for b in first] == ["ada@example.org"]
    assert run_module(regexp, "regexp:GetElementsFromText", {"text": "none"},
                      {"pattern": "email"}) == []
    assert run_module(regexp, "regexp:GetElementsFromText", {"text": "none"},
                      {"pattern": "email", "continueWhenNoRes": True}) == [{}]
