"""Which module operations are activities in a scenario workflow, and the stand-in the walk
calls instead of their implementation.

An operation is an activity when it reaches outside the run: every asynchronous module (HTTP,
mail, files, feeds, apps' REST modules, sub-scenario calls) and every data store module. The
rest (IML, JSON, text parsing, variables, iterators, aggregators, the webhook's response)
is pure and runs inside the workflow, where a replay computes it again identically. Sleep is
a durable timer of the workflow (the walk's `asyncio.sleep` is Temporal's), not an activity.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from engine.errors import ModuleError
from engine.executor.plan import Plan, Step
from engine.spec import ModuleCall
from engine.temporal.activities import OPERATE
from engine.temporal.codec import decode, encode
from engine.temporal.retries import HEARTBEAT_TIMEOUT, OPERATION_RETRIES

INLINE_ASYNC = frozenset({"builtin:BasicFeeder", "util:FunctionSleep"})
EFFECT_APPS = frozenset({"datastore"})


def is_effect(step: Step) -> bool:
    if step.impl is None or step.module in INLINE_ASYNC:
        return False
    return step.is_async or step.module.split(":", 1)[0] in EFFECT_APPS


def node_json(step: Step) -> dict[str, Any]:
    """The module's own blueprint node, without the flows it owns."""
    data: dict[str, Any] = step.node.model_dump(mode="json", by_alias=True, exclude_unset=True)
    for key in ("routes", "onerror", "branches"):
        data.pop(key, None)
    return data


def module_error(exc: ActivityError) -> ModuleError:
    """The module's error, as the walk's error handlers expect it."""
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        detail = cause.details[0] if cause.details else None
        return ModuleError(cause.message, name=cause.type or "RuntimeError", detail=detail)
    if cause is not None and "timeout" in type(cause).__name__.lower():
        return ModuleError("The module did not finish in time (module timeout).",
                           name="ModuleTimeoutError")
    return ModuleError(str(cause or exc), name="RuntimeError")


def as_activity(step: Step, settings: dict[str, Any], context: dict[str, Any],
                timeout: timedelta) -> Callable[[ModuleCall], Awaitable[Any]]:
    node = node_json(step)

    async def operate(call: ModuleCall) -> Any:
        task = {"node": node, "settings": settings, "mapped": encode(call.mapper),
                "context": context}
        try:
            done = await workflow.execute_activity(
                OPERATE, task, start_to_close_timeout=timeout, heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=OPERATION_RETRIES,
                summary=f"{step.id} {step.module}")
        except ActivityError as exc:
            raise module_error(exc) from None
        for warning in done["warnings"]:
            call.run.warn(warning)
        if done["more"]:
            call.run.more = True
        return decode(done["outputs"])

    return operate


def route_effects(plan: Plan, settings: dict[str, Any], context: dict[str, Any],
                  timeout: timedelta) -> int:
    """Every effectful step's implementation replaced by its activity; how many."""
    count = 0
    for step in plan.steps.values():
        if is_effect(step):
            step.impl = as_activity(step, settings, context, timeout)
            step.is_async = True
            count += 1
    return count
