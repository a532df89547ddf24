"""What the executor tells its listeners. History, the inspector and the debugger subscribe;
the engine knows none of them. Nothing is built when nobody listens.

A listener that subclasses `RowListener` gets operations as rows in batches instead of one
`OperationFinished` each, and the bundles filters stopped as counts in `RunFinished` instead
of one `FilterEvaluated` each: no event object and no call per bundle (history records
100,000 operations a second this way). It gets every other event as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import orjson


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
    filtered: dict[int, int] = field(default_factory=dict)  # bundles each module's filter stopped


Event = RunStarted | OperationFinished | FilterEvaluated | RunFinished

Listener: TypeAlias = Callable[[Event], None]

# An OperationFinished as a row: (module_id, input, outputs, duration_ns, error,
# filter_passed), or just the first four when the module has no filter and did not fail
# (most operations: shorter to write and to compress). The duration is whole nanoseconds: an
# integer is cheaper to write than a float, and compresses several times better.
# `outputs` is the list of bundles, or (plain JSON data: nearly always) that list already
# written as JSON, an `orjson.Fragment`: the executor writes it once to count the data
# transfer, and history embeds the text instead of writing the bundles again (the bundles
# are freed at once instead of living until their batch is written).
Outputs: TypeAlias = "list[dict[str, Any]] | orjson.Fragment"
OperationRow: TypeAlias = (
    tuple[int, dict[str, Any], Outputs, int]
    | tuple[int, dict[str, Any], Outputs, int, "dict[str, Any] | None", "bool | None"]
)


def row_outcome(row: OperationRow) -> tuple[dict[str, Any] | None, bool | None]:
    """A row's (error, filter_passed)."""
    return (row[4], row[5]) if len(row) > 4 else (None, None)


def row_bundles(outputs: Outputs) -> list[dict[str, Any]]:
    """A row's output bundles as values (read back when they were kept as JSON)."""
    if isinstance(outputs, orjson.Fragment):
        bundles: list[dict[str, Any]] = orjson.loads(orjson.dumps(outputs))
        return bundles
    return outputs


ROWS_BATCH = 128  # rows gathered before the executor hands them over (see RowListener)


class RowListener:
    """A listener that takes operations as rows (see the module's docstring).

    The executor hands over the rows gathered so far, in order, with `take_rows`: when about
    ROWS_BATCH have gathered (few enough that a listener which writes them out at once frees
    their bundles before the garbage collector's young generation fills up), before an
    iterator's bundles are walked, at the end of every cycle (so one call's rows share a
    cycle), and before RunFinished. The list is the listener's to keep. Events other than
    OperationFinished and FilterEvaluated still come through `__call__`.

    `rows_as_json`: plain outputs come as their JSON text (an orjson.Fragment); a listener
    that only counts them (history of a confidential scenario) sets it False to get lists."""

    rows_as_json = True

    def __call__(self, event: Event) -> None:
        raise NotImplementedError

    def take_rows(self, rows: list[OperationRow]) -> None:
        raise NotImplementedError
