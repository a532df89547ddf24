"""One execution of a scenario = one Temporal workflow (`ScenarioWorkflow`).

The executor's walk (routers, filters, iterators, aggregators, IML, error directives) runs
here as it runs locally, as deterministic workflow code: `now`, `uuid` and `random` come from
the workflow's replay-safe APIs (the engine takes them from RunServices only), the clock that
bounds a run is the workflow's, sleeps are durable timers, and each operation with an
external effect is an activity (engine.temporal.effects). A worker that dies mid-run is
replaced by another that replays this code against the history: finished operations are
read from it, not run again.

Input: {blueprint, scenario, execution_id, request, data_dir (the workspace, when the
submitter names one), report: "json" | "summary" | None,
store_incomplete}. Result: {report, status, incomplete_ids}. The query `webhook_response`
answers what `gateway:WebhookRespond` set, as soon as it is set.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from engine.context import RunServices
    from engine.executor.connections import credential_refs
    from engine.executor.control import StopRun
    from engine.executor.plan import compile_plan
    from engine.executor.run import Executor
    from engine.limits import DEFAULT_LIMITS, RunLimits
    from engine.loading import blueprint_from_data
    from engine.registry import Registry
    from engine.report import OutputCollector, build_report
    from engine.temporal import activities
    from engine.temporal.codec import decode, encode
    from engine.temporal.effects import module_error, route_effects

WORKFLOW = "scenarist.scenario"
# Set by the worker that hosts the workflows: built-ins plus the apps of its workspace.
registry: Registry | None = None


class _WorkflowExecutor(Executor):
    """The executor whose initialization opens the connections on a worker."""

    blueprint_json: Any  # set before it runs
    context: dict[str, Any]

    async def _initialize(self) -> None:
        missing = self.plan.unsupported
        if missing or not credential_refs(self.plan.steps.values()):
            await super()._initialize()  # refuses unsupported modules; nothing to open
            return
        try:
            warnings = await workflow.execute_activity(
                activities.OPEN_CONNECTIONS,
                {"blueprint": self.blueprint_json, "context": self.context},
                start_to_close_timeout=timedelta(minutes=2))
        except ActivityError as exc:
            error = module_error(exc)
            raise StopRun("error", {"name": error.name, "message": error.message}) from None
        for warning in warnings:
            self.services.warn(warning)


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
        limits = DEFAULT_LIMITS
        # The module timeout is the activity's; the run's duration is the workflow's.
        timeout = timedelta(seconds=limits.module_timeout_seconds or 3600)
        settings = blueprint.metadata.scenario.model_dump(mode="json", exclude_unset=True)
        route_effects(plan, settings, context, timeout)
        services = self._services = RunServices(
            webhook_request=decode(task.get("request")),
            auto_commit=bool(blueprint.metadata.scenario.autoCommit is not False),
            scenario_name=scenario, execution_id=execution_id,
            now=workflow.now, sleep=asyncio.sleep, clock=workflow.time,
            limits=RunLimits(limits.max_value_bytes, None, None, limits.regex_timeout_seconds),
        )
        services.random = workflow.random().random
        services.uuid = lambda: str(workflow.uuid4())
        collector = OutputCollector() if task.get("report") == "json" else None
        executor = _WorkflowExecutor(plan, services, [collector] if collector else [])
        executor.blueprint_json, executor.context = task["blueprint"], context
        result = await executor.run()
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
