"""Submitting scenario executions to a cluster: one workflow each, on a task queue that
`scenarist worker` processes serve."""

from __future__ import annotations

import uuid
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy

from engine.blueprint import Blueprint
from engine.runtime.start import blueprint_json
from engine.temporal.codec import decode, encode
from engine.temporal.worker import DEFAULT_TASK_QUEUE
from engine.temporal.workflow import WORKFLOW


async def start_execution(
    client: Client, blueprint: Blueprint, *, scenario: str, request: Any = None,
    report: str | None = None, task_queue: str = DEFAULT_TASK_QUEUE,
    execution_id: str | None = None, data_dir: str | None = None,
    workflow_id: str | None = None,
    id_reuse: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
) -> WorkflowHandle[Any, dict[str, Any]]:
    """Start one execution; returns once the cluster has accepted it. With a `workflow_id`
    another node may have started too (engine.temporal.ids), a second start raises
    temporalio's WorkflowAlreadyStartedError: while that workflow runs, and after it closed
    as `id_reuse` says (REJECT_DUPLICATE: always, within the namespace's retention)."""
    execution_id = execution_id or uuid.uuid4().hex
    task = {"blueprint": blueprint_json(blueprint), "scenario": scenario,
            "execution_id": execution_id, "request": encode(request), "report": report,
            "data_dir": data_dir}
    return await client.start_workflow(
        WORKFLOW, task, id=workflow_id or f"scenarist-{execution_id}", task_queue=task_queue,
        result_type=dict, id_reuse_policy=id_reuse)


async def webhook_response(handle: WorkflowHandle[Any, Any]) -> Any:
    """What the run's WebhookRespond set so far (None before)."""
    return decode(await handle.query("webhook_response"))
