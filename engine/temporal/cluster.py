"""`scenarist serve --engine temporal`: the runtime's runs start Temporal workflows instead of
running here (`Runtime.cluster`). Webhook intake, schedules, queues and history stay with
the serve node (several may run behind a load balancer); workers run the scenarios.

Several nodes: each run's workflow id is one every node computes alike (engine.temporal.ids),
so a scheduled time that two nodes both reach starts one workflow: the node whose start is
refused raises StartedElsewhere and records nothing. A webhook request is stored by the node
that accepted it; should that node dispatch it again (after a crash), it follows the
workflow the first dispatch started instead of starting another.

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
from datetime import datetime
from typing import TYPE_CHECKING, Any

from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from engine.runtime.execution import Execution, Respond, StartedElsewhere, failed
from engine.runtime.policy import RunPolicy
from engine.temporal.client import start_execution, webhook_response
from engine.temporal.ids import retry_run_id, scheduled_run_id, webhook_run_id
from engine.temporal.node import node_id
from engine.temporal.recording import start_recording
from engine.temporal.results import result_of
from engine.temporal.retry_workflow import RETRY_WORKFLOW

if TYPE_CHECKING:
    from collections.abc import Callable

    from engine.runtime.loaded import LoadedScenario
    from engine.runtime.retries import RetryDone
    from engine.runtime.runtime import Runtime
    from engine.runtime.start import RunHandle
    from engine.store.incomplete import Incomplete

RESPONSE_POLL_S = 0.02


class ClusterEngine:
    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue
        self._node: str | None = None

    def node(self, runtime: Runtime) -> str:
        if self._node is None:
            self._node = node_id(runtime.workspace.folder)
        return self._node

    async def execute(self, runtime: Runtime, loaded: LoadedScenario, trigger: str, *,
                      request: dict[str, Any] | None = None, execution_id: str | None = None,
                      on_response: Respond | None = None, due: datetime | None = None,
                      request_key: tuple[int, float] | None = None) -> Execution:
        """Run on the cluster; `due` names a scheduled time, `request_key` a stored webhook
        request (its id and when it came), for ids that other nodes compute alike."""
        policy = (RunPolicy.webhook(history=runtime.history) if trigger == "webhook"
                  else RunPolicy.scheduled_run(history=runtime.history))
        execution_id = execution_id or uuid.uuid4().hex
        begun = time.monotonic()
        workflow_id = None
        if due is not None:
            workflow_id = scheduled_run_id(loaded.name, loaded.schedule, due)
        elif request_key is not None:
            workflow_id = webhook_run_id(loaded.name, self.node(runtime), *request_key)
        try:
            handle = await start_execution(
                self.client, loaded.blueprint, scenario=loaded.name, request=request,
                report="summary", task_queue=self.task_queue, execution_id=execution_id,
                data_dir=str(runtime.workspace.folder), workflow_id=workflow_id,
                id_reuse=WorkflowIDReusePolicy.REJECT_DUPLICATE if workflow_id
                else WorkflowIDReusePolicy.ALLOW_DUPLICATE)
        except WorkflowAlreadyStartedError:
            if request_key is None or workflow_id is None:
                raise StartedElsewhere(f"{loaded.name}'s run {workflow_id}") from None
            handle = self.client.get_workflow_handle(workflow_id, result_type=dict)
        except Exception as exc:  # the cluster refused or can't be reached
            result = failed(f"the cluster did not accept the run: {exc}")
            recorded = self._record(runtime, loaded, policy, request, execution_id)
            recorded.finish(result)
            return Execution(loaded.name, execution_id, policy.trigger, recorded, result, 0.0)
        recorded = self._record(runtime, loaded, policy, request, execution_id)
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

    async def retry(self, runtime: Runtime, record: Incomplete,
                    on_started: Callable[[], None]) -> RetryDone | None:
        """A due automatic retry as a workflow (engine.temporal.retry_workflow); None when
        the worker found this attempt made already. StartedElsewhere: another node has it."""
        from engine.incomplete.retry import RetryRefused
        from engine.runtime.retries import RetryDone

        attempt = record.attempts + 1
        workflow_id = retry_run_id(record.scenario, record.id, attempt)
        task = {"incomplete_id": record.id, "attempt": attempt,
                "context": {"scenario": record.scenario,
                            "data_dir": str(runtime.workspace.folder)}}
        try:
            handle = await self.client.start_workflow(
                RETRY_WORKFLOW, task, id=workflow_id, task_queue=self.task_queue,
                result_type=dict,
                # a failed attempt's workflow (a refusal) may be started again; a made one not
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY)
        except WorkflowAlreadyStartedError:
            raise StartedElsewhere(f"the retry {workflow_id}") from None
        on_started()
        try:
            done = await handle.result()
        except WorkflowFailureError as exc:  # refused on the worker, as RetryRefused locally
            raise RetryRefused(f"{workflow_id}: {_innermost(exc)}") from None
        return RetryDone.of(done) if done.get("made") else None

    @staticmethod
    def _record(runtime: Runtime, loaded: LoadedScenario, policy: RunPolicy,
                request: dict[str, Any] | None, execution_id: str) -> RunHandle:
        return start_recording(
            runtime.workspace, loaded.blueprint, policy, plan=loaded.plan, scenario=loaded.name,
            request=request, execution_id=execution_id, history_writer=runtime.history_writer,
            outcomes=runtime.outcomes)


def _innermost(exc: BaseException) -> str:
    """The message of the failure behind a workflow's (its activity's own error)."""
    while getattr(exc, "cause", None) is not None:
        exc = exc.cause  # type: ignore[attr-defined]
    return getattr(exc, "message", None) or str(exc)


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
