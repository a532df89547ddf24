"""`scenarist serve --engine temporal`: the runtime's runs start Temporal workflows instead of
running here (`Runtime.cluster`). Webhook intake, schedules, queues and history stay with
the serve node (several may run behind a load balancer); workers run the scenarios.

A webhook is answered once the cluster has accepted the workflow's start ("Accepted"),
unless its scenario has a Webhook response module: then the node waits for the response
the workflow sets (its `webhook_response` query), as a local run's caller waits. The run is
recorded in the node's history when its workflow ends (its report: status, operations,
errors; the operations' bundles stay in the cluster's workflow history).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING, Any

from temporalio.client import Client, WorkflowHandle

from engine.runtime.execution import Execution, Respond, failed
from engine.runtime.policy import RunPolicy
from engine.temporal.client import start_execution, webhook_response
from engine.temporal.recording import start_recording
from engine.temporal.results import result_of

if TYPE_CHECKING:
    from engine.runtime.loaded import LoadedScenario
    from engine.runtime.runtime import Runtime

RESPONSE_POLL_S = 0.02


class ClusterEngine:
    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    async def execute(self, runtime: Runtime, loaded: LoadedScenario, trigger: str, *,
                      request: dict[str, Any] | None = None, execution_id: str | None = None,
                      on_response: Respond | None = None) -> Execution:
        policy = (RunPolicy.webhook(history=runtime.history) if trigger == "webhook"
                  else RunPolicy.scheduled_run(history=runtime.history))
        execution_id = execution_id or uuid.uuid4().hex
        begun = time.monotonic()
        recorded = start_recording(
            runtime.workspace, loaded.blueprint, policy, plan=loaded.plan, scenario=loaded.name,
            request=request, execution_id=execution_id, history_writer=runtime.history_writer,
            outcomes=runtime.outcomes)
        try:
            handle = await start_execution(
                self.client, loaded.blueprint, scenario=loaded.name, request=request,
                report="summary", task_queue=self.task_queue, execution_id=execution_id,
                data_dir=str(runtime.workspace.folder))
        except Exception as exc:  # the cluster refused or can't be reached
            result = failed(f"the cluster did not accept the run: {exc}")
            recorded.finish(result)
            return Execution(loaded.name, execution_id, policy.trigger, recorded, result, 0.0)
        if on_response is not None and not loaded.responds:
            on_response(None)  # accepted
        waiting = (asyncio.get_running_loop().create_task(_relay(handle, on_response))
                   if on_response is not None and loaded.responds else None)
        try:
            done = await handle.result()
            result = result_of(done["report"])
            incomplete_ids = list(done["incomplete_ids"])
        except Exception as exc:  # the workflow failed or was terminated
            result, incomplete_ids = failed(f"the cluster run failed: {exc}"), []
        finally:
            if waiting is not None:
                waiting.cancel()
        if on_response is not None:
            on_response(result.webhook_response)
        await asyncio.to_thread(recorded.finish, result)
        return Execution(loaded.name, execution_id, policy.trigger, recorded, result,
                         time.monotonic() - begun, incomplete_ids)


async def _relay(handle: WorkflowHandle[Any, Any], on_response: Respond) -> None:
    """Pass the workflow's webhook response on as soon as it is set."""
    while True:
        try:
            response = await webhook_response(handle)
        except Exception:  # not picked up by a worker yet, or already over
            response = None
        if response is not None:
            on_response(response)
            return
        await asyncio.sleep(RESPONSE_POLL_S)
