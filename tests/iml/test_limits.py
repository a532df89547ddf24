"""Bounded IML (issue 8): value size, out of memory, regular expressions' time limit.

Limits are set small in each test (engine.limits.applied); no assertion is on time.
"""

from __future__ import annotations

import pytest

from engine.errors import IMLError
from engine.iml import compile_mapper
from engine.iml.functions import FUNCTIONS, FunctionDef
from engine.limits import DEFAULT_LIMITS, MB, RunLimits, ValueTooLarge, applied, current
from engine.patterns import PatternTimeout
from tests.iml.helpers import ev, scope

SMALL = RunLimits(max_value_bytes=1 * MB, regex_timeout_seconds=0.05)
# Catastrophic backtracking even for the regex package (which does solve `^(a+)+$`).
BACKTRACKING = "/^(a|aa)+$/"
DOOMED = "a" * 64 + "!"


def nested(function: str, depth: int, inner: str, *extra: str) -> str:
    expr = inner
    for _ in range(depth):
        expr = f"{function}({'; '.join((expr, *extra))})"
    return "{{" + expr + "}}"


def test_twenty_nested_replacements_stop_at_the_value_limit_naming_it() -> None:
    template = nested("replace", 20, '"ab"', '"/.+/"', '"$&$&"')
    with applied(SMALL), pytest.raises(ValueTooLarge) as caught:
        ev(template)
    message = str(caught.value)
    assert "function 'replace'" in message
    assert "exceeds the 1 MB limit for a single value" in message


def test_the_same_replacements_within_the_limit_still_work() -> None:
    template = nested("replace", 5, '"ab"', '"/.+/"', '"$&$&"')
    with applied(SMALL):
        assert ev(template) == "ab" * 32


def test_nested_base64_stops_at_the_value_limit() -> None:
    with applied(SMALL), pytest.raises(ValueTooLarge) as caught:
        ev(nested("base64", 62, '"a"'))
    assert "function 'base64'" in str(caught.value)
    assert "1 MB limit" in str(caught.value)


def test_plain_text_replace_refuses_before_building_the_result() -> None:
    roots = {1: {"text": "x" * 2000}}
    with applied(SMALL), pytest.raises(ValueTooLarge, match="function 'replace'"):
        ev('{{replace(1.text; "x"; 1.big)}}', {1: {**roots[1], "big": "y" * 1000}})


def test_join_with_a_long_separator_is_refused() -> None:
    roots = {1: {"items": list(range(2000)), "sep": "-" * 1000}}
    with applied(SMALL), pytest.raises(ValueTooLarge, match="function 'join'"):
        ev("{{join(1.items; 1.sep)}}", roots)


def test_concatenating_a_template_is_bounded() -> None:
    roots = {1: {"x": "y" * (600 * 1024)}}
    with applied(SMALL), pytest.raises(ValueTooLarge, match="the mapped text"):
        ev("{{1.x}}{{1.x}}", roots)
    with applied(SMALL), pytest.raises(ValueTooLarge, match="an operator"):
        ev("{{1.x + 1.x}}", roots)
    with applied(SMALL):
        assert len(ev("{{1.x}}-", roots)) == 600 * 1024 + 1


def test_arrays_count_towards_the_limit() -> None:
    roots = {1: {"items": ["z" * 1000] * 600}}
    with applied(SMALL), pytest.raises(ValueTooLarge, match="function 'merge'"):
        ev("{{merge(1.items; 1.items)}}", roots)


def test_the_error_is_located_in_the_mapper_field() -> None:
    mapper = compile_mapper({"body": {"text": nested("base64", 62, '"a"')}})
    with applied(SMALL), pytest.raises(IMLError) as caught:
        mapper(scope())
    assert caught.value.field == "body.text"
    assert caught.value.column is not None


def test_out_of_memory_names_the_function_and_never_has_an_empty_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def hog(value: object) -> bytes:
        return bytes(2**62)  # a real allocation that fails at once

    monkeypatch.setitem(FUNCTIONS, "hog", FunctionDef("hog", hog))
    with pytest.raises(IMLError) as caught:
        ev('{{hog("a")}}')
    message = str(caught.value)
    assert "out of memory evaluating function 'hog'" in message
    assert not message.rstrip().endswith("failed:")


def test_a_backtracking_pattern_in_replace_times_out_naming_it() -> None:
    mapper = compile_mapper({"text": "{{replace(1.s; \"" + BACKTRACKING + "\"; \"x\")}}"})
    with applied(SMALL), pytest.raises(PatternTimeout) as caught:
        mapper(scope({1: {"s": DOOMED}}))
    message = str(caught.value)
    assert "/^(a|aa)+$/" in message
    assert "took longer than 0.05 s" in message
    assert caught.value.field == "text"


def test_split_and_contains_with_a_pattern_are_time_limited_too() -> None:
    roots = {1: {"s": DOOMED}}
    with applied(SMALL), pytest.raises(PatternTimeout):
        ev('{{split(1.s; "' + BACKTRACKING + '")}}', roots)
    with applied(SMALL), pytest.raises(PatternTimeout):
        ev('{{contains(1.s; "' + BACKTRACKING + '")}}', roots)


def test_the_issue_pattern_finishes() -> None:
    # `^(a+)+$` hung Python's re; the regex package answers it at once.
    assert ev('{{replace(1.s; "/^(a+)+$/"; "x")}}', {1: {"s": "a" * 40 + "b"}}) == "a" * 40 + "b"


def test_javascript_syntax_still_works_in_replace() -> None:
    roots = {1: {"s": "2024-05-06"}}
    assert ev('{{replace(1.s; "/(?<y>\\d+)-(\\d+)-(\\d+)/"; "$3.$2.$<y>")}}', roots) == (
        "06.05.2024")
    # JS `$` (without m) is the very end, never before a final newline as in Python.
    assert ev('{{replace(1.t; "/a$/"; "b")}}', {1: {"t": "a\n"}}) == "a\n"
    assert ev('{{replace(1.t; "/a$/m"; "b")}}', {1: {"t": "a\n"}}) == "b\n"


def test_limits_apply_only_inside_applied() -> None:
    with applied(SMALL):
        assert current() is SMALL
    assert current() is DEFAULT_LIMITS


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        RunLimits(max_value_bytes=10)
    with pytest.raises(ValueError):
        RunLimits(regex_timeout_seconds=0)
