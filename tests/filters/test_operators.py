"""Every filter operator of Make, with `b` given as text the way exports store it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from engine.filters import OPERATORS, compile_condition
from engine.iml.scope import Scope


def verdict(a: Any, o: str, b: Any = None) -> bool:
    """Evaluate `{{1.value}} <o> b` with the value kept in its native type."""
    condition = {"a": "{{1.value}}", "o": o}
    if b is not None:
        condition["b"] = b
    return compile_condition(condition).test(Scope({1: {"value": a}}))


CASES: list[tuple[Any, str, Any, bool]] = [
    # exist: null, "", [] and {} do not exist; 0 and false do
    ("x", "exist", None, True),
    (None, "exist", None, False),
    ("", "exist", None, False),
    ([], "exist", None, False),
    ({}, "exist", None, False),
    (0, "exist", None, True),
    (False, "exist", None, True),
    (None, "notexist", None, True),
    ("", "notexist", None, True),
    ("a", "notexist", None, False),
    # text: both sides compared as text
    (7, "text:equal", "7", True),
    ("007", "text:equal", "7", False),
    ("Apple", "text:equal", "apple", False),
    ("Apple", "text:equal:ci", "apple", True),
    (True, "text:equal", "true", True),
    (None, "text:equal", "", True),
    ("a", "text:notequal", "b", True),
    ("A", "text:notequal:ci", "a", False),
    ("Apple pie", "text:contain", "pie", True),
    ("Apple pie", "text:contain", "PIE", False),
    ("Apple pie", "text:contain:ci", "PIE", True),
    ("Apple pie", "text:notcontain", "PIE", True),
    ("Apple pie", "text:notcontain:ci", "PIE", False),
    ("banana split", "text:startwith", "ban", True),
    ("Banana split", "text:startwith", "ban", False),
    ("Banana split", "text:startwith:ci", "ban", True),
    ("Banana split", "text:notstartwith", "ban", True),
    ("Banana split", "text:notstartwith:ci", "ban", False),
    ("report.PDF", "text:endwith", ".pdf", False),
    ("report.PDF", "text:endwith:ci", ".pdf", True),
    ("report.PDF", "text:notendwith", ".pdf", True),
    ("report.PDF", "text:notendwith:ci", ".pdf", False),
    (12345, "text:startwith", "12", True),
    # text:pattern: b is a regular expression, case-sensitive unless :ci
    ("CHERRY APPLE", "text:pattern", "^[A-Z]+ [A-Z]+$", True),
    ("Apple pie", "text:pattern", "^[A-Z]+ [A-Z]+$", False),
    ("Apple pie", "text:pattern:ci", "^[A-Z]+ [A-Z]+$", True),
    ("Apple pie", "text:notpattern", "^[A-Z]+ [A-Z]+$", True),
    ("Apple pie", "text:notpattern:ci", "^[A-Z]+ [A-Z]+$", False),
    ("order 2024-05", "text:pattern", r"(?<year>\d{4})-\d{2}", True),
    ("anything", "text:pattern", "(unclosed", False),
    ("anything", "text:notpattern", "(unclosed", False),
    # number: both sides read as numbers; a side that is not a number fails
    ("9", "number:greater", "10", False),
    ("12", "number:greater", "10", True),
    (10, "number:greaterorequal", "10", True),
    (10, "number:greater", "10", False),
    ("1.50", "number:equal", "1.5", True),
    (1.5, "number:equal", "1.50", True),
    (" 3 ", "number:less", "3.5", True),
    (4, "number:lessorequal", "4", True),
    (5, "number:notequal", "4", True),
    ("abc", "number:notequal", "1", False),
    ("abc", "number:less", "1", False),
    (None, "number:lessorequal", "1", False),
    (3, "number:equal", "three", False),
    # date
    ("2024-03-10T00:00:00.000Z", "date:greater", "2024-03-01", True),
    ("2024-02-10T00:00:00.000Z", "date:greater", "2024-03-01", False),
    ("2024-03-01T01:00:00+01:00", "date:equal", "2024-03-01T00:00:00Z", True),
    ("2024-03-01T00:00:00Z", "date:notequal", "2024-03-02", True),
    (datetime(2024, 3, 1, tzinfo=UTC), "date:greaterorequal", "2024-03-01", True),
    (datetime(2024, 3, 1, tzinfo=UTC), "date:less", "2024-03-01T00:00:01Z", True),
    (1709251200000, "date:lessorequal", "2024-03-01", True),
    ("not a date", "date:less", "2024-03-01", False),
    (None, "date:less", "2024-03-01", False),
    # time: HH:mm[:ss]
    ("09:30", "time:less", "10:00", True),
    ("9:05:30", "time:greater", "09:05", True),
    ("10:00", "time:equal", "10:00:00", True),
    ("10:00", "time:notequal", "10:01", True),
    ("23:59", "time:greaterorequal", "23:59", True),
    ("00:00", "time:lessorequal", "00:00:01", True),
    ("2024-03-01T08:15:00Z", "time:less", "09:00", True),
    ("noon", "time:less", "13:00", False),
    ("25:00", "time:greater", "01:00", False),
    # semver: precedence, not text order
    ("1.10.0", "semver:greater", "1.9.3", True),
    ("1.0.0-alpha", "semver:less", "1.0.0", True),
    ("1.0.0-alpha.2", "semver:less", "1.0.0-alpha.10", True),
    ("1.0.0-alpha", "semver:less", "1.0.0-beta", True),
    ("v2.0.0", "semver:equal", "2.0.0", True),
    ("2.0.0+build.5", "semver:equal", "2.0.0", True),
    ("2.1", "semver:greaterorequal", "2.1.0", True),
    ("2.0.1", "semver:notequal", "2.0.0", True),
    ("3.0.0", "semver:lessorequal", "2.9.9", False),
    ("latest", "semver:notequal", "1.0.0", False),
    # array membership: items compared as text
    (["x", "y"], "array:contain", "y", True),
    (["x", "y"], "array:contain", "Y", False),
    (["x", "Y"], "array:contain:ci", "y", True),
    ([1, 2], "array:contain", "2", True),
    (["x"], "array:notcontain", "y", True),
    (["x"], "array:notcontain", "x", False),
    (["X"], "array:notcontain:ci", "x", False),
    (["X"], "array:notcontain:ci", "z", True),
    (None, "array:contain", "x", False),
    (None, "array:notcontain", "x", True),
    ("x", "array:contain", "x", True),
    # array length
    (["a", "b"], "array:equal", "2", True),
    (["a", "b"], "array:notequal", "2", False),
    (["a", "b"], "array:greater", "1", True),
    ([], "array:less", "1", True),
    ([], "array:greaterorequal", "0", True),
    (["a"], "array:lessorequal", "0", False),
    (None, "array:equal", "0", True),
    ("abc", "array:greater", "0", False),
    (["a"], "array:greater", "many", False),
    # boolean: the text "false" is false
    (False, "boolean:equal", "false", True),
    (True, "boolean:equal", "false", False),
    ("false", "boolean:equal", "false", True),
    ("true", "boolean:equal", "true", True),
    (1, "boolean:equal", "true", True),
    (True, "boolean:notequal", "false", True),
    (False, "boolean:notequal", "false", False),
    # alias seen in the wild
    ("abc", "string:equal", "abc", True),
]


@pytest.mark.parametrize(("a", "o", "b", "expected"), CASES,
                         ids=[f"{o}-{a!r}-{b!r}" for a, o, b, _ in CASES])
def test_operator(a: Any, o: str, b: Any, expected: bool) -> None:
    assert verdict(a, o, b) is expected


def test_every_operator_has_a_case() -> None:
    covered = {o for _, o, _, _ in CASES}
    assert set(OPERATORS) - covered == set()


def test_operator_list_matches_make() -> None:
    families = {"number", "date", "time", "semver"}
    suffixes = ["equal", "notequal", "greater", "less", "greaterorequal", "lessorequal"]
    expected = {"exist", "notexist"}
    for name in ["equal", "notequal", "contain", "notcontain", "startwith", "notstartwith",
                 "endwith", "notendwith", "pattern", "notpattern"]:
        expected |= {f"text:{name}", f"text:{name}:ci"}
    expected |= {f"{family}:{s}" for family in families for s in suffixes}
    expected |= {f"array:{s}" for s in suffixes}
    expected |= {"array:contain", "array:contain:ci", "array:notcontain", "array:notcontain:ci"}
    expected |= {"boolean:equal", "boolean:notequal"}
    assert set(OPERATORS) == expected
