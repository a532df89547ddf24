"""Math functions: round, ceil, floor, trunc, abs, min, max, sum, average, median, stdevS,
stdevP, parseNumber, formatNumber, toNumber.

Empty input (null, "") gives null; text that is not a number is an error, as in Make.
Aggregates (sum, min, ...) take numbers and/or arrays of numbers and skip empty values.
Every result is a JavaScript number (`engine.values.normalize_number`): floor(1e30) is the
double 1e30, not a 31-digit integer nothing downstream could store.
"""

from __future__ import annotations

import math
import statistics
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_DOWN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
)
from typing import Any

from engine.errors import IMLError
from engine.iml.functions import iml_function
from engine.values import normalize_number, number_from_text, to_number, to_text

_MAX_DECIMALS = 100
_CONTEXT = Context(prec=1000)  # room for any float's digits plus the decimals


def _number(value: Any, name: str) -> int | float | None:
    if value is None or value == "":
        return None
    number = to_number(value)
    if number is None:
        raise IMLError(f"function {name!r}: {to_text(value)[:40]!r} is not a number")
    return number


def _decimals(value: Any, name: str) -> int:
    if value is None or value == "":
        return 0
    number = _number(value, name)
    if number is None or isinstance(number, float) and not math.isfinite(number):
        raise IMLError(f"function {name!r}: invalid number of decimals")
    return max(-_MAX_DECIMALS, min(_MAX_DECIMALS, int(number)))


def _decimal(number: int | float) -> Decimal:
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def _quantize(number: int | float, decimals: int, rounding: str) -> Decimal:
    exponent = Decimal(1).scaleb(-decimals)
    return _decimal(number).quantize(exponent, rounding=rounding, context=_CONTEXT)


def _finite(number: int | float) -> bool:
    return not isinstance(number, float) or math.isfinite(number)


def _from_decimal(value: Decimal) -> int | float:
    return normalize_number(int(value) if value == value.to_integral_value() else float(value))


@iml_function("round")
def round_(value: Any, decimals: Any = None) -> Any:
    """Round half up like JavaScript's Math.round (2.5 -> 3, -2.5 -> -2)."""
    number = _number(value, "round")
    if number is None or not _finite(number):
        return number
    places = _decimals(decimals, "round")
    if number >= 0:
        return _from_decimal(_quantize(number, places, ROUND_HALF_UP))
    return _from_decimal(-_quantize(-number, places, ROUND_HALF_DOWN))


@iml_function("ceil")
def ceil(value: Any) -> Any:
    number = _number(value, "ceil")
    return number if number is None or not _finite(number) else normalize_number(
        math.ceil(number))


@iml_function("floor")
def floor(value: Any) -> Any:
    number = _number(value, "floor")
    return number if number is None or not _finite(number) else normalize_number(
        math.floor(number))


@iml_function("trunc")
def trunc(value: Any, decimals: Any = None) -> Any:
    number = _number(value, "trunc")
    if number is None or not _finite(number):
        return number
    return _from_decimal(_quantize(number, _decimals(decimals, "trunc"), ROUND_DOWN))


@iml_function("abs")
def abs_(value: Any) -> Any:
    number = _number(value, "abs")
    return None if number is None else abs(number)


def _collect(values: tuple[Any, ...], name: str) -> list[int | float]:
    numbers: list[int | float] = []
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            number = _number(item, name)
            if number is not None:
                numbers.append(number)
    return numbers


@iml_function("min")
def min_(*values: Any) -> Any:
    numbers = _collect(values, "min")
    return min(numbers) if numbers else None


@iml_function("max")
def max_(*values: Any) -> Any:
    numbers = _collect(values, "max")
    return max(numbers) if numbers else None


@iml_function("sum")
def sum_(*values: Any) -> Any:
    return normalize_number(math.fsum(_collect(values, "sum")))


@iml_function("average")
def average(*values: Any) -> Any:
    numbers = _collect(values, "average")
    return normalize_number(math.fsum(numbers) / len(numbers)) if numbers else None


@iml_function("median")
def median(*values: Any) -> Any:
    numbers = _collect(values, "median")
    return normalize_number(statistics.median(numbers)) if numbers else None


@iml_function("stdevS")
def stdev_sample(*values: Any) -> Any:
    numbers = _collect(values, "stdevS")
    return normalize_number(statistics.stdev(numbers)) if len(numbers) > 1 else None


@iml_function("stdevP")
def stdev_population(*values: Any) -> Any:
    numbers = _collect(values, "stdevP")
    return normalize_number(statistics.pstdev(numbers)) if numbers else None


@iml_function("parseNumber")
def parse_number(value: Any, decimal_separator: Any = None) -> Any:
    """Read a formatted number: `parseNumber("1 756 200,5"; ",")` -> 1756200.5. Anything
    other than digits, the sign and the decimal separator (thousands separators, spaces,
    currency) is ignored."""
    if value is None or value == "":
        return None
    if type(value) in (int, float):
        return normalize_number(value)
    text = to_text(value).strip()
    separator = to_text(decimal_separator) or "."
    kept: list[str] = []
    for i, char in enumerate(text):
        if char.isdigit() and char.isascii():
            kept.append(char)
        elif text.startswith(separator, i) and "." not in kept:
            kept.append(".")
        elif char == "-" and not kept:
            kept.append("-")
    digits = "".join(kept)
    if not any(c.isdigit() for c in digits):
        raise IMLError(f"function 'parseNumber': {text[:40]!r} is not a number")
    return number_from_text(digits)


@iml_function("formatNumber")
def format_number(
    value: Any, decimals: Any = None, decimal_separator: Any = None, thousands: Any = None
) -> Any:
    """`formatNumber(1234.5; 2)` -> "1.234,50": Make's defaults are a comma for decimals and
    a dot for thousands."""
    number = _number(value, "formatNumber")
    if number is None:
        return None
    if not _finite(number):
        return to_text(number)
    places = max(0, _decimals(decimals, "formatNumber"))
    dec_sep = "," if decimal_separator is None else to_text(decimal_separator)
    thou_sep = "." if thousands is None else to_text(thousands)
    try:
        rounded = _quantize(abs(number), places, ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise IMLError("function 'formatNumber': number too large") from exc
    whole, _, fraction = f"{rounded:f}".partition(".")
    groups = [whole[max(0, i - 3) : i] for i in range(len(whole), 0, -3)][::-1]
    sign = "-" if number < 0 and rounded != 0 else ""
    text = sign + thou_sep.join(groups)
    return f"{text}{dec_sep}{fraction}" if places else text


@iml_function("toNumber")
def to_number_(value: Any) -> Any:
    return _number(value, "toNumber")
