"""An automatic retry of an incomplete execution on the cluster: one workflow per attempt
(id from engine.temporal.ids, so nodes agree), running the attempt as one activity on a
worker (engine.temporal.retry_attempt). A lost worker's attempt goes to another (heartbeats,
as for operations); a refused one (its credentials missing, ...) fails the workflow with
the reason.

Input: {incomplete_id, attempt, context: {scenario, data_dir}}. Result: the attempt's
outcome (engine.temporal.retry_attempt)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from engine.temporal.retries import HEARTBEAT_TIMEOUT, OPERATION_RETRIES

RETRY_WORKFLOW = "scenarist.retry"
RETRY_ATTEMPT = "scenarist.retry_attempt"
# A retry runs the rest of a scenario: bounded by its own module timeouts, not by this.
ATTEMPT_TIMEOUT = timedelta(hours=12)


@workflow.defn(name=RETRY_WORKFLOW)
class RetryWorkflow:
    @workflow.run
    async def run(self, task: dict[str, Any]) -> dict[str, Any]:
        done: dict[str, Any] = await workflow.execute_activity(
            RETRY_ATTEMPT, task, start_to_close_timeout=ATTEMPT_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT, retry_policy=OPERATION_RETRIES,
            summary=f"retry {task['incomplete_id']} #{task['attempt']}")
        return done
