"""Make's filters: conditions `{a, o, b}`, OR of AND groups, compiled once to closures.

A filter is `{"name", "conditions": [[cond, ...], ...]}`: the outer list is OR, each inner
list is AND. `a` and `b` are IML templates; `b` is always text in exports, so it is coerced to
the operator's type (`number:greater` with `"10"` compares numbers).

Choices where Make's behaviour is not documented:
- `exist` means "not empty" as in `engine.values.is_empty`: null, "", [] and {} do not exist.
- A side that cannot be read as the operator's type (number, date, time, semver) makes the
  condition false, for the negated comparisons (`notequal`) too.
- An invalid regular expression makes both `text:pattern` and `text:notpattern` false; a
  pattern that runs past the regex time limit (engine.patterns) is an error naming it.
- An operator we don't know (real exports carry `text:isempty`) still loads and round-trips;
  only evaluating that condition fails, with an error naming the operator.
- `array:contain` compares items by their text; a missing array is empty; a single value
  is an array of one. Length comparisons on a value that is neither an array nor missing
  are false.

Every condition becomes one closure with its operator bound; a constant `b` is coerced once.
Evaluation errors are IMLErrors located at the condition (`filter.conditions[0][1]`); the
executor adds the module.
"""

from __future__ import annotations

import operator as _op
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.errors import BlueprintError, IMLError
from engine.patterns import JsPattern, PatternError, compile_js
from engine.values import is_empty, to_bool, to_date, to_number, to_text

if TYPE_CHECKING:
    from engine.blueprint import Filter
    from engine.iml.scope import Scope

Predicate = Callable[["Scope"], bool]
Evaluate = Callable[["Scope"], Any]


@dataclass(frozen=True, slots=True)
class Operator:
    """One filter operator: `prepare` coerces `b` once, `test(a, prepared_b)` decides."""

    name: str
    test: Callable[[Any, Any], bool]
    prepare: Callable[[Any], Any] = lambda b: b
    unary: bool = False


# ---- operator table ---------------------------------------------------------------------

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "equal": _op.eq,
    "notequal": _op.ne,
    "greater": _op.gt,
    "less": _op.lt,
    "greaterorequal": _op.ge,
    "lessorequal": _op.le,
}


def _typed(coerce: Callable[[Any], Any], compare: Callable[[Any, Any], bool]) -> Callable[
    [Any, Any], bool
]:
    def test(a: Any, b: Any) -> bool:
        if b is None:
            return False
        value = coerce(a)
        return value is not None and compare(value, b)

    return test


def _lower_text(value: Any) -> str:
    return to_text(value).lower()


_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*$")


def to_time_seconds(value: Any) -> int | None:
    """Seconds since midnight of a time `HH:mm[:ss]`, or of a date's time of day."""
    if isinstance(value, datetime):
        return value.hour * 3600 + value.minute * 60 + value.second
    if not isinstance(value, str):
        return None
    match = _TIME.match(value)
    if match:
        hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
        if hours < 24 and minutes < 60 and seconds < 60:
            return hours * 3600 + minutes * 60 + seconds
        return None
    if "T" in value:  # an ISO date-time: compare its time of day
        date = to_date(value)
        return None if date is None else to_time_seconds(date)
    return None


_SEMVER = re.compile(
    r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$"
)


def semver_key(value: Any) -> tuple[Any, ...] | None:
    """A sort key following semver precedence (a pre-release sorts before its release)."""
    if value is None or isinstance(value, bool):
        return None
    match = _SEMVER.match(to_text(value))
    if not match:
        return None
    core = (int(match[1]), int(match[2] or 0), int(match[3] or 0))
    if match[4] is None:
        return (*core, 1, ())
    parts = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in match[4].split(".")
    )
    return (*core, 0, parts)


def compile_pattern(pattern: Any, *, ignore_case: bool) -> JsPattern | None:
    """A JavaScript regular expression (time-limited, engine.patterns); None when invalid."""
    try:
        return compile_js(to_text(pattern), "i" if ignore_case else "")
    except PatternError:
        return None


def _as_items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _array_length(value: Any) -> int | None:
    if value is None:
        return 0
    return len(value) if isinstance(value, list) else None


def _text_test(check: Callable[[str, str], bool], read: Callable[[Any], str], *,
               negate: bool) -> Callable[[Any, Any], bool]:
    if negate:
        return lambda a, b: not check(read(a), b)
    return lambda a, b: check(read(a), b)


def _negated(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: not test(a, b)


def _build_table() -> dict[str, Operator]:
    table: dict[str, Operator] = {}

    def add(name: str, test: Callable[[Any, Any], bool], prepare: Callable[[Any], Any] = to_text,
            unary: bool = False) -> None:
        table[name] = Operator(name, test, prepare, unary)

    add("exist", lambda a, _b: not is_empty(a), lambda b: None, unary=True)
    add("notexist", lambda a, _b: is_empty(a), lambda b: None, unary=True)

    # text, with and without :ci
    text_tests: dict[str, Callable[[str, str], bool]] = {
        "equal": _op.eq,
        "contain": lambda a, b: b in a,
        "startwith": str.startswith,
        "endwith": str.endswith,
    }
    for ci in (False, True):
        suffix = ":ci" if ci else ""
        read = _lower_text if ci else to_text
        for name, check in text_tests.items():
            add(f"text:{name}{suffix}", _text_test(check, read, negate=False), read)
            add(f"text:not{name}{suffix}", _text_test(check, read, negate=True), read)

        def prep_pattern(b: Any, ci: bool = ci) -> JsPattern | None:
            return compile_pattern(b, ignore_case=ci)

        add(f"text:pattern{suffix}",
            lambda a, rx: rx is not None and rx.search(to_text(a)) is not None, prep_pattern)
        add(f"text:notpattern{suffix}",
            lambda a, rx: rx is not None and rx.search(to_text(a)) is None, prep_pattern)

    families: dict[str, Callable[[Any], Any]] = {
        "number": to_number,
        "date": to_date,
        "time": to_time_seconds,
        "semver": semver_key,
    }
    for family, coerce in families.items():
        for name, compare in _COMPARE.items():
            add(f"{family}:{name}", _typed(coerce, compare), coerce)

    for ci in (False, True):
        suffix = ":ci" if ci else ""
        read = _lower_text if ci else to_text

        def contains(a: Any, b: str, r: Callable[[Any], str] = read) -> bool:
            return any(r(item) == b for item in _as_items(a))

        add(f"array:contain{suffix}", contains, read)
        add(f"array:notcontain{suffix}", _negated(contains), read)
    for name, compare in _COMPARE.items():
        add(f"array:{name}", _typed(_array_length, compare), to_number)

    for name in ("equal", "notequal"):
        add(f"boolean:{name}", _typed(to_bool, _COMPARE[name]), to_bool)
    return table


OPERATORS: dict[str, Operator] = _build_table()


def find_operator(name: Any) -> Operator | None:
    """The operator called `name`; `string:` is accepted as an alias of `text:`."""
    if not isinstance(name, str):
        return None
    found = OPERATORS.get(name)
    if found is None and name.startswith("string:"):
        found = OPERATORS.get("text:" + name[len("string:"):])
    return found


def _unknown_operator(name: str) -> Operator:
    """Stands in for an operator we don't know: the blueprint loads and keeps it; only
    evaluating the condition fails, naming it."""

    def test(_a: Any, _b: Any) -> bool:
        raise IMLError(f"unknown filter operator {name!r}: Scenarist cannot evaluate it")

    return Operator(name, test)


# ---- compiling --------------------------------------------------------------------------


def _operand(value: Any) -> tuple[Evaluate | None, Any]:
    """(evaluator, None) for an IML template, (None, value) for a constant."""
    if isinstance(value, str) and "{{" in value:
        from engine.iml import compile_template

        return compile_template(value), None
    return None, value


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """One condition ready to run (`test`) or to be explained (the other fields)."""

    operator: Operator
    a: Any  # the source texts, for the debugger
    b: Any
    read_a: Evaluate
    read_b: Evaluate
    test: Predicate


def _constant(value: Any) -> Evaluate:
    return lambda _scope: value


def compile_condition(condition: Any, *, where: str | None = None,
                      module_id: int | None = None) -> CompiledCondition:
    a, o, b = _parts(condition)
    found = find_operator(o)
    if found is None:
        if not isinstance(o, str) or not o:
            raise BlueprintError(f"unknown filter operator {o!r}", module_id=module_id,
                                 path=where)
        found = _unknown_operator(o)
    try:
        eval_a, const_a = _operand(a)
        eval_b, const_b = _operand(None if found.unary else b)
    except IMLError as error:
        raise BlueprintError(f"filter operand: {error}", module_id=module_id,
                             path=where) from error
    test_op, prepare = found.test, found.prepare
    read_a = eval_a or _constant(const_a)
    read_b = eval_b or _constant(const_b)

    # Constant sides are not decided here: evaluating may fail (a pattern's time limit,
    # an unknown operator), and that must happen when the filter runs, not at load.
    test: Predicate
    if eval_b is None:
        prepared = prepare(const_b)
        if eval_a is None:
            test = lambda _scope: test_op(const_a, prepared)  # noqa: E731
        else:
            test = lambda scope: test_op(eval_a(scope), prepared)  # noqa: E731
    elif eval_a is None:
        test = lambda scope: test_op(const_a, prepare(eval_b(scope)))  # noqa: E731
    else:
        test = lambda scope: test_op(eval_a(scope), prepare(eval_b(scope)))  # noqa: E731
    if where is not None:
        test = _located(test, where, module_id)
    return CompiledCondition(found, a, b, read_a, read_b, test)


def _located(test: Predicate, where: str, module_id: int | None) -> Predicate:
    """`test` whose errors say which condition failed (the caller adds the module)."""

    def located(scope: Scope) -> bool:
        try:
            return test(scope)
        except IMLError as exc:
            raise exc.at(module_id, where) from None

    return located


def _parts(condition: Any) -> tuple[Any, Any, Any]:
    if isinstance(condition, dict):
        return condition.get("a"), condition.get("o"), condition.get("b")
    return getattr(condition, "a", None), getattr(condition, "o", None), getattr(
        condition, "b", None
    )


def _all(tests: Sequence[Predicate]) -> Predicate:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda scope: first(scope) and second(scope)
    return lambda scope: all(test(scope) for test in tests)


def _any(tests: Sequence[Predicate]) -> Predicate:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda scope: first(scope) or second(scope)
    return lambda scope: any(test(scope) for test in tests)


def _always(_scope: Scope) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class ConditionVerdict:
    """What the debugger shows for one condition: evaluated operands and the outcome."""

    a: Any
    o: str
    b: Any
    passed: bool


@dataclass(frozen=True, slots=True)
class FilterVerdict:
    passed: bool
    name: str | None = None
    groups: list[list[ConditionVerdict]] = field(default_factory=list)


class CompiledFilter:
    """Call it with a `Scope` to get the verdict; `explain(scope)` details every condition."""

    __slots__ = ("name", "groups", "trivial", "_test")

    def __init__(self, name: str | None, groups: list[list[CompiledCondition]]) -> None:
        self.name = name
        self.groups = groups
        # A group with no conditions passes, as Make's fallback routes with `[]` show.
        self.trivial = not groups or any(not group for group in groups)
        self._test: Predicate = _always if self.trivial else _any(
            [_all([c.test for c in group]) for group in groups]
        )

    def __call__(self, scope: Scope) -> bool:
        return self._test(scope)

    def explain(self, scope: Scope) -> FilterVerdict:
        """Every condition evaluated (no short-circuit), for the debugger."""
        groups = [
            [
                ConditionVerdict(
                    a=c.read_a(scope),
                    o=c.operator.name,
                    b=None if c.operator.unary else c.read_b(scope),
                    passed=c.test(scope),
                )
                for c in group
            ]
            for group in self.groups
        ]
        passed = self.trivial or any(all(v.passed for v in group) for group in groups)
        return FilterVerdict(passed=passed, name=self.name, groups=groups)


def compile_conditions(conditions: Any, *, name: str | None = None,
                       module_id: int | None = None, path: str | None = None) -> CompiledFilter:
    """The OR-of-AND list (a filter's or an If-Else branch's `conditions`)."""
    base = path or "conditions"
    groups = [
        [
            compile_condition(c, where=f"{base}[{i}][{j}]", module_id=module_id)
            for j, c in enumerate(group or [])
        ]
        for i, group in enumerate(conditions or [])
    ]
    return CompiledFilter(name, groups)


def compile_filter(filter: Filter | dict[str, Any] | None, *, module_id: int | None = None,
                   path: str | None = None) -> CompiledFilter:
    """A module's `filter`; None, no conditions or `[]` let every bundle through."""
    if filter is None:
        return CompiledFilter(None, [])
    if isinstance(filter, dict):
        name, conditions = filter.get("name"), filter.get("conditions")
    else:
        name, conditions = filter.name, filter.conditions
    where = f"{path}.conditions" if path else "filter.conditions"
    return compile_conditions(conditions, name=name, module_id=module_id, path=where)
