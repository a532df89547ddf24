"""Make's Math app (`math:`): evaluate an arithmetic expression.

`math:EvaluateExpression` reads its mapped `expression` (IML already filled in, so
`{{1.price}} * 1.21` arrives as `10 * 1.21`) with a small parser of its own: numbers,
`+ - * / % ^` (power, right-associative), parentheses, unary signs, the constants `pi` and
`e`, and the functions below (arguments separated by `,` or `;`). Never Python's `eval`;
the text and its nesting are bounded. The result is `{result}`, a number; an expression
that cannot be read, divides by zero or overflows is a DataError naming where.

Unverified against Make: the field names `expression` and `result` (as third-party
catalogs give them) and which functions Make's expression language offers beyond these.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from engine.errors import ModuleError
from engine.spec import FieldSpec, ModuleCall, ModuleTable
from engine.values import normalize_number, to_text

MODULES = ModuleTable()

MAX_LENGTH = 10_000
MAX_DEPTH = 100

_TOKEN = re.compile(r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
                    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<op>\*\*|[-+*/%^(),;]))")


def _round(x: float, digits: float = 0) -> float:
    factor = 10.0 ** int(digits)
    return math.floor(abs(x) * factor + 0.5) / factor * (1 if x >= 0 else -1)


def _log(x: float, base: float | None = None) -> float:
    return math.log(x) if base is None else float(math.log(x, base))


FUNCTIONS: dict[str, Callable[..., float]] = {
    "abs": abs, "ceil": math.ceil, "floor": math.floor, "round": _round, "trunc": math.trunc,
    "sqrt": math.sqrt, "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x),
    "exp": math.exp, "log": _log, "ln": math.log, "log10": math.log10, "log2": math.log2,
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos,
    "atan": math.atan, "atan2": math.atan2, "pow": math.pow, "hypot": math.hypot,
    "min": min, "max": max, "sign": lambda x: (x > 0) - (x < 0),
    "mod": math.fmod,
}
CONSTANTS = {"pi": math.pi, "e": math.e, "PI": math.pi, "E": math.e}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise self.error(f"unexpected {text[pos:].strip()[0]!r}", pos)
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind), match.start(kind)))
            pos = match.end()
        self.i = 0
        self.depth = 0
        self.length = len(text)

    @staticmethod
    def error(message: str, pos: int) -> ModuleError:
        return ModuleError(f"Invalid expression: {message} at position {pos + 1}.",
                           name="DataError")

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise self.error("the expression ends too early", self.length)
        if value is not None and token[1] != value:
            raise self.error(f"expected {value!r}, found {token[1]!r}", token[2])
        self.i += 1
        return token

    def parse(self) -> float:
        if not self.tokens:
            raise ModuleError("The expression is empty.", name="DataError")
        value = self.sum()
        token = self.peek()
        if token is not None:
            raise self.error(f"unexpected {token[1]!r}", token[2])
        return value

    def sum(self) -> float:
        value = self.product()
        while (token := self.peek()) is not None and token[1] in "+-":
            self.take()
            right = self.product()
            value = value + right if token[1] == "+" else value - right
        return value

    def product(self) -> float:
        value = self.unary()
        while (token := self.peek()) is not None and token[1] in ("*", "/", "%"):
            self.take()
            right = self.unary()
            if token[1] != "*" and right == 0:
                raise self.error("division by zero", token[2])
            if token[1] == "*":
                value = value * right
            elif token[1] == "/":
                value = value / right
            else:
                value = math.fmod(value, right)  # JavaScript's % keeps the dividend's sign
        return value

    def unary(self) -> float:
        token = self.peek()
        if token is not None and token[1] in "+-":
            self.take()
            value = self.unary()
            return -value if token[1] == "-" else value
        return self.power()

    def power(self) -> float:
        base = self.atom()
        token = self.peek()
        if token is not None and token[1] in ("^", "**"):
            self.take()
            exponent = self.unary()
            return math.pow(base, exponent)
        return base

    def atom(self) -> float:
        kind, text, pos = self.take()
        if kind == "number":
            return float(text)
        if text == "(":
            value = self.nested(self.sum)
            self.take(")")
            return value
        if kind == "name":
            following = self.peek()
            if following is not None and following[1] == "(":
                return self.call(text, pos)
            if text in CONSTANTS:
                return CONSTANTS[text]
            raise self.error(f"unknown name {text!r}", pos)
        raise self.error(f"unexpected {text!r}", pos)

    def nested(self, parse: Callable[[], float]) -> float:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ModuleError(f"The expression is nested deeper than {MAX_DEPTH} levels.",
                              name="DataError")
        try:
            return parse()
        finally:
            self.depth -= 1

    def call(self, name: str, pos: int) -> float:
        function = FUNCTIONS.get(name) or FUNCTIONS.get(name.lower())
        if function is None:
            raise self.error(f"unknown function {name!r} (known: {', '.join(FUNCTIONS)})", pos)
        self.take("(")
        args: list[float] = []
        if (token := self.peek()) is not None and token[1] != ")":
            args.append(self.nested(self.sum))
            while (token := self.peek()) is not None and token[1] in (",", ";"):
                self.take()
                args.append(self.nested(self.sum))
        self.take(")")
        try:
            return float(function(*args))
        except TypeError:
            raise self.error(f"{name}() does not take {len(args)} argument(s)", pos) from None
        except ValueError:
            raise self.error(f"{name}() is not defined for {args}", pos) from None


def evaluate(expression: Any) -> int | float:
    text = to_text(expression)
    if len(text) > MAX_LENGTH:
        raise ModuleError(f"The expression is longer than {MAX_LENGTH} characters.",
                          name="DataError")
    try:
        value = _Parser(text).parse()
    except OverflowError:
        raise ModuleError("The result is too large.", name="DataError") from None
    except ZeroDivisionError:
        raise ModuleError("Invalid expression: division by zero.", name="DataError") from None
    if math.isnan(value):
        raise ModuleError("The result is not a number.", name="DataError")
    if math.isinf(value):
        raise ModuleError("The result is too large.", name="DataError")
    return normalize_number(value)


@MODULES.module(
    "math:EvaluateExpression",
    label="Evaluate expression",
    kind="transformer",
    description="Computes an arithmetic expression: + - * / % ^, parentheses, pi, e and "
    "functions such as round(x; 2), sqrt, min, max, abs, floor, ceil, log.",
    mapper=[FieldSpec(name="expression", type="text", label="Expression", required=True,
                      help="e.g. ({{1.price}} - {{1.discount}}) * 1.21")],
    interface=[FieldSpec(name="result", type="number", label="Result")],
)
def evaluate_expression(call: ModuleCall) -> list[dict[str, Any]]:
    return [{"result": evaluate(call.mapper.get("expression"))}]
