"""What the executor tells its listeners. History, the inspector and the debugger subscribe;
the engine knows none of them. Nothing is built when nobody listens.

A listener that subclasses `RowListener` gets operations as rows in batches instead of one
`OperationFinished` each: no event object per operation, no call per operation (history
records 100,000 operations a second this way). It gets every other event as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias


@dataclass(slots=True)
class RunStarted:
    execution_id: str
    scenario: str


@dataclass(slots=True)
class OperationFinished:
    """One module ran once: its input (the evaluated mapper), its output bundles or error."""

    module_id: int
    input: dict[str, Any]
    outputs: list[dict[str, Any]]
    duration_s: float
    error: dict[str, Any] | None = None
    filter_passed: bool | None = None  # None: the module has no filter


@dataclass(slots=True)
class FilterEvaluated:
    """A filter in front of a module decided on a bundle (only emitted when it blocks)."""

    module_id: int
    passed: bool


@dataclass(slots=True)
class RunFinished:
    status: str
    operations: int
    data_transfer: int
    incomplete_executions: int
    errors: list[dict[str, Any]] = field(default_factory=list)


Event = RunStarted | OperationFinished | FilterEvaluated | RunFinished

Listener: TypeAlias = Callable[[Event], None]

# An OperationFinished as a row: (module_id, input, outputs, duration_s, error, filter_passed).
OperationRow: TypeAlias = tuple[
    int, dict[str, Any], list[dict[str, Any]], float, "dict[str, Any] | None", "bool | None"
]

ROWS_BATCH = 2000  # about how many rows gather before the executor hands them over


class RowListener:
    """A listener that takes operations as rows (see the module's docstring).

    The executor hands over the rows gathered so far, in order, with `take_rows`: when about
    ROWS_BATCH have gathered, at the end of every cycle (so one call's rows share a cycle),
    and before RunFinished. The list is the listener's to keep. Events other than
    OperationFinished still come through `__call__`."""

    def __call__(self, event: Event) -> None:
        raise NotImplementedError

    def take_rows(self, rows: list[OperationRow]) -> None:
        raise NotImplementedError
