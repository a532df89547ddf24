"""IML operators with Make's (JavaScript-like) coercions.

`+` adds numbers and otherwise joins text (`newline + "x"`); `- * / %` read both sides as
numbers and give null when either is not numeric (or on division by zero); `=`/`!=`
compare numbers numerically and everything else as text; ordering compares dates as dates,
numeric values as numbers, else text. `&` and `|` give booleans.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine.values import normalize_number, to_bool, to_date, to_number, to_text


def _is_number(value: Any) -> bool:
    return type(value) in (int, float, bool)


def add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    if _is_number(a) and _is_number(b):
        return normalize_number(a + b)
    return to_text(a) + to_text(b)


def _numbers(a: Any, b: Any) -> tuple[int | float, int | float] | None:
    x = to_number(a)
    y = to_number(b)
    if x is None or y is None:
        return None
    return x, y


def subtract(a: Any, b: Any) -> Any:
    pair = _numbers(a, b)
    return None if pair is None else normalize_number(pair[0] - pair[1])


def multiply(a: Any, b: Any) -> Any:
    pair = _numbers(a, b)
    if pair is None:
        return None
    try:
        return normalize_number(pair[0] * pair[1])
    except OverflowError:
        return None


def divide(a: Any, b: Any) -> Any:
    pair = _numbers(a, b)
    if pair is None or pair[1] == 0:
        return None
    x, y = pair
    if type(x) is int and type(y) is int and x % y == 0:
        return normalize_number(x // y)
    try:
        return normalize_number(x / y)
    except OverflowError:
        return None


def remainder(a: Any, b: Any) -> Any:
    """JavaScript `%`: the sign follows the dividend."""
    pair = _numbers(a, b)
    if pair is None or pair[1] == 0:
        return None
    x, y = pair
    if type(x) is int and type(y) is int:
        result = abs(x) % abs(y)
        return normalize_number(-result if x < 0 else result)
    try:
        return normalize_number(math.fmod(x, y))
    except (ValueError, OverflowError):
        return None


def equals(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, datetime) or isinstance(b, datetime):
        da, db = to_date(a), to_date(b)
        if da is not None and db is not None:
            return da == db
    return to_text(a) == to_text(b)


def not_equals(a: Any, b: Any) -> bool:
    return not equals(a, b)


def _compare(a: Any, b: Any) -> int | None:
    """-1/0/1, or None when the sides cannot be ordered (a null side)."""
    if a is None or b is None:
        return None
    if isinstance(a, datetime) or isinstance(b, datetime):
        da, db = to_date(a), to_date(b)
        if da is not None and db is not None:
            return (da > db) - (da < db)
    x, y = to_number(a), to_number(b)
    if x is not None and y is not None:
        if isinstance(x, float) and math.isnan(x) or isinstance(y, float) and math.isnan(y):
            return None
        return (x > y) - (x < y)
    ta, tb = to_text(a), to_text(b)
    return (ta > tb) - (ta < tb)


def less(a: Any, b: Any) -> bool:
    c = _compare(a, b)
    return c is not None and c < 0


def greater(a: Any, b: Any) -> bool:
    c = _compare(a, b)
    return c is not None and c > 0


def less_equal(a: Any, b: Any) -> bool:
    c = _compare(a, b)
    return c is not None and c <= 0


def greater_equal(a: Any, b: Any) -> bool:
    c = _compare(a, b)
    return c is not None and c >= 0


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "/": divide,
    "%": remainder,
    "=": equals,
    "==": equals,
    "!=": not_equals,
    "<": less,
    ">": greater,
    "<=": less_equal,
    ">=": greater_equal,
}


def negate(value: Any) -> Any:
    number = to_number(value)
    return None if number is None else normalize_number(-number)


def plus(value: Any) -> Any:
    return to_number(value)


truthy = to_bool
