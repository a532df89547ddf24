"""Filters that cannot hang and operators we don't know (issue 8)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import IMLError
from engine.filters import compile_conditions, compile_filter
from engine.iml.scope import Scope
from engine.limits import RunLimits, applied
from engine.patterns import PatternTimeout

QUICK = RunLimits(regex_timeout_seconds=0.05)


def cond(a: Any, o: str, b: Any = None) -> dict[str, Any]:
    return {"a": a, "o": o} if b is None else {"a": a, "o": o, "b": b}


@pytest.mark.parametrize("operator", ["text:pattern", "text:notpattern", "text:pattern:ci"])
def test_a_backtracking_pattern_fails_naming_the_pattern_and_the_condition(operator: str) -> None:
    compiled = compile_filter(
        {"conditions": [[cond("{{1.s}}", operator, "^(a|aa)+$")]]},
        module_id=4, path="flow[1].filter",
    )
    with applied(QUICK), pytest.raises(PatternTimeout) as caught:
        compiled(Scope({1: {"s": "a" * 64 + "!"}}))
    assert "/^(a|aa)+$/" in caught.value.message
    assert caught.value.module_id == 4
    assert caught.value.field == "flow[1].filter.conditions[0][0]"


def test_patterns_keep_their_javascript_meaning() -> None:
    compiled = compile_filter({"conditions": [[cond("{{1.s}}", "text:pattern", r"^(?<n>\d+)$")]]})
    assert compiled(Scope({1: {"s": "123"}}))
    assert not compiled(Scope({1: {"s": "123\n"}}))  # JS `$`: the very end
    assert not compiled(Scope({1: {"s": "١٢٣"}}))  # JS `\d`: ASCII digits only


def test_an_invalid_pattern_is_still_just_false() -> None:
    for operator in ("text:pattern", "text:notpattern"):
        compiled = compile_filter({"conditions": [[cond("x", operator, "(unclosed")]]})
        assert compiled(Scope()) is False


@pytest.mark.parametrize("operator", ["text:isempty", "text:isnotempty"])
def test_operators_from_real_exports_compile_and_fail_only_when_evaluated(operator: str) -> None:
    # Constant operands too: nothing is decided at compile time.
    for a in ("{{1.s}}", "constant"):
        compiled = compile_conditions([[cond(a, operator)]], module_id=3, path="filter.conditions")
        assert compiled.groups[0][0].operator.name == operator
        with pytest.raises(IMLError) as caught:
            compiled(Scope({1: {"s": ""}}))
        assert f"unknown filter operator {operator!r}" in str(caught.value)
        assert "module 3" in str(caught.value)


def test_an_unknown_operator_in_an_or_group_not_reached_does_not_fail() -> None:
    compiled = compile_filter({"conditions": [
        [cond("{{1.s}}", "text:equal", "x")],
        [cond("{{1.s}}", "text:isempty")],
    ]})
    assert compiled(Scope({1: {"s": "x"}}))
    with pytest.raises(IMLError, match="text:isempty"):
        compiled(Scope({1: {"s": "y"}}))
