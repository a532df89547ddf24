"""One background run of a registered scenario, through `start_run` like every other run.

`run_in_background` starts the run (blocking parts on a worker thread, so webhook intake
never waits for them), runs it on the event loop, and finishes it: history, incomplete
executions, the consecutive-error count. The crash guard stays until the caller says the run
is settled (`Execution.settle`): the webhook dispatcher first records that its request is
done, so a crash in between is never mistaken for a run that did not finish.

A Webhook response reaches the waiting caller the moment the module runs
(`RespondingServices`), not when the run ends.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.context import RunServices
from engine.executor.result import RunResult
from engine.runtime.loaded import LoadedScenario
from engine.runtime.policy import RunPolicy
from engine.runtime.start import RunHandle, start_run
from engine.runtime.workspace import Workspace

if TYPE_CHECKING:
    from engine.history.writer import HistoryWriter
    from engine.incomplete.policy import OutcomeCounter

log = logging.getLogger("scenarist.runtime")

Respond = Callable[[dict[str, Any] | None], object]


class RespondingServices(RunServices):
    """RunServices that hand the scenario's Webhook response over as soon as it is set."""

    def __init__(self, *, on_response: Respond | None = None, **kwargs: Any) -> None:
        self._on_response = on_response
        self._response: dict[str, Any] | None = None
        super().__init__(**kwargs)

    @property
    def webhook_response(self) -> dict[str, Any] | None:
        return self._response

    @webhook_response.setter
    def webhook_response(self, value: dict[str, Any] | None) -> None:
        self._response = value
        if value is not None and self._on_response is not None:
            try:
                self._on_response(value)
            except Exception:
                log.exception("answering the webhook's caller failed")


@dataclass
class Execution:
    """A finished background run, its guard still held until `settle`."""

    scenario: str
    execution_id: str
    trigger: str
    handle: RunHandle | None
    result: RunResult
    duration_s: float
    incomplete_ids: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def deactivates(self) -> bool:
        """Did this run reach the scenario's maximum number of consecutive errors?"""
        health = self.handle.health if self.handle is not None else None
        return bool(health is not None and health.deactivated)

    @property
    def consecutive_errors(self) -> int:
        health = self.handle.health if self.handle is not None else None
        return health.consecutive_errors if health is not None else 0

    def settle(self) -> None:
        if self.handle is not None:
            self.handle.release_guard()


def failed(message: str, name: str = "RuntimeError") -> RunResult:
    return RunResult(status="error", operations=0, data_transfer=0, incomplete_executions=0,
                     operations_by_module={}, errors_by_module={}, webhook_response=None,
                     error={"name": name, "message": message})


async def run_in_background(
    workspace: Workspace,
    loaded: LoadedScenario,
    policy: RunPolicy,
    *,
    request: dict[str, Any] | None = None,
    execution_id: str | None = None,
    on_response: Respond | None = None,
    history_writer: HistoryWriter | None = None,
    on_started: Callable[[str], object] | None = None,
    outcomes: OutcomeCounter | None = None,
) -> Execution:
    """Run the scenario once; cancelled, the run is kept as an incomplete execution (its id in
    `CancelledRun.incomplete_id`) and the cancellation goes on."""
    execution_id = execution_id or uuid.uuid4().hex
    begin = functools.partial(
        start_run, workspace, loaded.blueprint, policy, plan=loaded.plan,
        scenario=loaded.name, request=request, execution_id=execution_id,
        services_type=functools.partial(RespondingServices, on_response=on_response),
        history_writer=history_writer, start_from=loaded.entry.start_from,
        outcomes=outcomes,
    )
    started = time.monotonic()
    try:
        # On the loop, not a worker thread: with the shared history writer, starting costs
        # a guard file and a few small reads, and a thread's hand-offs (the GIL's 5 ms switch
        # interval) cost each run far more than that.
        handle = begin()
    except Exception as exc:  # nothing ran: the guard was not even written
        log.exception("starting a run of %r failed", loaded.name)
        return Execution(loaded.name, execution_id, policy.trigger, None,
                         failed(f"the run could not start: {exc}"), 0.0)
    if on_started is not None:
        on_started(execution_id)
    try:
        result = await handle.run()
    except asyncio.CancelledError:
        incomplete = await asyncio.shield(asyncio.to_thread(handle.store_interrupted))
        raise CancelledRun(execution_id, incomplete) from None
    except Exception as exc:  # the executor's own failure: recorded as the run's error
        log.exception("a run of %r failed unexpectedly", loaded.name)
        result = failed(f"{type(exc).__name__}: {exc}", "InternalError")
    handle.finish(result, keep_guard=True)  # history is only queued: quick
    return Execution(loaded.name, execution_id, policy.trigger, handle, result,
                     time.monotonic() - started, list(handle.incomplete_ids))


class CancelledRun(asyncio.CancelledError):
    """A background run stopped before it finished (shutdown), stored as incomplete."""

    def __init__(self, execution_id: str, incomplete_id: str | None) -> None:
        super().__init__(f"run {execution_id} stopped; incomplete execution {incomplete_id}")
        self.execution_id = execution_id
        self.incomplete_id = incomplete_id


class StartedElsewhere(Exception):
    """Another serve node already started this run (a scheduled time, a retry's attempt):
    nothing was run or recorded here."""

    def __init__(self, run: str) -> None:
        super().__init__(f"{run} was already started by another node")
        self.run = run
