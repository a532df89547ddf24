"""The runtime's automatic retries of incomplete executions: every `retry_interval` seconds,
each due one of an active scenario is retried once, here (engine.incomplete.retry) or, with
`serve --engine temporal`, as a workflow on a worker (`Runtime.cluster.retry`): same
bookkeeping either way (success resolves the incomplete execution; failure counts the attempt
and plans the next). On the cluster each attempt has its own workflow id, so two nodes that
see the same due retry (a shared registry) make it once: the second is told StartedElsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.runtime.events import BackgroundRunFinished, BackgroundRunStarted
from engine.runtime.execution import StartedElsewhere

if TYPE_CHECKING:
    from engine.runtime.runtime import Runtime
    from engine.store.incomplete import Incomplete

log = logging.getLogger("scenarist.runtime")


@dataclass(frozen=True)
class RetryDone:
    """How one attempt went, as the runtime reports it."""

    execution_id: str
    status: str
    operations: int
    error: dict[str, Any] | None
    resolved: bool
    new_incomplete_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, data: dict[str, Any]) -> RetryDone:
        return cls(str(data["execution_id"]), str(data["status"]), int(data["operations"]),
                   data.get("error"), bool(data["resolved"]),
                   tuple(data.get("new_incomplete_ids") or ()))


async def retry_here(runtime: Runtime, record: Incomplete, now: datetime,
                     on_started: Callable[[], None]) -> RetryDone:
    from engine.incomplete.retry import retry_incomplete

    on_started()
    outcome = await retry_incomplete(runtime.workspace, record.id, history=runtime.history,
                                     trigger="schedule", now=now)
    result = outcome.result
    return RetryDone(outcome.execution_id, result.status, result.operations, result.error,
                     outcome.resolved, tuple(outcome.new_incomplete_ids))


async def retry_due(runtime: Runtime) -> int:
    """Run the due automatic retries of active scenarios' incomplete executions; how many
    were made here or by this node's workflows."""
    import asyncio

    from engine.incomplete.retry import RetryRefused, due

    now = runtime.now()
    records = await asyncio.to_thread(due, runtime.workspace, now)
    done = 0
    for record in records:
        loaded = runtime.runnable(record.scenario)
        if loaded is None:
            continue

        def started(record: Incomplete = record) -> None:
            runtime.emit(BackgroundRunStarted(record.scenario, record.execution_id, "retry"))

        try:
            if runtime.cluster is not None:
                outcome: RetryDone | None = await runtime.cluster.retry(runtime, record, started)
            else:
                outcome = await retry_here(runtime, record, now, started)
        except RetryRefused as exc:
            log.warning("automatic retry of %s: %s", record.id, exc)
            continue
        except StartedElsewhere as exc:
            log.info("%s", exc)
            continue
        if outcome is None:  # this attempt had been made already (a worker lost after it)
            continue
        done += 1
        runtime.emit(BackgroundRunFinished(
            record.scenario, outcome.execution_id, "retry", outcome.status,
            outcome.operations, 0.0, outcome.error, outcome.new_incomplete_ids))
        if outcome.resolved and loaded.sequential:
            runtime.dispatcher.wake(record.scenario)
    return done
