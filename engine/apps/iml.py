"""Compile app code: JSON values whose strings are app-code IML (`,` between arguments).

Strings go through `engine.iml.parser.app_code_to_scenario` and the engine's compiler, so an
app's IML means what a scenario's does. Two things only app code has:
- the spread key `"{{...}}": "{{toCollection(...)}}"`, which merges a computed collection
  into the object around it (headers, qs);
- calls to the app's own functions (custom IML functions, written in JavaScript): each call
  is evaluated first, its result put in a private root of the scope, and the expression
  reads that root instead (so the engine's compiler never meets an unknown function).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

from engine.errors import IMLError
from engine.iml import Evaluator, Scope, compile_template
from engine.iml import ast as iml_ast
from engine.iml.parser import app_code_to_scenario, parse_template

SPREAD_KEY = "{{...}}"


class CustomFunctions(Protocol):
    """An app's own IML functions (see engine.apps.functions)."""

    names: frozenset[str]

    def call(self, name: str, args: list[Any]) -> Any: ...


def compile_app_value(value: Any, functions: CustomFunctions | None = None) -> Evaluator:
    """An evaluator for one code value (object, array, string, other JSON)."""
    return _compile(value, functions, 0)


def _compile(value: Any, functions: CustomFunctions | None, depth: int) -> Evaluator:
    if depth > 128:
        raise IMLError("app code nested too deeply")
    if isinstance(value, str):
        return compile_app_template(value, functions)
    if isinstance(value, dict):
        items: list[tuple[str, Evaluator]] = []
        for key, item in value.items():
            try:
                items.append((key, _compile(item, functions, depth + 1)))
            except IMLError as exc:
                raise exc.within(key) from None
        pairs = tuple(items)

        def evaluate_object(scope: Scope) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, fn in pairs:
                try:
                    result = fn(scope)
                except IMLError as exc:
                    raise exc.within(key) from None
                if key == SPREAD_KEY:
                    if isinstance(result, dict):
                        out.update(result)
                else:
                    out[key] = result
            return out

        return evaluate_object
    if isinstance(value, list):
        fns = tuple(_compile(v, functions, depth + 1) for v in value)
        return lambda scope: [fn(scope) for fn in fns]
    return lambda scope: value


def compile_app_template(text: str, functions: CustomFunctions | None = None) -> Evaluator:
    """One app-code string. Raises IMLError for invalid text or an unknown function."""
    scenario = app_code_to_scenario(text)
    if functions is None or not functions.names or not any(
        name in scenario for name in functions.names
    ):
        return compile_template(scenario)
    return _with_custom_calls(scenario, functions)


# --- the app's own functions -----------------------------------------------------------------

_counter = iter(range(1, 1 << 62))


def _custom_calls(node: Any, names: frozenset[str]) -> list[iml_ast.Call]:
    """The outermost calls of the app's functions in an expression tree."""
    found: list[iml_ast.Call] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, iml_ast.Call):
            if current.name in names:
                found.append(current)
                continue
            stack.extend(a for a in current.args if a is not None)
        elif isinstance(current, iml_ast.Chain):
            stack.append(current.first)
            stack.extend(operand for _, operand in current.rest)
        elif isinstance(current, iml_ast.Unary):
            stack.append(current.operand)
        elif isinstance(current, iml_ast.Access):
            stack.append(current.base)
            stack.extend(s.expr for s in current.steps
                         if isinstance(s, iml_ast.Index) and s.expr is not None)
        elif isinstance(current, iml_ast.Ref):
            stack.extend(s.expr for s in current.steps
                         if isinstance(s, iml_ast.Index) and s.expr is not None)
        elif isinstance(current, iml_ast.Word) and current.ref is not None:
            stack.append(current.ref)
    return found


Prepared = tuple[str, str, tuple[Evaluator, ...]]  # (root, function, argument evaluators)


def _rewrite(text: str, functions: CustomFunctions, prepared: list[Prepared]) -> str:
    """`text` (scenario syntax) with every custom call replaced by a private root; the
    calls to make first are appended to `prepared`, innermost first."""
    segments = parse_template(text)
    replacements: list[tuple[int, int, str]] = []
    for segment in segments:
        if not isinstance(segment, iml_ast.ExprSegment):
            continue
        for call in _custom_calls(segment.expr, functions.names):
            args = []
            for arg in call.args:
                if arg is None:
                    args.append(lambda scope: None)
                    continue
                inner = _rewrite("{{" + text[arg.pos : arg.end] + "}}", functions, prepared)
                args.append(compile_template(inner))
            root = f"%fn{next(_counter)}"
            prepared.append((root, call.name, tuple(args)))
            replacements.append((call.pos, call.end, f"`{root}`"))
    for start, end, replacement in sorted(replacements, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _with_custom_calls(scenario: str, functions: CustomFunctions) -> Evaluator:
    prepared: list[Prepared] = []
    main = compile_template(_rewrite(scenario, functions, prepared))
    steps = tuple(prepared)
    call = functions.call

    def evaluate(scope: Scope) -> Any:
        for root, name, args in steps:
            values = [a(scope) for a in args]
            scope.roots[root] = call(name, values)
        return main(scope)

    return evaluate


@lru_cache(maxsize=4096)
def _cached(text: str) -> Evaluator:
    return compile_template(app_code_to_scenario(text))


def evaluate_text(text: str, roots: dict[str, Any]) -> Any:
    """Evaluate one app-code string with `roots` (a convenience for checks and tests)."""
    return _cached(text)(Scope(dict(roots)))

