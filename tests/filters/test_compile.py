"""Filters as a whole: OR of AND groups, empty filters, templates on both sides, explain."""

from __future__ import annotations

from typing import Any

import pytest

from engine.blueprint import Filter
from engine.errors import BlueprintError, IMLError
from engine.filters import compile_conditions, compile_filter
from engine.iml.scope import Scope


def scope(**fields: Any) -> Scope:
    return Scope({1: fields})


def cond(a: str, o: str, b: str | None = None) -> dict[str, Any]:
    return {"a": a, "o": o} if b is None else {"a": a, "o": o, "b": b}


@pytest.mark.parametrize("empty", [None, {"name": "x"}, {"name": "x", "conditions": None},
                                   {"name": "fallback", "conditions": []},
                                   {"name": "x", "conditions": [[]]}])
def test_empty_filters_let_every_bundle_through(empty: Any) -> None:
    compiled = compile_filter(empty)
    assert compiled(scope()) is True
    assert compiled.trivial


def test_outer_list_is_or_inner_list_is_and() -> None:
    compiled = compile_filter({"name": "n", "conditions": [
        [cond("{{1.n}}", "number:less", "10")],
        [cond("{{1.name}}", "text:startwith", "ban"), cond("{{1.ok}}", "boolean:equal", "true")],
    ]})
    assert compiled(scope(n=5, name="zzz", ok=False))
    assert compiled(scope(n=50, name="banana", ok=True))
    assert not compiled(scope(n=50, name="banana", ok=False))
    assert not compiled(scope(n=50, name="apple", ok=True))


def test_three_conditions_in_a_group_and_three_groups() -> None:
    group = [cond("{{1.a}}", "exist"), cond("{{1.b}}", "exist"), cond("{{1.c}}", "exist")]
    compiled = compile_conditions([group, [cond("{{1.x}}", "exist")], [cond("{{1.y}}", "exist")]])
    assert compiled(scope(a=1, b=2, c=3))
    assert not compiled(scope(a=1, b=2))
    assert compiled(scope(y="yes"))
    assert not compiled(scope())


def test_b_can_be_a_template_too() -> None:
    condition = cond("{{1.qty}}", "number:greater", "{{1.limit}}")
    compiled = compile_filter({"conditions": [[condition]]})
    assert compiled(scope(qty="12", limit="10"))
    assert not compiled(scope(qty="9", limit="10"))
    assert not compiled(scope(qty="9"))


def test_text_around_a_template_is_text() -> None:
    compiled = compile_filter({"conditions": [[cond("id-{{1.n}}", "text:equal", "id-7")]]})
    assert compiled(scope(n=7))


def test_the_pydantic_filter_model_compiles() -> None:
    model = Filter.model_validate(
        {"name": "big", "conditions": [[cond("{{1.qty}}", "number:greater", "10")]]})
    assert compile_filter(model)(scope(qty=11))
    assert not compile_filter(model)(scope(qty=10))


def test_unknown_operator_compiles_and_fails_when_evaluated_naming_it() -> None:
    # Real exports carry operators we don't know (text:isempty): loading must not fail.
    compiled = compile_filter({"conditions": [[cond("{{1.d}}", "date:before", "2024-01-01")]]},
                              module_id=7, path="flow[2].filter")
    with pytest.raises(IMLError) as caught:
        compiled(scope(d="2023-01-01"))
    assert "unknown filter operator 'date:before'" in str(caught.value)
    assert caught.value.module_id == 7
    assert caught.value.field == "flow[2].filter.conditions[0][0]"
    # A condition without any operator is still a structural error.
    with pytest.raises(BlueprintError, match="None"):
        compile_conditions([[{"a": "x"}]])


def test_explain_shows_evaluated_operands_and_verdicts() -> None:
    compiled = compile_filter({"name": "big and named", "conditions": [
        [cond("{{1.qty}}", "number:greater", "10"), cond("{{1.name}}", "exist")],
        [cond("{{1.vip}}", "boolean:equal", "true")],
    ]})
    result = compiled.explain(scope(qty="12", vip=False))
    assert result.passed is False and result.name == "big and named"
    first, missing = result.groups[0]
    assert (first.a, first.o, first.b, first.passed) == ("12", "number:greater", "10", True)
    assert (missing.a, missing.o, missing.b, missing.passed) == (None, "exist", None, False)
    assert result.groups[1][0].passed is False
    assert compiled.explain(scope(qty="12", name="n")).passed is True
