"""Compile IML templates and mapper structures into nested closures.

Parsing happens once per distinct text (cached); evaluating is only closure calls: no
re-parsing, no `eval`, no attribute access on values. Common shapes get their own
closures (a plain reference, a text-and-references concatenation) because mappers run
once per bundle.

Values are bounded where they grow: every function result, every operator result and every
concatenation is checked against the run's `max_value_bytes` (engine.limits), and a
MemoryError becomes an IMLError naming the function instead of an empty message.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from engine.errors import IMLError
from engine.iml import ast
from engine.iml.functions import FUNCTIONS, FunctionDef
from engine.iml.indexes import pick_index
from engine.iml.keywords import CONSTANT_KEYWORDS, RUNTIME_KEYWORDS
from engine.iml.operators import BINARY, negate, plus
from engine.iml.parser import parse_template
from engine.iml.scope import Scope
from engine.limits import MIN_VALUE_BYTES, check_size, check_value, out_of_memory
from engine.values import is_empty, to_bool, to_text

Evaluator = Callable[[Scope], Any]
"""A compiled template or mapper: call it with a Scope to get the value."""

# Functions compiled here because they evaluate only the branch they take.
SPECIAL_FUNCTIONS = frozenset({"if", "ifempty", "switch"})

_MISSING_KEY_ERRORS = (KeyError, TypeError, IndexError)


class _Compiled:
    """An evaluator plus what the compiler knows about it statically."""

    __slots__ = ("fn", "constant", "value")

    def __init__(self, fn: Evaluator, constant: bool = False, value: Any = None) -> None:
        self.fn = fn
        self.constant = constant
        self.value = value


def _const(value: Any) -> _Compiled:
    return _Compiled(lambda scope: value, True, value)


# --- references -----------------------------------------------------------------------

Step = Callable[[Any, Scope], Any]


def _key_step(key: str) -> Step:
    def step(value: Any, scope: Scope) -> Any:
        return value.get(key) if isinstance(value, dict) else None

    return step


def _first(value: Any, scope: Scope) -> Any:
    """`[]`: the first element of an array; any other value is its own first element."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _index_step(step: ast.Index) -> Step:
    if step.expr is None:
        return _first
    index = _compile(step.expr)
    if index.constant:
        fixed = index.value

        def const_step(value: Any, scope: Scope) -> Any:
            return pick_index(value, fixed)

        return const_step
    index_fn = index.fn

    def dynamic_step(value: Any, scope: Scope) -> Any:
        return pick_index(value, index_fn(scope))

    return dynamic_step


def _steps(steps: list[ast.Key | ast.Index]) -> list[Step]:
    return [_key_step(s.name) if isinstance(s, ast.Key) else _index_step(s) for s in steps]


def _walk(steps: tuple[Step, ...]) -> Callable[[Any, Scope], Any]:
    def walk(value: Any, scope: Scope) -> Any:
        for step in steps:
            if value is None:
                return None
            value = step(value, scope)
        return value

    return walk


def _compile_ref(node: ast.Ref) -> Evaluator:
    root = node.root
    if all(isinstance(s, ast.Key) for s in node.steps):
        keys = [s.name for s in node.steps if isinstance(s, ast.Key)]
        # Fast paths: a missing key, or a key read on a non-collection, raises one of
        # _MISSING_KEY_ERRORS, which is Make's "missing -> null".
        if not keys:
            return lambda scope: scope.roots.get(root)
        if len(keys) == 1:
            (k1,) = keys

            def ref1(scope: Scope) -> Any:
                try:
                    return scope.roots[root][k1]
                except _MISSING_KEY_ERRORS:
                    return None

            return ref1 if _keys_safe(keys) else _generic_ref(root, node.steps)
        if len(keys) == 2 and _keys_safe(keys):
            k1, k2 = keys

            def ref2(scope: Scope) -> Any:
                try:
                    return scope.roots[root][k1][k2]
                except _MISSING_KEY_ERRORS:
                    return None

            return ref2
        if len(keys) == 3 and _keys_safe(keys):
            k1, k2, k3 = keys

            def ref3(scope: Scope) -> Any:
                try:
                    return scope.roots[root][k1][k2][k3]
                except _MISSING_KEY_ERRORS:
                    return None

            return ref3
    fast = _key_then_index_ref(node)
    return fast if fast is not None else _generic_ref(root, node.steps)


def _key_then_index_ref(node: ast.Ref) -> Evaluator | None:
    """`1.items[2]` and `1.items[]`, the usual way to pick one array element."""
    if len(node.steps) != 2:
        return None
    key, index = node.steps
    if not isinstance(key, ast.Key) or not isinstance(index, ast.Index):
        return None
    if index.expr is None:
        position = 0
    elif isinstance(index.expr, ast.Literal) and type(index.expr.value) is int:
        position = index.expr.value - 1
        if position < 0:
            return None
    else:
        return None
    root, k1 = node.root, key.name
    if position == 0 and index.expr is None:

        def first(scope: Scope) -> Any:
            try:
                value = scope.roots[root][k1]
            except _MISSING_KEY_ERRORS:
                return None
            if type(value) is list:
                return value[0] if value else None
            return value

        return first

    def nth(scope: Scope) -> Any:
        try:
            value = scope.roots[root][k1]
        except _MISSING_KEY_ERRORS:
            return None
        if type(value) is list and position < len(value):
            return value[position]
        return None

    return nth


def _keys_safe(keys: list[str]) -> bool:
    """`value[key]` on a str/list/bytes raises TypeError for any str key, so the fast
    path is exact: it only ever reads dicts."""
    return all(isinstance(k, str) for k in keys)


def _generic_ref(root: int | str, steps: list[ast.Key | ast.Index]) -> Evaluator:
    walk = _walk(tuple(_steps(steps)))

    def ref(scope: Scope) -> Any:
        return walk(scope.roots.get(root), scope)

    return ref


def _compile_access(node: ast.Access) -> Evaluator:
    base = _compile(node.base).fn
    walk = _walk(tuple(_steps(node.steps)))
    return lambda scope: walk(base(scope), scope)


# --- function calls -------------------------------------------------------------------

_ARITY: dict[str, tuple[int, int | None]] = {}


def _arity(fdef: FunctionDef) -> tuple[int, int | None]:
    """(required, maximum or None for variadic) positional arguments, scope excluded."""
    known = _ARITY.get(fdef.name)
    if known is not None:
        return known
    required, maximum = 0, 0
    variadic = False
    for param in inspect.signature(fdef.fn).parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            variadic = True
        elif param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            maximum += 1
            if param.default is param.empty:
                required += 1
    if fdef.scope:
        required, maximum = max(0, required - 1), maximum - 1
    result = (required, None if variadic else maximum)
    _ARITY[fdef.name] = result
    return result


def _lookup(name: str, pos: int) -> FunctionDef:
    fdef = FUNCTIONS.get(name)
    if fdef is None:
        lowered = name.lower()
        fdef = next((f for n, f in FUNCTIONS.items() if n.lower() == lowered), None)
    if fdef is None:
        raise IMLError(f"unknown function {name!r}", column=pos + 1)
    return fdef


def _runtime_error(name: str, exc: Exception, pos: int) -> IMLError:
    if isinstance(exc, IMLError):
        if exc.column is None:
            exc.column = pos + 1
            exc.args = (exc.describe(),)
        return exc
    if isinstance(exc, RecursionError):
        return IMLError(f"function {name!r}: value nested too deeply", column=pos + 1)
    if isinstance(exc, MemoryError):
        error = out_of_memory(f"function {name!r}")
        error.column = pos + 1
        error.args = (error.describe(),)
        return error
    detail = str(exc) or type(exc).__name__
    return IMLError(f"function {name!r} failed: {detail}", column=pos + 1)


def _checked(name: str, pos: int, value: Any) -> Any:
    """A function's result, or ValueTooLarge when it is over the value limit."""
    try:
        return check_value(value, f"the result of function {name!r}")
    except IMLError as exc:
        raise _runtime_error(name, exc, pos) from None


def _compile_call(node: ast.Call) -> _Compiled:
    if node.name in SPECIAL_FUNCTIONS:
        return _Compiled(_compile_special(node))
    fdef = _lookup(node.name, node.pos)
    required, maximum = _arity(fdef)
    args = [_compile_arg(a) for a in node.args]
    if maximum is not None and len(args) > maximum:
        raise IMLError(
            f"function {node.name!r} takes at most {maximum} argument"
            f"{'s' if maximum != 1 else ''}, got {len(args)}",
            column=node.pos + 1,
        )
    while len(args) < required:  # Make reads a missing argument as empty
        args.append(_const(None).fn)
    fn, name, pos = fdef.fn, fdef.name, node.pos
    if fdef.scope:
        return _Compiled(_scoped_call(fn, args, name, pos))
    if len(args) == 0:

        def call0(scope: Scope) -> Any:
            try:
                result = fn()
            except Exception as exc:
                raise _runtime_error(name, exc, pos) from exc
            return _checked(name, pos, result)

        return _Compiled(call0)
    if len(args) == 1:
        (a0,) = args

        def call1(scope: Scope) -> Any:
            value = a0(scope)
            try:
                result = fn(value)
            except Exception as exc:
                raise _runtime_error(name, exc, pos) from exc
            if type(result) is str and len(result) <= MIN_VALUE_BYTES:
                return result
            return _checked(name, pos, result)

        return _Compiled(call1)
    if len(args) == 2:
        a0, a1 = args

        def call2(scope: Scope) -> Any:
            v0, v1 = a0(scope), a1(scope)
            try:
                result = fn(v0, v1)
            except Exception as exc:
                raise _runtime_error(name, exc, pos) from exc
            if type(result) is str and len(result) <= MIN_VALUE_BYTES:
                return result
            return _checked(name, pos, result)

        return _Compiled(call2)
    arg_fns = tuple(args)

    def call_n(scope: Scope) -> Any:
        values = [a(scope) for a in arg_fns]
        try:
            result = fn(*values)
        except Exception as exc:
            raise _runtime_error(name, exc, pos) from exc
        return _checked(name, pos, result)

    return _Compiled(call_n)


def _scoped_call(fn: Callable[..., Any], args: list[Evaluator], name: str, pos: int) -> Evaluator:
    arg_fns = tuple(args)

    def call(scope: Scope) -> Any:
        values = [a(scope) for a in arg_fns]
        try:
            result = fn(scope, *values)
        except Exception as exc:
            raise _runtime_error(name, exc, pos) from exc
        return _checked(name, pos, result)

    return call


def _compile_arg(node: ast.Node | None) -> Evaluator:
    return _const(None).fn if node is None else _compile(node).fn


def _compile_special(node: ast.Call) -> Evaluator:
    args = [_compile_arg(a) for a in node.args]
    if node.name == "if":
        if len(args) > 3:
            raise IMLError("function 'if' takes 3 arguments", column=node.pos + 1)
        while len(args) < 3:
            args.append(_const(None).fn)
        cond, then, other = args

        def if_(scope: Scope) -> Any:
            return then(scope) if to_bool(cond(scope)) else other(scope)

        return if_
    if node.name == "ifempty":
        if len(args) > 2:
            raise IMLError("function 'ifempty' takes 2 arguments", column=node.pos + 1)
        while len(args) < 2:
            args.append(_const(None).fn)
        value_fn, fallback = args

        def ifempty(scope: Scope) -> Any:
            value = value_fn(scope)
            return fallback(scope) if is_empty(value) else value

        return ifempty
    # switch(expr; value1; result1; ...; [else])
    if not args:
        raise IMLError("function 'switch' needs an expression", column=node.pos + 1)
    subject, rest = args[0], args[1:]
    pairs = tuple((rest[i], rest[i + 1]) for i in range(0, len(rest) - 1, 2))
    otherwise = rest[-1] if len(rest) % 2 else None
    equals = BINARY["="]

    pos = node.pos

    def switch(scope: Scope) -> Any:
        value = subject(scope)
        for candidate, result in pairs:
            other = candidate(scope)
            try:
                same = equals(value, other)
            except Exception as exc:
                raise _operator_error(exc, pos) from exc
            if same:
                return result(scope)
        return otherwise(scope) if otherwise is not None else None

    return switch


# --- operators ------------------------------------------------------------------------


def _operator_error(exc: Exception, pos: int) -> IMLError:
    if isinstance(exc, IMLError):
        return exc
    if isinstance(exc, MemoryError):
        error = out_of_memory("an operator")
        error.column = pos + 1
        error.args = (error.describe(),)
        return error
    return IMLError(f"operator failed: {exc or type(exc).__name__}", column=pos + 1)


def _bounded(value: Any, pos: int) -> Any:
    """An operator's result (`+` joins text) within the value limit."""
    if type(value) is str and len(value) > MIN_VALUE_BYTES:
        try:
            check_size(len(value), "the result of an operator")
        except IMLError as exc:
            exc.column = pos + 1
            exc.args = (exc.describe(),)
            raise
    return value


def _compile_chain(node: ast.Chain) -> _Compiled:
    ops = {op for op, _ in node.rest}
    first = _compile(node.first)
    rest = [(op, _compile(operand)) for op, operand in node.rest]
    if ops <= {"&", "|"}:
        return _Compiled(_logical(first.fn, rest))
    pos = node.pos
    if first.constant and all(c.constant for _, c in rest):
        value = first.value
        try:
            for op, c in rest:
                value = BINARY[op](value, c.value)
        except Exception as exc:
            raise _operator_error(exc, pos) from exc
        return _const(value)
    if len(rest) == 1:
        op_fn = BINARY[rest[0][0]]
        left, right = first.fn, rest[0][1].fn

        def binary(scope: Scope) -> Any:
            a, b = left(scope), right(scope)
            try:
                value = op_fn(a, b)
            except Exception as exc:
                raise _operator_error(exc, pos) from exc
            return _bounded(value, pos)

        return _Compiled(binary)
    first_fn = first.fn
    steps = tuple((BINARY[op], c.fn) for op, c in rest)

    def chain(scope: Scope) -> Any:
        value = first_fn(scope)
        for op_fn, operand in steps:
            right = operand(scope)
            try:
                value = op_fn(value, right)
            except Exception as exc:
                raise _operator_error(exc, pos) from exc
            _bounded(value, pos)
        return value

    return _Compiled(chain)


def _logical(first: Evaluator, rest: list[tuple[str, _Compiled]]) -> Evaluator:
    """`&` binds tighter than `|`, so one chain holds a single operator."""
    operands = (first, *(c.fn for _, c in rest))
    if rest[0][0] == "&":

        def all_(scope: Scope) -> bool:
            return all(to_bool(o(scope)) for o in operands)

        return all_

    def any_(scope: Scope) -> bool:
        return any(to_bool(o(scope)) for o in operands)

    return any_


def _compile_unary(node: ast.Unary) -> _Compiled:
    operand = _compile(node.operand)
    op_fn = negate if node.op == "-" else plus
    pos = node.pos
    if operand.constant:
        try:
            return _const(op_fn(operand.value))
        except Exception as exc:
            raise _operator_error(exc, pos) from exc
    inner = operand.fn

    def unary(scope: Scope) -> Any:
        value = inner(scope)
        try:
            return op_fn(value)
        except Exception as exc:
            raise _operator_error(exc, pos) from exc

    return _Compiled(unary)


# --- dispatch -------------------------------------------------------------------------


def _compile(node: ast.Node) -> _Compiled:
    if isinstance(node, ast.Literal):
        return _const(node.value)
    if isinstance(node, ast.Ref):
        return _Compiled(_compile_ref(node))
    if isinstance(node, ast.Call):
        return _compile_call(node)
    if isinstance(node, ast.Chain):
        return _compile_chain(node)
    if isinstance(node, ast.Keyword):
        if node.name in CONSTANT_KEYWORDS:
            return _const(CONSTANT_KEYWORDS[node.name])
        return _Compiled(RUNTIME_KEYWORDS[node.name])
    if isinstance(node, ast.Unary):
        return _compile_unary(node)
    if isinstance(node, ast.Access):
        return _Compiled(_compile_access(node))
    if isinstance(node, ast.Word):
        ref = node.ref if node.ref is not None else ast.Ref(node.pos, node.end, node.name)
        return _Compiled(_compile_ref(ref))
    raise IMLError(f"cannot compile {type(node).__name__}", column=node.pos + 1)


def _text_of(value: Any, pos: int) -> str:
    """to_text for the slow path of concatenations; never lets a raw exception out."""
    try:
        return to_text(value)
    except Exception as exc:
        raise IMLError(f"value cannot be put into text: {exc}", column=pos + 1) from exc


def _returns_text(fdef: FunctionDef) -> bool:
    return fdef.fn.__annotations__.get("return") in ("str", str)


def _text_ref(node: ast.Ref) -> Evaluator | None:
    """A text-returning reference for the common `{{1.a}}` / `{{1.a.b}}` in text."""
    keys = [s.name for s in node.steps if isinstance(s, ast.Key)]
    if len(keys) != len(node.steps) or not 1 <= len(keys) <= 2:
        return None
    root = node.root
    if len(keys) == 1:
        (k1,) = keys
        pos = node.pos

        def text1(scope: Scope) -> str:
            try:
                value = scope.roots[root][k1]
            except _MISSING_KEY_ERRORS:
                return ""
            return value if type(value) is str else _text_of(value, pos)

        return text1
    k1, k2 = keys
    pos = node.pos

    def text2(scope: Scope) -> str:
        try:
            value = scope.roots[root][k1][k2]
        except _MISSING_KEY_ERRORS:
            return ""
        return value if type(value) is str else _text_of(value, pos)

    return text2


def _as_text(node: ast.Node) -> Evaluator | str:
    """A part of a concatenation: constant text, or an evaluator returning text."""
    if isinstance(node, ast.Ref):
        direct = _text_ref(node)
        if direct is not None:
            return direct
    compiled = _compile(node)
    if compiled.constant:
        return _text_of(compiled.value, node.pos)
    if isinstance(node, ast.Call) and node.name not in SPECIAL_FUNCTIONS:
        if _returns_text(_lookup(node.name, node.pos)):
            return compiled.fn
    fn = compiled.fn
    pos = node.pos

    def text(scope: Scope) -> str:
        value = fn(scope)
        return value if type(value) is str else _text_of(value, pos)

    return text


def _long(text: str) -> str:
    """A concatenation's text within the value limit (only long texts get here)."""
    check_size(len(text), "the mapped text")
    return text


def _concat(parts: list[Evaluator | str]) -> _Compiled:
    """Join constant text and text evaluators; specialised by the number of evaluators
    because a tuple literal joined is the fastest concatenation CPython has. Texts over
    MIN_VALUE_BYTES are checked against the value limit."""
    texts: list[str] = [""]
    fns: list[Evaluator] = []
    for part in parts:
        if isinstance(part, str):
            texts[-1] += part
        else:
            fns.append(part)
            texts.append("")
    if not fns:
        return _const(texts[0])
    t = texts
    small = MIN_VALUE_BYTES
    if len(fns) == 1:
        f0 = fns[0]
        if not t[0] and not t[1]:
            return _Compiled(f0)
        t0, t1 = t

        def concat1(s: Scope) -> str:
            text = "".join((t0, f0(s), t1))
            return text if len(text) <= small else _long(text)

        return _Compiled(concat1)
    if len(fns) == 2:
        f0, f1 = fns
        t0, t1, t2 = t

        def concat2(s: Scope) -> str:
            text = "".join((t0, f0(s), t1, f1(s), t2))
            return text if len(text) <= small else _long(text)

        return _Compiled(concat2)
    if len(fns) == 3:
        f0, f1, f2 = fns
        t0, t1, t2, t3 = t

        def concat3(s: Scope) -> str:
            text = "".join((t0, f0(s), t1, f1(s), t2, f2(s), t3))
            return text if len(text) <= small else _long(text)

        return _Compiled(concat3)
    if len(fns) == 4:
        f0, f1, f2, f3 = fns
        t0, t1, t2, t3, t4 = t

        def concat4(s: Scope) -> str:
            text = "".join((t0, f0(s), t1, f1(s), t2, f2(s), t3, f3(s), t4))
            return text if len(text) <= small else _long(text)

        return _Compiled(concat4)
    if len(fns) == 5:
        f0, f1, f2, f3, f4 = fns
        t0, t1, t2, t3, t4, t5 = t

        def concat5(s: Scope) -> str:
            text = "".join((t0, f0(s), t1, f1(s), t2, f2(s), t3, f3(s), t4, f4(s), t5))
            return text if len(text) <= small else _long(text)

        return _Compiled(concat5)
    first_text = t[0]
    pairs = tuple(zip(fns, t[1:], strict=True))

    def concat(scope: Scope) -> str:
        out = [first_text]
        for fn, after in pairs:
            out.append(fn(scope))
            out.append(after)
        text = "".join(out)
        return text if len(text) <= small else _long(text)

    return _Compiled(concat)


def _compile_template(text: str) -> _Compiled:
    if "{{" not in text:
        return _const(text)
    segments = parse_template(text)
    if len(segments) == 1 and isinstance(segments[0], ast.ExprSegment):
        return _compile(segments[0].expr)  # a lone {{...}} keeps the value's type
    parts: list[Evaluator | str] = []
    for segment in segments:
        if isinstance(segment, ast.TextSegment):
            parts.append(segment.text)
        else:
            parts.append(_as_text(segment.expr))
    return _concat(parts)


@lru_cache(maxsize=8192)
def _compile_template_cached(text: str) -> _Compiled:
    return _compile_template(text)


def compile_template(text: str) -> Evaluator:
    """Compile one mapper string. Raises IMLError (1-based column) for invalid text or an
    unknown function. A string without `{{` is a constant."""
    return _compile_template_cached(text).fn


# --- mappers --------------------------------------------------------------------------


def _copy_constant(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_constant(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_constant(v) for v in value]
    return value


def _compile_value(value: Any, depth: int) -> _Compiled:
    if depth > 256:
        raise IMLError("mapper nested too deeply")
    if isinstance(value, str):
        return _compile_template_cached(value)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            try:
                items.append((k, _compile_value(v, depth + 1)))
            except IMLError as exc:
                raise exc.within(k) from None
        if all(c.constant for _, c in items):
            return _constant_container({k: c.value for k, c in items})
        pairs = tuple((k, c.fn) for k, c in items)

        def evaluate_dict(scope: Scope) -> dict[str, Any]:
            out = {}
            for k, f in pairs:
                try:
                    out[k] = f(scope)
                except IMLError as exc:  # free when nothing fails (3.11 zero-cost try)
                    raise exc.within(k) from None
            return out

        return _Compiled(evaluate_dict)
    if isinstance(value, list):
        elements = []
        for i, v in enumerate(value, 1):
            try:
                elements.append(_compile_value(v, depth + 1))
            except IMLError as exc:
                raise exc.within(i) from None
        if all(c.constant for c in elements):
            return _constant_container([c.value for c in elements])
        fns = tuple(c.fn for c in elements)

        def evaluate_list(scope: Scope) -> list[Any]:
            out = []
            for i, f in enumerate(fns, 1):
                try:
                    out.append(f(scope))
                except IMLError as exc:
                    raise exc.within(i) from None
            return out

        return _Compiled(evaluate_list)
    return _const(value)


def _constant_container(value: Any) -> _Compiled:
    """A constant dict/list is copied per evaluation so bundles never share it."""
    return _Compiled(lambda scope: _copy_constant(value), True, value)


def compile_mapper(value: Any) -> Evaluator:
    """Compile a whole mapper (dicts, lists, strings, other JSON values). Each evaluation
    builds fresh containers."""
    compiled = _compile_value(value, 0)
    if compiled.constant and isinstance(compiled.value, dict | list):
        constant = compiled.value
        return lambda scope: _copy_constant(constant)
    return compiled.fn
