"""Whatever the text, compiling and evaluating raise IMLError or nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import IMLError
from engine.iml import compile_template
from engine.iml.functions import FUNCTIONS
from tests.iml.helpers import scope

ROOTS: dict[Any, Any] = {
    1: {
        "a": "text",
        "n": 5,
        "f": 2.5,
        "items": [{"x": 1}, {"x": "y"}],
        "d": {"k": None},
        "big": 10**30,
        "bigs": {"k": 10**30},
        "nan": float("nan"),
        "bytes": b"\xff\x00",
    },
    2: [1, 2, 3],
    "var": {"scenario": {"name": "s"}},
}

ATOMS = st.sampled_from(
    [
        "1.a",
        "1.n",
        "1.f",
        "1.items",
        "1.items[]",
        "1.items[2].x",
        "1.d.k",
        "`2`",
        "2",
        '"text"',
        "'q'",
        "0",
        "-1",
        "1e400",
        "null",
        "true",
        "now",
        "emptyarray",
        "space",
        "var.scenario.name",
        "1.`a b`",
        "YYYY-MM-DD",
        "h:mm A",
        "/a+/g",
        '"/(x)/"',
        "1.missing",
        '"1,2"',
        '""""',
        "9" * 30,
        "pi",
        "random",
        "uuid",
        "timestamp",
        "1.big",
        "1.bigs",
        "1.nan",
        "1.bytes",
        "1.items[1e400]",
        "1.items[1.nan]",
        "1.items[pi]",
        "`1`",
        "1.d[]",
        "title",
        "foo.bar",
    ]
)
OPERATORS = st.sampled_from(
    [" + ", " - ", " * ", " / ", " % ", " = ", " != ", " < ", " >= ", " & ", " | ", ""]
)
FUNCTION_NAMES = sorted(FUNCTIONS) + ["if", "ifempty", "switch"]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.integers(0, 3 if depth < 4 else 0))
    if kind == 0:
        return draw(ATOMS)
    if kind == 1:
        return draw(expressions(depth + 1)) + draw(OPERATORS) + draw(expressions(depth + 1))
    if kind == 2:
        return "(" + draw(expressions(depth + 1)) + ")"
    name = draw(st.sampled_from(FUNCTION_NAMES))
    args = draw(st.lists(expressions(depth + 1), max_size=4))
    return f"{name}({'; '.join(args)})"


def _run(text: str) -> None:
    try:
        template = compile_template(text)
    except IMLError as exc:
        assert exc.column is None or exc.column >= 1
        return
    try:
        template(scope(ROOTS))
    except IMLError:
        pass


FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=80))
def test_arbitrary_text(text: str) -> None:
    _run(text)


@FUZZ
@given(st.text(alphabet="{}()[];.,\"'`|&=<>!+-*/% 1aAx_$\\", max_size=60))
def test_punctuation_soup(text: str) -> None:
    _run("{{" + text + "}}")
    _run(text)


@FUZZ
@given(expressions(), st.text(max_size=5))
def test_grammar_shaped_text(expression: str, around: str) -> None:
    _run("{{" + expression + "}}")
    _run(around + "{{" + expression + "}}" + around)
