"""A small evaluator of Airtable formulas, for the fake Airtable API's `filterByFormula`.

It covers what Make scenarios send (the corpus' searches and the Watch Records trigger):
field references `{Name}`, text and number literals, `= != <> < > <= >= & + - * /`, and the
functions AND, OR, NOT, IF, IS_AFTER, IS_BEFORE, LOWER, UPPER, TRIM, LEN, FIND, SEARCH,
ARRAYJOIN, VALUE, BLANK, TRUE, FALSE, RECORD_ID and DATETIME_PARSE. Following Airtable's
formula reference: a list (linked records, multiple selects, lookups) reads as its items
joined by ", "; an empty field is "" (0 in arithmetic); a record passes when the result is
not 0, false, "", NaN or an empty list. Anything else raises FormulaError (Airtable's 422
INVALID_FILTER_BY_FORMULA).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<field>\{[^}]*\})
    | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op><=|>=|!=|<>|[=<>&+\-*/(),])
    )""", re.VERBOSE)


class FormulaError(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise FormulaError(f"invalid formula near {text[pos:pos + 20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ", ".join(text_of(v.get("name", v.get("id")) if isinstance(v, dict) else v)
                         for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(text_of(value) or 0)
    except ValueError:
        return math.nan


def _date(value: Any) -> datetime | None:
    text = text_of(value).strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def truthy(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0 and not math.isnan(value)
    return bool(value)


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) or (
            op not in ("=", "!=", "<>")):
        x: Any = _number(a) if not isinstance(a, str) or not isinstance(b, str) else a
        y: Any = _number(b) if not isinstance(a, str) or not isinstance(b, str) else b
    else:
        x, y = text_of(a), text_of(b)
    return {"=": x == y, "!=": x != y, "<>": x != y, "<": x < y, ">": x > y,
            "<=": x <= y, ">=": x >= y}[op]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "AND": lambda *a: all(truthy(v) for v in a),
    "OR": lambda *a: any(truthy(v) for v in a),
    "NOT": lambda a: not truthy(a),
    "IF": lambda c, a, b="": a if truthy(c) else b,
    "LOWER": lambda a: text_of(a).lower(),
    "UPPER": lambda a: text_of(a).upper(),
    "TRIM": lambda a: text_of(a).strip(),
    "LEN": lambda a: len(text_of(a)),
    "FIND": lambda needle, hay, start=0: text_of(hay).find(text_of(needle)) + 1,
    "SEARCH": lambda needle, hay: text_of(hay).lower().find(text_of(needle).lower()) + 1,
    "ARRAYJOIN": lambda a, sep=",": text_of(sep).join(text_of(v) for v in (
        a if isinstance(a, list) else [a])),
    "VALUE": _number,
    "BLANK": lambda: "",
    "TRUE": lambda: True,
    "FALSE": lambda: False,
    "DATETIME_PARSE": lambda a, *_: text_of(a),
}


def _is_after(a: Any, b: Any) -> bool:
    x, y = _date(a), _date(b)
    return x is not None and y is not None and x > y


def _is_before(a: Any, b: Any) -> bool:
    x, y = _date(a), _date(b)
    return x is not None and y is not None and x < y


FUNCTIONS["IS_AFTER"] = _is_after
FUNCTIONS["IS_BEFORE"] = _is_before


class _Parser:
    def __init__(self, text: str, field: Callable[[str], Any], record_id: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.field = field
        self.record_id = record_id

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise FormulaError(f"expected {value or 'a value'} in the formula")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.comparison()
        if self.peek() is not None:
            raise FormulaError(f"unexpected {self.peek()[1]!r} in the formula")  # type: ignore[index]
        return value

    def comparison(self) -> Any:
        left = self.concat()
        while (token := self.peek()) and token[1] in ("=", "!=", "<>", "<", ">", "<=", ">="):
            self.take()
            left = _compare(token[1], left, self.concat())
        return left

    def concat(self) -> Any:
        left = self.additive()
        while (token := self.peek()) and token[1] == "&":
            self.take()
            left = text_of(left) + text_of(self.additive())
        return left

    def additive(self) -> Any:
        left = self.term()
        while (token := self.peek()) and token[1] in ("+", "-"):
            self.take()
            right = self.term()
            left = _number(left) + _number(right) if token[1] == "+" else (
                _number(left) - _number(right))
        return left

    def term(self) -> Any:
        left = self.unary()
        while (token := self.peek()) and token[1] in ("*", "/"):
            self.take()
            right = _number(self.unary())
            left = _number(left) * right if token[1] == "*" else (
                _number(left) / right if right else math.nan)
        return left

    def unary(self) -> Any:
        if (token := self.peek()) and token[1] == "-":
            self.take()
            return -_number(self.unary())
        return self.atom()

    def atom(self) -> Any:
        kind, value = self.take()
        if kind == "field":
            return self.field(value[1:-1])
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", value[1:-1])
        if kind == "number":
            return float(value)
        if value == "(":
            inner = self.comparison()
            self.take(")")
            return inner
        if kind == "name":
            self.take("(")
            args = []
            if not (self.peek() and self.peek()[1] == ")"):  # type: ignore[index]
                args.append(self.comparison())
                while self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                    self.take()
                    args.append(self.comparison())
            self.take(")")
            name = value.upper()
            if name == "RECORD_ID":
                return self.record_id
            if name not in FUNCTIONS:
                raise FormulaError(f"unknown function {value}()")
            return FUNCTIONS[name](*args)
        raise FormulaError(f"unexpected {value!r} in the formula")


def evaluate(formula: str, field: Callable[[str], Any], record_id: str = "") -> Any:
    """The formula's value for one record; `field(name)` reads the record's fields."""
    return _Parser(formula, field, record_id).parse()


def matches(formula: str, field: Callable[[str], Any], record_id: str = "") -> bool:
    return truthy(evaluate(formula, field, record_id))
