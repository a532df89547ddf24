"""The run report of `scenarist run --report json` (the acceptance suite's contract).

Reports and summaries are messages: the scenario's secrets (engine.sensitive) never appear in
them, whoever asks for one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.executor.events import Event, OperationFinished
from engine.executor.plan import Plan
from engine.executor.result import RunResult
from engine.sensitive import Redactor, scenario_secrets, secrets_of_source
from engine.values import to_json_value


class OutputCollector:
    """Listens to a run and keeps every module's output bundles, in order."""

    def __init__(self) -> None:
        self.outputs: dict[int, list[dict[str, Any]]] = {}

    def __call__(self, event: Event) -> None:
        if type(event) is OperationFinished and event.outputs:
            self.outputs.setdefault(event.module_id, []).extend(event.outputs)


def build_report(
    plan: Plan, result: RunResult, collector: OutputCollector | None = None,
    secrets: Iterable[str] = (),
) -> dict[str, Any]:
    """The report object; `collector=None` leaves out the bundles (`--report summary`).
    The blueprint's secrets (and `secrets`) are redacted from it."""
    modules: dict[str, Any] = {}
    for module_id in sorted(plan.steps, key=lambda i: (i < 0, abs(i))):
        entry: dict[str, Any] = {
            "module": plan.steps[module_id].module,
            "operations": result.operations_by_module.get(module_id, 0),
        }
        if collector is not None:
            entry["outputs"] = to_json_value(collector.outputs.get(module_id, []))
        entry["errors"] = to_json_value(result.errors_by_module.get(module_id, []))
        modules[str(module_id)] = entry
    report: dict[str, Any] = {
        "status": result.status,
        "operations": result.operations,
        "data_transfer": result.data_transfer,
        "webhook_response": to_json_value(result.webhook_response),
        "incomplete_executions": result.incomplete_executions,
        "error": to_json_value(result.error),
        "warnings": list(result.warnings),
        "modules": modules,
    }
    # A runtime's plan (its JSON dumped once, runtime.start) runs again and again: its
    # secrets are found once.
    found = (secrets_of_source(plan.source_json, secrets) if plan.source_json is not None
             else scenario_secrets(plan.blueprint, extra=secrets))
    redactor = Redactor(found.searchable())
    if redactor.secrets:
        return dict(redactor.value(report))
    # No known secret: only the messages can hold URL credentials (skip walking the bundles).
    report["error"] = redactor.value(report["error"])
    report["warnings"] = redactor.value(report["warnings"])
    for entry in modules.values():
        entry["errors"] = redactor.value(entry["errors"])
    return report


def summary_text(name: str, result: RunResult, secrets: Iterable[str] = ()) -> str:
    """The short human summary printed without `--report json` (URL credentials and
    `secrets` redacted; engine.runtime's `RunHandle.finish` has already redacted the
    blueprint's)."""
    lines = [
        f"{name}: {result.status}",
        f"  operations: {result.operations}   data transfer: {result.data_transfer} bytes",
    ]
    if result.incomplete_executions:
        lines.append(f"  incomplete executions: {result.incomplete_executions}")
    if result.error:
        where = f"module {result.error['module_id']}: " if "module_id" in result.error else ""
        lines.append(f"  error: {where}{result.error.get('message')}")
    for module_id, errors in sorted(result.errors_by_module.items()):
        for err in errors:
            lines.append(f"  module {module_id} error: {err.get('message')}")
    lines.extend(f"  warning: {w}" for w in result.warnings)
    if result.webhook_response is not None:
        lines.append(f"  webhook response: {result.webhook_response.get('status')}")
    return Redactor(secrets).text("\n".join(lines))
