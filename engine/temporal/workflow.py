"""One execution of a scenario = one Temporal workflow (`ScenarioWorkflow`).

The executor's walk (routers, filters, iterators, aggregators, IML, error directives) runs
here as it runs locally, started by `start_run` like any run (policy `workflow`: nothing
around it), as deterministic workflow code: `now`, `uuid` and `random` come from the
workflow's replay-safe APIs (the engine takes them from RunServices only), the clock that
bounds a run is the workflow's, sleeps are durable timers, and each operation with an
external effect is an activity (engine.temporal.effects). A worker that dies mid-run is
replaced by another that replays this code against the history: finished operations are
read from it, not run again.

Input: {blueprint, scenario, execution_id, request, data_dir (the workspace, when the
submitter names one), report: "json" | "summary" | None, store_incomplete}. Result:
{report, status, incomplete_ids, webhook_response}. The query `webhook_response` answers
what `gateway:WebhookRespond` set, as soon as it is set.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from engine.connections.runtime import PREPARED_RESOURCE, Prepared
    from engine.context import RunServices
    from engine.executor.connections import credential_refs
    from engine.executor.plan import Plan, compile_plan
    from engine.executor.result import RunResult
    from engine.limits import DEFAULT_LIMITS, RunLimits
    from engine.loading import blueprint_from_data
    from engine.registry import Registry
    from engine.report import OutputCollector, build_report
    from engine.runtime.policy import RunPolicy
    from engine.runtime.start import start_run
    from engine.temporal import activities
    from engine.temporal.codec import decode, encode
    from engine.temporal.effects import module_error, route_effects

WORKFLOW = "scenarist.scenario"
# Set by the worker that hosts the workflows: built-ins plus the apps of its workspace.
registry: Registry | None = None
# The module timeout is each operation's activity timeout; the run's duration is the
# workflow's, so neither is measured by the walk.
LIMITS = RunLimits(DEFAULT_LIMITS.max_value_bytes, None, None,
                   DEFAULT_LIMITS.regex_timeout_seconds)
OPERATION_TIMEOUT = timedelta(seconds=DEFAULT_LIMITS.module_timeout_seconds or 3600)


class WorkflowServices(RunServices):
    """A run's services with the workflow's deterministic clock, randomness and uuids."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(now=workflow.now, clock=workflow.time, limits=LIMITS, **kwargs)
        self.random = workflow.random().random
        self.uuid = lambda: str(workflow.uuid4())


def _refused(plan: Plan, error: dict[str, Any], warnings: list[str]) -> RunResult:
    """What the walk's initialization returns when a connection fails to open."""
    return RunResult(status="error", operations=0, data_transfer=0, incomplete_executions=0,
                     operations_by_module=dict.fromkeys(plan.steps, 0), errors_by_module={},
                     webhook_response=None, warnings=warnings, error=error)


@workflow.defn(name=WORKFLOW)
class ScenarioWorkflow:
    def __init__(self) -> None:
        self._services: RunServices | None = None

    @workflow.query(name="webhook_response")
    def webhook_response(self) -> Any:
        services = self._services
        return encode(services.webhook_response) if services is not None else None

    @workflow.run
    async def run(self, task: dict[str, Any]) -> dict[str, Any]:
        blueprint = blueprint_from_data(task["blueprint"])
        plan = compile_plan(blueprint, registry)
        scenario = task.get("scenario") or blueprint.name or ""
        execution_id = task.get("execution_id") or str(workflow.uuid4().hex)
        context = {"scenario": scenario, "execution_id": execution_id,
                   "data_dir": task.get("data_dir")}
        settings = blueprint.metadata.scenario.model_dump(mode="json", exclude_unset=True)
        route_effects(plan, settings, context, OPERATION_TIMEOUT)
        collector = OutputCollector() if task.get("report") == "json" else None
        handle = start_run(
            None, blueprint, RunPolicy.workflow(), plan=plan, scenario=scenario,
            request=decode(task.get("request")), execution_id=execution_id,
            services_type=WorkflowServices, listeners=[collector] if collector else [])
        services = self._services = handle.services
        refused = await self._open_connections(plan, task, context, services)
        result = refused or await handle.run()
        incomplete_ids: list[str] = []
        if result.incomplete and task.get("store_incomplete", True):
            incomplete_ids = await workflow.execute_activity(
                activities.STORE_INCOMPLETE,
                {"blueprint": task["blueprint"], "incomplete": [
                    encode(vars(state)) for state in result.incomplete],
                 "context": {**context, "request": task.get("request")}},
                start_to_close_timeout=timedelta(minutes=2))
        report = build_report(plan, result, collector) if task.get("report") else None
        return {"report": report, "status": result.status, "incomplete_ids": incomplete_ids,
                "webhook_response": encode(result.webhook_response)}

    async def _open_connections(self, plan: Plan, task: dict[str, Any],
                                context: dict[str, Any], services: RunServices
                                ) -> RunResult | None:
        """Make's initialization, on a worker: the scenario's connections exist there and
        are fresh (the walk then finds them prepared); the refused run, if not."""
        if plan.unsupported or not credential_refs(plan.steps.values()):
            return None  # the walk refuses unsupported modules itself
        try:
            warnings = await workflow.execute_activity(
                activities.OPEN_CONNECTIONS, {"blueprint": task["blueprint"],
                                              "context": context},
                start_to_close_timeout=timedelta(minutes=2))
        except ActivityError as exc:
            error = module_error(exc)
            return _refused(plan, {"name": error.name, "message": error.message},
                            services.warnings)
        for warning in warnings:
            services.warn(warning)
        services.resource(PREPARED_RESOURCE, lambda: Prepared({}, []))
        return None
