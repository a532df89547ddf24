"""A cluster run's result, rebuilt from the report its workflow returns (the report is what
crosses the cluster: plain JSON, secrets already redacted)."""

from __future__ import annotations

from typing import Any

from engine.executor.result import RunResult


def result_of(report: dict[str, Any]) -> RunResult:
    modules = report["modules"]
    return RunResult(
        status=report["status"], operations=report["operations"],
        data_transfer=report["data_transfer"],
        incomplete_executions=report["incomplete_executions"],
        operations_by_module={int(k): m["operations"] for k, m in modules.items()},
        errors_by_module={int(k): m["errors"] for k, m in modules.items() if m["errors"]},
        webhook_response=report["webhook_response"], warnings=list(report["warnings"]),
        error=report["error"])
