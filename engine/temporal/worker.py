"""A worker: runs scenario workflows and their module activities for one task queue.

Start as many as needed, on any machine that reaches the cluster and the shared workspace
(its database); each reads secrets from its own keyring or encrypted file.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from engine.registry import Registry
from engine.runtime.workspace import Workspace
from engine.temporal import workflow as scenario_workflow
from engine.temporal.activities import ScenarioActivities
from engine.temporal.retry_workflow import RetryWorkflow

DEFAULT_TASK_QUEUE = "scenarist"


def make_worker(client: Client, workspace: Workspace, *, task_queue: str = DEFAULT_TASK_QUEUE,
                registry: Registry | None = None, max_concurrent: int = 50,
                any_workspace: bool = False) -> Worker:
    scenario_workflow.registry = registry
    hosted = ScenarioActivities(workspace, registry, any_workspace=any_workspace)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[scenario_workflow.ScenarioWorkflow, RetryWorkflow],
        activities=[hosted.operate, hosted.open_connections, hosted.store_incomplete,
                    hosted.retry_attempt],
        max_concurrent_activities=max_concurrent,
        # The engine is deterministic where the workflow needs it (time, uuid and random
        # come from the workflow); its modules are imported once, not per run.
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_all_modules()),
    )


async def connect(target: str, namespace: str = "default") -> Client:
    return await Client.connect(target, namespace=namespace)
