"""The IML function library: one file per family, all registered in `FUNCTIONS`.

A function receives its evaluated arguments as Python values (see engine.values for the
types). Declared with `scope=True` it also receives the `Scope` first (for `now`, the time
zone). Functions that must not evaluate all their arguments (`if`, `ifempty`, `switch`) are
compiled specially by engine.iml.compiler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FunctionDef:
    name: str
    fn: Callable[..., Any]
    scope: bool = False  # receives the Scope as first argument


FUNCTIONS: dict[str, FunctionDef] = {}


def iml_function(
    name: str, *, scope: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in FUNCTIONS:
            raise ValueError(f"IML function {name} declared twice")
        FUNCTIONS[name] = FunctionDef(name, fn, scope)
        return fn

    return wrap


def _load() -> None:
    # Imported for their @iml_function registrations.
    from engine.iml.functions import array, date, general, math, text  # noqa: F401


_load()
