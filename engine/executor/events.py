"""What the executor tells its listeners. History, the inspector and the debugger subscribe;
the engine knows none of them. Nothing is built when nobody listens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
