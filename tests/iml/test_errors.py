"""Compile-time and run-time errors: always IMLError, with a 1-based column."""

from __future__ import annotations

import pytest

from engine.errors import IMLError
from engine.iml import compile_template
from engine.iml.parser import MAX_DEPTH, MAX_TEMPLATE_CHARS
from tests.iml.helpers import ev


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("{{1.a +}}", 8, "end of expression"),
        ("Hi {{1.a", 4, "never closed"),
        ("{{1.a ) }}", 7, "')'"),
        ("{{noSuchFunction(1)}}", 3, "noSuchFunction"),
        ("abc {{upper(lower(1.a); 2)}}", 7, "at most 1"),
        ("x {{1.a}} {{1.b # 2}}", 17, "unexpected character '#'"),
        ("{{}}", 3, "empty"),
        ("{{1.a[}}", 7, "end of expression"),
        ("{{upper(1.a}}", 12, "end of expression"),
    ],
)
def test_compile_errors_have_columns(text: str, column: int, fragment: str) -> None:
    with pytest.raises(IMLError) as info:
        compile_template(text)
    assert info.value.column == column
    assert fragment in info.value.message


def test_error_location_can_be_added() -> None:
    with pytest.raises(IMLError) as info:
        compile_template("{{nope()}}")
    error = info.value.at(4, "url")
    assert str(error) == "module 4, field url, column 3: unknown function 'nope'"


def test_runtime_errors_in_functions_are_iml_errors_with_the_call_column() -> None:
    with pytest.raises(IMLError) as info:
        ev('Value: {{round("abc")}}')
    assert info.value.column == 10
    assert "round" in info.value.message


def test_template_size_is_bounded() -> None:
    with pytest.raises(IMLError, match="longer than"):
        compile_template("{{1.a}}" + "x" * MAX_TEMPLATE_CHARS)
    assert compile_template("x" * (MAX_TEMPLATE_CHARS + 10))  # plain text: no parsing


def test_nesting_depth_is_bounded() -> None:
    ok = "{{" + "upper(" * (MAX_DEPTH - 1) + "1.a" + ")" * (MAX_DEPTH - 1) + "}}"
    assert ev(ok, {1: {"a": "x"}}) == "X"
    for deep in (
        "{{" + "upper(" * (MAX_DEPTH + 1) + "1.a" + ")" * (MAX_DEPTH + 1) + "}}",
        "{{" + "(" * 500 + "1" + ")" * 500 + "}}",
        "{{" + "-" * 5000 + "1}}",
        "{{1.a" + "[1" * 300 + "]" * 300 + "}}",
    ):
        with pytest.raises(IMLError, match="nested more than"):
            compile_template(deep)


def test_long_flat_expressions_are_fine() -> None:
    assert ev("{{" + " + ".join(["1"] * 2000) + "}}") == 2000
    assert ev("{{" + " & ".join(["true"] * 2000) + "}}") is True
