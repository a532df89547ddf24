"""Retrying incomplete executions: resume at the failed module with the stored bundles.

A retry is a new run (a new history entry, kind "retry", whose `resumed_from` names the
execution the incomplete execution came from). If it finishes without storing the state again
and without an error, the incomplete execution is resolved; otherwise it stays pending with one
more attempt, the new error and state, and its next automatic attempt (if any) scheduled.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.errors import ScenaristError
from engine.executor.plan import Plan, compile_plan
from engine.executor.result import ResumePoint, RunResult
from engine.executor.run import Listener
from engine.incomplete.schedule import next_retry_at
from engine.loading import blueprint_from_data
from engine.runtime.policy import RunPolicy
from engine.runtime.start import start_run
from engine.runtime.workspace import Workspace
from engine.store.incomplete import (
    PENDING,
    RESOLVED,
    Incomplete,
    due_incomplete,
    get_incomplete,
    list_incomplete,
    runnable,
    update_incomplete,
)


class RetryRefused(ScenaristError):
    pass


@dataclass
class RetryOutcome:
    incomplete: Incomplete  # as it is after the retry
    result: RunResult
    plan: Plan
    execution_id: str
    resolved: bool
    new_incomplete_ids: list[str] = field(default_factory=list)


async def retry_incomplete(
    workspace: Path | Workspace,
    incomplete_id: str,
    *,
    history: bool = True,
    listeners: Iterable[Listener] = (),
    trigger: str = "manual",
    now: datetime | None = None,
    guard: bool = True,
) -> RetryOutcome:
    """Resume one incomplete execution and record how it went. `guard=False`: no crash guard
    (a cluster retries the attempt itself when its worker is lost)."""
    ws = Workspace.of(workspace)
    engine = ws.state
    record = get_incomplete(engine, incomplete_id)
    if record.status != PENDING:
        raise RetryRefused(f"incomplete execution {record.id} is {record.status}: nothing to retry")
    stored = runnable(engine, record)  # its credentials back from the secret store
    if stored.missing:
        modules = ", ".join(str(m) for m in stored.missing)
        raise RetryRefused(
            f"incomplete execution {record.id}: the credentials of module"
            f"{'s' if len(stored.missing) > 1 else ''} {modules} are not in the secret store"
            f" ({stored.store}); enter them in the scenario and run it again")
    blueprint = blueprint_from_data(stored.blueprint_json)
    plan = compile_plan(blueprint)
    resume = ResumePoint(record.module_id, dict(stored.bundles), dict(stored.execution_vars))
    tracked = start_run(
        ws, blueprint, dataclasses.replace(RunPolicy.retry(history=history, trigger=trigger),
                                           guard=guard), plan=plan,
        scenario=record.scenario, request=stored.trigger, listeners=listeners, resume=resume,
        resumed_from=record.execution_id or None,
    )
    result = await tracked.run()
    tracked.finish(result)
    execution_id = tracked.execution_id or tracked.services.execution_id
    now = now or datetime.now(UTC)
    if result.status != "error" and not result.incomplete:
        update_incomplete(engine, record.id, status=RESOLVED, resolved_by=execution_id,
                          last_execution_id=execution_id, attempts=record.attempts + 1,
                          next_retry_at=None, now=now)
        return RetryOutcome(get_incomplete(engine, record.id), result, plan, execution_id, True)
    attempts = record.attempts + 1
    changes: dict[str, Any] = {"attempts": attempts, "last_execution_id": execution_id,
                               "next_retry_at": next_retry_at(record.retry, attempts, now)}
    new_ids: list[str] = []
    if result.incomplete:
        state, *others = result.incomplete
        changes.update(module_id=state.module_id, bundles=state.bundles,
                       execution_vars=state.execution_vars, error=state.error)
        if others:  # the retried route stored more than one bundle: each is its own
            new_ids = tracked.save_incomplete(others, now)
    elif result.error is not None:
        changes["error"] = {k: v for k, v in result.error.items() if k != "module_id"}
    update_incomplete(engine, record.id, now=now, secrets=tracked.secret_values(), **changes)
    return RetryOutcome(get_incomplete(engine, record.id), result, plan, execution_id, False,
                        new_ids)


def pending(workspace: Path | Workspace, scenario: str | None = None) -> list[Incomplete]:
    return list_incomplete(Workspace.of(workspace).state, scenario=scenario)


def due(workspace: Path | Workspace, now: datetime) -> list[Incomplete]:
    """Incomplete executions whose automatic retry is due (for the runtime's scheduler)."""
    return due_incomplete(Workspace.of(workspace).state, now)


async def retry_due(workspace: Path | Workspace, now: datetime, *, history: bool = True
                    ) -> list[RetryOutcome]:
    """Run every automatic retry that is due, oldest first, one at a time."""
    return [await retry_incomplete(workspace, record.id, history=history, trigger="schedule",
                                   now=now)
            for record in due(workspace, now)]
