"""IML keywords (`now`, `null`, `space`, ...) and the named roots a reference may start with."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from engine.iml.scope import Scope

# Keywords whose value never changes: safe to fold at compile time.
CONSTANT_KEYWORDS: dict[str, Any] = {
    "null": None,
    "true": True,
    "false": False,
    "emptystring": "",
    "space": " ",
    "tab": "\t",
    "newline": "\n",
    "nbsp": "\u00a0",
    "carriagereturn": "\r",
    "pi": math.pi,
    # Make's "leave the field unfilled" / "clear the field" markers; null until modules
    # learn to tell them apart.
    "ignore": None,
    "erase": None,
}


def _timestamp(scope: Scope) -> int:
    return int(scope.now().timestamp())


# Keywords read at run time (the clock, randomness, the run) or that must give a fresh
# mutable value to every evaluation.
RUNTIME_KEYWORDS: dict[str, Callable[[Scope], Any]] = {
    "now": lambda scope: scope.now(),
    "timestamp": _timestamp,
    "random": lambda scope: scope.random(),
    "uuid": lambda scope: scope.uuid(),
    "executionId": lambda scope: scope.execution_id,
    "emptyarray": lambda scope: [],
}

KEYWORDS: frozenset[str] = frozenset(CONSTANT_KEYWORDS) | frozenset(RUNTIME_KEYWORDS)

# Names that start a reference instead of a module id: `var.scenario.name` in scenarios,
# and the roots custom-app IML reads (`parameters.id`, `body.data`, ...).
NAMED_ROOTS: frozenset[str] = frozenset(
    {
        "var",
        "parameters",
        "connection",
        "body",
        "headers",
        "item",
        "temp",
        "data",
        "oauth",
        "common",
        "response",
        "query",
        "environment",
    }
)
