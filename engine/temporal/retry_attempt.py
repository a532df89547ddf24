"""One automatic retry of an incomplete execution, made on a worker (the activity behind
engine.temporal.retry_workflow): engine.incomplete.retry's own retry, in the worker's
workspace, so its bookkeeping is the local one and its secrets stay on the worker.

An activity may run again after its worker was lost. An attempt the stored record shows as
made already (more attempts counted, or resolved) is not made twice: the answer says so
(`made: false`). Operations that ran before the loss run again: the attempt resumes from the
stored state, as one operation of the cluster's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.incomplete.retry import RetryRefused, retry_incomplete
from engine.runtime.workspace import Workspace
from engine.store.incomplete import PENDING, get_incomplete


async def make_attempt(folder: Path, incomplete_id: str, attempt: int) -> dict[str, Any]:
    """Attempt number `attempt` (1 = the first retry); raises RetryRefused."""
    workspace = Workspace.of(folder)
    record = get_incomplete(workspace.state, incomplete_id)
    if record.status != PENDING or record.attempts >= attempt:
        return {"made": False, "status": record.status, "attempts": record.attempts}
    if record.attempts != attempt - 1:
        raise RetryRefused(f"incomplete execution {incomplete_id} has {record.attempts} "
                           f"attempts; attempt {attempt} is not the next")
    # No crash guard: were this worker lost, the cluster makes the attempt on another, and
    # a guard would make a serve node sharing the workspace store the run once more.
    outcome = await retry_incomplete(workspace, incomplete_id, trigger="schedule", guard=False)
    result = outcome.result
    return {"made": True, "execution_id": outcome.execution_id, "status": result.status,
            "operations": result.operations, "error": result.error,
            "resolved": outcome.resolved, "new_incomplete_ids": outcome.new_incomplete_ids}
