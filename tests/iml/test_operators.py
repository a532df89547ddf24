"""Operators, precedence and parentheses, with Make's coercions."""

from __future__ import annotations

import pytest

from tests.iml.helpers import ev

ROOTS = {1: {"a": 10, "b": 20, "c": 12.5, "text": "5", "name": "Ada", "flag": True, "off": False}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{1.b - 1.a}}", 10),
        ("{{1.a * 3}}", 30),
        ("{{1.a / 4}}", 2.5),
        ("{{1.b / 1.a}}", 2),
        ("{{1.b % 3}}", 2),
        ("{{-7 % 3}}", -1),
        ("{{1 + 2 * 3}}", 7),
        ("{{(1 + 2) * 3}}", 9),
        ("{{10 - 2 - 3}}", 5),
        ("{{2 * 3 % 4}}", 2),
        ("{{1.a + 1.c}}", 22.5),
        ("{{-1.a}}", -10),
        ("{{1.text * 2}}", 10),
        ("{{0.1 + 0.2}}", 0.30000000000000004),
    ],
)
def test_arithmetic(text: str, expected: object) -> None:
    assert ev(text, ROOTS) == expected


def test_arithmetic_on_non_numbers_and_division_by_zero_is_null() -> None:
    assert ev("{{1.name * 2}}", ROOTS) is None
    assert ev("{{1.missing - 1}}", ROOTS) is None
    assert ev("{{1.a / 0}}", ROOTS) is None


def test_plus_joins_text() -> None:
    assert ev('{{"in:<@" + 1.name + ">"}}', ROOTS) == "in:<@Ada>"
    assert ev('{{newline + newline + "x"}}', ROOTS) == "\n\nx"
    assert ev('{{1.name + space + "Lovelace"}}', ROOTS) == "Ada Lovelace"
    assert ev("{{1.missing + 1.name}}", ROOTS) == "Ada"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{1.a = 10}}", True),
        ('{{1.a = "10"}}', True),
        ("{{1.a != 10}}", False),
        ('{{1.name = "Ada"}}', True),
        ('{{1.name = "ada"}}', False),
        ("{{1.a < 1.b}}", True),
        ("{{1.a > 1.b}}", False),
        ("{{1.a <= 10}}", True),
        ("{{1.a >= 11}}", False),
        ('{{"10" > "9"}}', True),  # numeric texts compare as numbers
        ('{{"b" > "a"}}', True),
        ("{{1.missing > 1}}", False),
        ("{{1.missing = emptystring}}", True),
        ('{{"2024-01-02" > "2024-01-01"}}', True),
        ("{{1.status = paid}}", False),
        ("{{1.name = Ada}}", True),  # a bare word compared is text
    ],
)
def test_comparisons(text: str, expected: bool) -> None:
    assert ev(text, ROOTS) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{1.flag & 1.a > 5}}", True),
        ("{{1.flag & 1.off}}", False),
        ("{{1.off | 1.flag}}", True),
        ("{{1.off | 1.missing}}", False),
        ("{{1.off & 1.flag | 1.flag}}", True),  # & binds tighter than |
        ("{{1.off & (1.flag | 1.flag)}}", False),
        ('{{1.a = 10 & 1.name = "Ada"}}', True),
    ],
)
def test_logical_operators(text: str, expected: bool) -> None:
    assert ev(text, ROOTS) is expected


def test_operators_inside_arguments_and_indexes() -> None:
    roots = {1: {"items": ["a", "b", "c"], "n": 1}}
    assert ev("{{1.items[1.n + 1]}}", roots) == "b"
    assert ev('{{if(1.n + 1 = 2; "two"; "other")}}', roots) == "two"
