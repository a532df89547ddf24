"""What a run produced, for reports, history and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class IncompleteState:
    """What an incomplete execution keeps: the failed module, the bundles that were
    mappable into it, the execution variables, the error, and Break's retry settings."""

    module_id: int
    bundles: dict[Any, Any]
    error: dict[str, Any]
    retry: dict[str, Any] | None  # Break's mapper {retry, count, interval}; None: no Break
    execution_vars: dict[str, Any] = field(default_factory=dict)


@dataclass
class ResumePoint:
    """Where a retried incomplete execution starts again."""

    module_id: int
    roots: dict[Any, Any]
    execution_vars: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    status: str  # "success" | "warning" | "error"
    operations: int
    data_transfer: int
    incomplete_executions: int
    operations_by_module: dict[int, int]
    errors_by_module: dict[int, list[dict[str, Any]]]
    webhook_response: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None  # what ended the run, when it failed
    cycles: int = 0
    incomplete: list[IncompleteState] = field(default_factory=list)
