"""User regular expressions: JavaScript syntax, compiled once, always time-limited.

Make evaluates JavaScript patterns. Every place that runs a user's pattern (the filters'
`text:pattern`, IML's `replace`/`split`/`contains` with `/regex/flags`, the Text parser
modules, Switch) goes through `compile_js`, which translates the syntax that differs
(named groups, `\\k<name>`, `$` at the end, `[^]`, ASCII `\\d`/`\\w`) for the `regex`
package and caches the result. Every search, sub, split and finditer runs with the current
run's `regex_timeout_seconds` (engine.limits), so a pattern with catastrophic backtracking
(`^(a|aa)+$`) fails with `PatternTimeout` naming it instead of hanging the run; the caller
(compiler, executor, module) adds the module and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Protocol

import regex  # type: ignore[import-untyped]

from engine.errors import IMLError
from engine.limits import current, describe_seconds, too_large


class _MatchedPattern(Protocol):
    @property
    def groups(self) -> int: ...

    @property
    def groupindex(self) -> Mapping[str, int]: ...


class Match(Protocol):
    """What we use of a `regex` match (the package has no type stubs); shaped like
    `re.Match[str]`, whose `str | Any` results it copies."""

    @property
    def string(self) -> str: ...

    @property
    def re(self) -> _MatchedPattern: ...

    def group(self, group: int | str = 0, /) -> str | Any: ...

    def groups(self) -> tuple[str | Any, ...]: ...

    def groupdict(self) -> dict[str, str | Any]: ...

    def start(self, group: int | str = 0, /) -> int: ...

    def end(self, group: int | str = 0, /) -> int: ...


__all__ = ["JsPattern", "Match", "PatternError", "PatternTimeout", "compile_js",
           "translate_js_pattern"]


class PatternError(IMLError):
    """An invalid regular expression (or an unknown flag)."""


class PatternTimeout(IMLError):
    """A regular expression that ran longer than `regex_timeout_seconds`."""


# --- JavaScript syntax in the regex package ----------------------------------------------

_CLASS_ESCAPES = {"d": "0-9", "w": "A-Za-z0-9_"}
_JS_LETTER_ESCAPES = set("dDwWsSbBfnrtvxuck")
_OUTER_ESCAPES = {"d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]"}


def translate_js_pattern(pattern: str, *, multiline: bool = False) -> str:
    """The Python spelling of a JavaScript pattern (same matches, for the common syntax)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if in_class and nxt in _CLASS_ESCAPES:
                out.append(_CLASS_ESCAPES[nxt])
            elif not in_class and nxt in _OUTER_ESCAPES:
                out.append(_OUTER_ESCAPES[nxt])
            elif nxt == "c" and i + 2 < n and pattern[i + 2].isalpha():
                out.append(regex.escape(chr(ord(pattern[i + 2]) % 32)))  # \cJ: control char
                i += 3
                continue
            elif nxt.isascii() and nxt.isalpha() and nxt not in _JS_LETTER_ESCAPES:
                out.append(nxt)  # JS reads an unknown letter escape as the letter itself
            elif nxt == "k" and pattern.startswith("<", i + 2):
                end = pattern.find(">", i + 3)
                if end < 0:
                    out.append("\\k")
                else:
                    out.append(f"(?P={pattern[i + 3:end]})")
                    i = end + 1
                    continue
            else:
                out.append(ch + nxt)
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            elif ch == "[":
                out.append("\\[")  # literal in JS
                i += 1
                continue
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            if pattern.startswith("[^]", i):
                out.append("[\\s\\S]")  # JS: any character
                i += 3
                continue
            if pattern.startswith("[]", i):
                out.append("(?!)")  # JS: never matches
                i += 2
                continue
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            continue
        if ch == "(" and pattern.startswith("(?<", i) and not pattern.startswith(
            ("(?<=", "(?<!"), i
        ):
            out.append("(?P<")
            i += 3
            continue
        if ch == "$" and not multiline:
            out.append("\\Z")  # JS `$` never matches before a final newline
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


# --- compiled patterns -------------------------------------------------------------------

_FLAG_BITS = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL}
_IGNORED_FLAGS = "guy"  # global is the caller's business; unicode and sticky: no equivalent


def _shown(source: str) -> str:
    return source if len(source) <= 200 else source[:200] + "…"


class JsPattern:
    """A compiled JavaScript regular expression whose every use is time-limited."""

    __slots__ = ("source", "flags", "is_global", "compiled", "groups", "groupindex")

    def __init__(self, source: str, flags: str, compiled: Any) -> None:
        self.source = source
        self.flags = flags
        self.is_global = "g" in flags
        self.compiled = compiled
        self.groups: int = compiled.groups
        self.groupindex: dict[str, int] = dict(compiled.groupindex)

    def __repr__(self) -> str:
        return f"/{self.source}/{self.flags}"

    def _timeout(self, error: TimeoutError) -> PatternTimeout:
        seconds = current().regex_timeout_seconds
        return PatternTimeout(
            f"the regular expression /{_shown(self.source)}/{self.flags} took longer than "
            f"{describe_seconds(seconds)} to evaluate (it backtracks too much; simplify it)"
        )

    def search(self, text: str) -> Match | None:
        try:
            found: Match | None = self.compiled.search(
                text, timeout=current().regex_timeout_seconds
            )
        except TimeoutError as exc:
            raise self._timeout(exc) from None
        return found

    def finditer(self, text: str) -> list[Match]:
        """Every match (the time limit covers the whole scan)."""
        try:
            return list(self.compiled.finditer(text, timeout=current().regex_timeout_seconds))
        except TimeoutError as exc:
            raise self._timeout(exc) from None

    def split(self, text: str) -> list[str]:
        try:
            parts: list[str] = self.compiled.split(
                text, timeout=current().regex_timeout_seconds
            )
        except TimeoutError as exc:
            raise self._timeout(exc) from None
        return parts

    def sub(self, replace: Callable[[Match], str], text: str, *, count: int = 0,
            what: str = "the replaced text") -> str:
        """`text` with matches replaced; ValueTooLarge as soon as the result would pass the
        value limit (so `$&$&` nested 20 times never builds gigabytes)."""
        limit = current().max_value_bytes
        size = len(text)

        def one(match: Match) -> str:
            nonlocal size
            out = replace(match)
            size += len(out) - (match.end() - match.start())
            if size > limit:
                raise too_large(what, limit)
            return out

        try:
            result: str = self.compiled.sub(
                one, text, count=count, timeout=current().regex_timeout_seconds
            )
        except TimeoutError as exc:
            raise self._timeout(exc) from None
        return result


@lru_cache(maxsize=1024)
def compile_js(source: str, flags: str = "") -> JsPattern:
    """`/source/flags` compiled (cached); PatternError when invalid."""
    bits = 0
    for flag in flags:
        if flag in _FLAG_BITS:
            bits |= _FLAG_BITS[flag]
        elif flag not in _IGNORED_FLAGS:
            raise PatternError(f"unknown regular expression flag {flag!r}")
    try:
        compiled = regex.compile(translate_js_pattern(source, multiline="m" in flags), bits)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        raise PatternError(f"invalid regular expression /{_shown(source)}/: {exc}") from None
    return JsPattern(source, flags, compiled)
