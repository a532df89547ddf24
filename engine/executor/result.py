"""What a run produced, for reports, history and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
