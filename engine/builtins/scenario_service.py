"""Make's scenario-service app: one scenario calling another (engine.subscenarios).

- `scenario-service:StartSubscenario` (v2) starts a sub-scenario: its bundle is the inputs the
  caller gave (also `{{var.input.x}}`); run on its own, the inputs are empty.
- `scenario-service:CallSubscenario` (v2; parameters `scenario`, `shouldWaitForExecutionEnd`,
  mapper `data` = the inputs, as real exports carry them) runs the sub-scenario. Waiting, its
  bundle is the sub-scenario's outputs and a failed sub-scenario fails this module; not
  waiting, its bundle is `{executionId}` (the interface real exports show) and the
  sub-scenario runs beside the rest of this run, which ends once it has.
- `scenario-service:ReturnData` (v1/v2; mapper = the outputs) gives the caller its outputs;
  the first one a run reaches counts (a later one is a warning), as a webhook has one answer.

A deterministic replay of the caller feeds back what the sub-scenario returned then, without
running it.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from engine.errors import ModuleError
from engine.spec import FieldSpec, ModuleCall, ModuleTable
from engine.subscenarios import (
    ChildRun,
    find_subscenario,
    run_subscenario,
    typed_inputs,
    typed_outputs,
)
from engine.values import to_bool, to_text

MODULES = ModuleTable()
_PENDING = "subscenarios.pending"


@MODULES.module(
    "scenario-service:StartSubscenario",
    label="Start scenario",
    kind="trigger",
    description="Starts when another scenario calls this one; outputs the inputs it gave.",
)
def start_subscenario(call: ModuleCall) -> list[dict[str, Any]]:
    return [dict(call.run.inputs)]


@MODULES.module(
    "scenario-service:ReturnData",
    label="Return output",
    kind="responder",
    description="Gives the calling scenario this scenario's outputs.",
)
def return_data(call: ModuleCall) -> list[dict[str, Any]]:
    if call.run.returned is not None:
        call.run.warn(f"module {call.module_id}: this run already returned its output; "
                      "this output is ignored")
    else:
        call.run.returned = dict(call.mapper)
    return [{}]


def _label(call: ModuleCall) -> str | None:
    """The called scenario's name as the export's designer kept it."""
    blueprint = call.run.blueprint
    if blueprint is None:
        return None
    for _path, node in blueprint.walk():
        if node.id == call.module_id:
            restore = (node.metadata or {}).get("restore") or {}
            label = ((restore.get("parameters") or {}).get("scenario") or {}).get("label")
            return to_text(label) if label else None
    return None


class _Pending:
    """Sub-scenarios started without waiting: the calling run ends once they have."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[None]] = []

    async def aclose(self) -> None:
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)


def _child_error(sub_name: str, child: ChildRun) -> ModuleError:
    error = child.result.error or {}
    return ModuleError(
        f"sub-scenario {sub_name!r} failed (execution {child.execution_id}): "
        f"{error.get('message') or 'see its run'}",
        name=str(error.get("name") or "RuntimeError"),
        detail={"executionId": child.execution_id})


@MODULES.module(
    "scenario-service:CallSubscenario",
    label="Call a scenario",
    kind="action",
    description="Runs another scenario of the workspace with inputs; waits for its outputs "
                "or not.",
    parameters=[
        FieldSpec(name="scenario", label="Scenario", required=True,
                  help="Make's id (SCN_123), or the name of a scenario of the workspace"),
        FieldSpec(name="shouldWaitForExecutionEnd", type="boolean",
                  label="Wait for subscenario output", required=True, default=True),
    ],
    mapper=[FieldSpec(name="data", type="collection", label="Scenario Inputs")],
    interface=[FieldSpec(name="executionId", label="Execution ID")],
)
async def call_subscenario(call: ModuleCall) -> list[dict[str, Any]]:
    effects = call.run.effects
    if effects is not None and effects.replaying:  # what it returned then
        recorded: dict[str, Any] = effects.take("subscenario", dict)
        if recorded.get("error"):
            raise ModuleError(recorded["error"]["message"], name=recorded["error"]["name"])
        return [recorded["output"]]
    try:
        output = await _call(call)
    except ModuleError as exc:
        if effects is not None:
            effects.record("subscenario", {"error": {"name": exc.name, "message": exc.message}})
        raise
    if effects is not None:
        effects.record("subscenario", {"output": output})
    return [output]


async def _call(call: ModuleCall) -> dict[str, Any]:
    run = call.run
    if run.data_dir is None:
        raise ModuleError("sub-scenarios run only in a workspace (this run has none)",
                          name="InvalidConfigurationError")
    sub = find_subscenario(run.data_dir, call.parameters.get("scenario"), _label(call))
    input_spec, output_spec = sub.interface()
    given = call.mapper.get("data")
    inputs = typed_inputs(input_spec, given if isinstance(given, dict) else {}, sub.name)
    if not to_bool(call.parameters.get("shouldWaitForExecutionEnd", True)):
        execution_id = uuid.uuid4().hex
        pending: _Pending = run.resource(_PENDING, _Pending)

        async def in_background() -> None:
            try:
                child = await run_subscenario(run, sub, inputs, execution_id=execution_id)
            except ModuleError as exc:
                run.warn(f"module {call.module_id}: sub-scenario {sub.name!r}: {exc.message}")
                return
            if child.result.status == "error":
                run.warn(f"module {call.module_id}: {_child_error(sub.name, child).message}")

        pending.tasks.append(asyncio.create_task(in_background()))
        return {"executionId": execution_id}
    child = await run_subscenario(run, sub, inputs)
    if child.result.status == "error":
        raise _child_error(sub.name, child)
    if child.result.status == "warning":
        run.warn(f"module {call.module_id}: sub-scenario {sub.name!r} ended with a warning "
                 f"(execution {child.execution_id})")
    return typed_outputs(output_spec, child.returned)
