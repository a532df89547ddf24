"""The activities a scenario workflow calls: every module operation with an external effect
(HTTP, app modules, data store reads and writes), the run's initialization (its connections)
and its end (incomplete executions stored). They run on a worker, in the worker's workspace:
secrets are read there, from its keyring or its encrypted file, and never leave it.

An operation gets the module's own blueprint node and its mapped input, never the scenario's
credentials; it returns the module's bundles. A module's error becomes an ApplicationError of
Make's error name, which goes back to the walk, whose error handlers decide as they do
locally (engine.temporal.retries says what Temporal retries: a lost worker).
"""

from __future__ import annotations

import asyncio
import inspect
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from engine.context import RunServices
from engine.errors import ModuleError
from engine.executor.plan import Plan, compile_plan
from engine.iml.scope import Scope
from engine.loading import blueprint_from_data
from engine.registry import Registry
from engine.runtime.workspace import Workspace
from engine.spec import ModuleCall
from engine.temporal.codec import decode, encode
from engine.temporal.retries import HEARTBEAT_EVERY_S
from engine.temporal.retry_workflow import RETRY_ATTEMPT

OPERATE = "scenarist.operate"
OPEN_CONNECTIONS = "scenarist.open_connections"
STORE_INCOMPLETE = "scenarist.store_incomplete"


@lru_cache(maxsize=512)
def _plan(source: bytes, registry: Registry | None) -> Plan:
    return compile_plan(blueprint_from_data(orjson.loads(source)), registry)


def _failure(exc: ModuleError) -> ApplicationError:
    """A module's error, for the walk to handle (engine.temporal.retries). Benign: the
    scenario's outcome, not the worker's trouble, so the worker does not log it as one."""
    return ApplicationError(exc.message, exc.detail, type=exc.name, non_retryable=True,
                            category=ApplicationErrorCategory.BENIGN)


async def _heartbeat() -> None:
    """Tell the cluster this worker is alive while an operation runs."""
    while True:
        activity.heartbeat()
        await asyncio.sleep(HEARTBEAT_EVERY_S)


class ScenarioActivities:
    """The activities of one worker, bound to its workspace (and registry of apps)."""

    def __init__(self, workspace: Workspace, registry: Registry | None = None, *,
                 any_workspace: bool = False) -> None:
        self.workspace = workspace
        self.registry = registry
        # Whether a run may name the workspace it runs in (its submitter's --data-dir): a
        # worker that follows runs can read any workspace it reaches, credentials included,
        # so only when asked (tests, one host whose users all own the cluster).
        self.any_workspace = any_workspace

    def services(self, context: dict[str, Any]) -> RunServices:
        return RunServices(
            data_dir=self.folder(context),
            scenario_name=context.get("scenario", ""),
            execution_id=context.get("execution_id", ""),
            auto_commit=True,  # each operation is its own activity: nothing is held over
        )

    def folder(self, context: dict[str, Any]) -> Path:
        """The worker's workspace, or the one the run names when the worker allows it."""
        named = context.get("data_dir")
        return Path(named) if named and self.any_workspace else self.workspace.folder

    @activity.defn(name=OPERATE)
    async def operate(self, task: dict[str, Any]) -> dict[str, Any]:
        """One operation of one module: {node, scenario_settings, mapped, context}."""
        source = orjson.dumps({"name": task["context"].get("scenario", ""),
                               "flow": [task["node"]],
                               "metadata": {"scenario": task.get("settings") or {}}})
        plan = _plan(source, self.registry)
        step = plan.steps[int(task["node"]["id"])]
        services = self.services(task["context"])
        beating = asyncio.create_task(_heartbeat())
        try:
            if step.impl is None:
                raise ModuleError(f"module {step.module} is not installed on this worker",
                                  name="InvalidConfigurationError")
            from engine.connections import prepare_run

            prepare_run(services.data_dir, [step], services)
            call = ModuleCall(step.id, step.parameters, decode(task["mapped"]), services,
                              Scope({}, now=services.now, execution_id=services.execution_id))
            outputs = step.impl(call)
            if inspect.isawaitable(outputs):
                outputs = await outputs
            for resource in services.transactional():
                resource.commit()
        except ModuleError as exc:
            for resource in services.transactional():
                resource.rollback()
            raise _failure(exc) from None
        finally:
            beating.cancel()
            await services.aclose()
        return {"outputs": encode(list(outputs)), "warnings": services.warnings,
                "more": services.more}

    @activity.defn(name=OPEN_CONNECTIONS)
    async def open_connections(self, task: dict[str, Any]) -> list[str]:
        """Make's initialization: the scenario's connections exist here and are fresh."""
        plan = _plan(orjson.dumps(task["blueprint"]), self.registry)
        services = self.services(task["context"])
        from engine.connections import open_run

        try:
            await open_run(plan.steps.values(), services)
        except ModuleError as exc:
            raise _failure(exc) from None
        finally:
            await services.aclose()
        return services.warnings

    @activity.defn(name=RETRY_ATTEMPT)
    async def retry_attempt(self, task: dict[str, Any]) -> dict[str, Any]:
        """An automatic retry of an incomplete execution (engine.temporal.retry_attempt)."""
        from engine.incomplete.retry import RetryRefused
        from engine.temporal.retry_attempt import make_attempt

        beating = asyncio.create_task(_heartbeat())
        try:
            return await make_attempt(self.folder(task.get("context") or {}),
                                      task["incomplete_id"], int(task["attempt"]))
        except RetryRefused as exc:
            raise ApplicationError(str(exc), type="RetryRefused", non_retryable=True,
                                   category=ApplicationErrorCategory.BENIGN) from None
        finally:
            beating.cancel()

    @activity.defn(name=STORE_INCOMPLETE)
    async def store_incomplete(self, task: dict[str, Any]) -> list[str]:
        """The run's incomplete executions, stored in the shared state as a local run
        stores them (with their automatic-retry schedule)."""
        return await asyncio.to_thread(self._store_incomplete, task)

    def _store_incomplete(self, task: dict[str, Any]) -> list[str]:
        from engine.executor.result import IncompleteState
        from engine.runtime.policy import RunPolicy
        from engine.runtime.start import start_run

        blueprint = blueprint_from_data(task["blueprint"])
        context = task["context"]
        handle = start_run(
            self.folder(context), blueprint, RunPolicy.manual(history=False),
            scenario=context.get("scenario"), request=decode(context.get("request")),
            execution_id=context.get("execution_id"),
        )
        handle.release_guard()
        states = [IncompleteState(**decode(s)) for s in task["incomplete"]]
        return handle.save_incomplete(states)
