"""From the webhook queue to runs: every accepted request starts exactly one execution.

One pump per scenario claims its oldest queued request (the claim commits the execution id
that will run it), starts the run, and claims the next while runs go on: up to the scenario's
limit at once (`max_parallel_runs`, Make runs webhooks in parallel), one at a time when the
scenario processes sequentially (and none while a sequential scenario has incomplete
executions waiting: its requests stay queued, in order). A request is marked done, failed or
incomplete before its run's crash guard goes (engine.runtime.recovery relies on that order).

Instant scenarios are pumped as requests arrive; a webhook scenario on a schedule is drained
when its time comes (Make: "the whole queue is processed at each scheduled time").
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

from engine.runtime.execution import CancelledRun, Execution
from engine.runtime.loaded import LoadedScenario
from engine.runtime.webhook_queue import DONE, FAILED, INCOMPLETE, QueuedRequest

if TYPE_CHECKING:
    from engine.runtime.runtime import Runtime

log = logging.getLogger("scenarist.runtime")

CLAIM_AT_ONCE = 64  # requests claimed in one transaction when that many slots are free


class WebhookDispatcher:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._pumps: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()  # woken while its pump was busy: look once more
        self._draining: set[str] = set()  # scheduled webhook scenarios whose time has come
        self._slots: dict[str, tuple[int, asyncio.Semaphore]] = {}
        self.runs: dict[str, set[asyncio.Task[None]]] = {}

    # ------------------------------------------------------------------ waking

    def wake(self, scenario: str, *, drain: bool = False) -> None:
        """Requests may wait for `scenario` (`drain`: run them even though its schedule is
        not "immediately": its scheduled time has come)."""
        if drain:
            self._draining.add(scenario)
        task = self._pumps.get(scenario)
        if task is None or task.done():
            self._pumps[scenario] = asyncio.get_running_loop().create_task(
                self._pump(scenario), name=f"webhook-pump:{scenario}")
        else:
            self._again.add(scenario)

    def running(self, scenario: str) -> int:
        return len(self.runs.get(scenario, ()))

    # ----------------------------------------------------------------- pumping

    def _slot(self, loaded: LoadedScenario) -> asyncio.Semaphore:
        limit = 1 if loaded.sequential else self.runtime.settings.max_parallel_runs
        current = self._slots.get(loaded.name)
        if current is None or current[0] != limit:
            current = self._slots[loaded.name] = (limit, asyncio.Semaphore(limit))
        return current[1]

    async def _pump(self, name: str) -> None:
        runtime = self.runtime
        queue = runtime.queue
        while True:
            loaded = runtime.runnable(name)
            if queue is None or loaded is None or not (loaded.instant
                                                       or name in self._draining):
                return
            if loaded.sequential and await runtime.sequential_refusal(loaded):
                return  # woken again once its incomplete executions are resolved
            slot = self._slot(loaded)
            await slot.acquire()
            taken = 1
            while not slot.locked() and taken < CLAIM_AT_ONCE:  # every free slot at once
                await slot.acquire()
                taken += 1
            execution_ids = [uuid.uuid4().hex for _ in range(taken)]
            try:
                claimed = await queue.claim_many(name, execution_ids)
            except BaseException:
                for _ in range(taken):
                    slot.release()
                raise
            for _ in range(taken - len(claimed)):
                slot.release()
            for queued in claimed:
                task = asyncio.get_running_loop().create_task(
                    self._run(loaded, queued, queued.execution_id or "", slot),
                    name=f"webhook-run:{name}:{queued.id}")
                self.runs.setdefault(name, set()).add(task)
                task.add_done_callback(self.runs[name].discard)
            if not claimed:
                if name in self._again:
                    self._again.discard(name)
                    continue
                self._draining.discard(name)  # its scheduled time's queue is done
                return

    async def _run(self, loaded: LoadedScenario, queued: QueuedRequest, execution_id: str,
                   slot: asyncio.Semaphore) -> None:
        runtime = self.runtime
        server, queue = runtime.server, runtime.queue
        assert queue is not None  # claimed from it

        def respond(response: dict[str, object] | None) -> None:
            if queued.respond and server is not None:
                server.respond_with(queued.id, response)

        try:
            execution: Execution = await runtime.execute(
                loaded, "webhook", request=queued.request, execution_id=execution_id,
                on_response=respond, request_key=(queued.id, queued.received_at))
        except CancelledRun as stopped:  # shutting down: kept as an incomplete execution
            await asyncio.shield(queue.complete(queued.id, INCOMPLETE, execution_id))
            respond(None)
            slot.release()
            if stopped.incomplete_id is None:
                log.warning("request %s stopped before its run stored anything", queued.id)
            raise
        except BaseException:
            slot.release()
            raise
        slot.release()  # the run is over; its request's bookkeeping needs no slot
        try:
            status = INCOMPLETE if execution.incomplete_ids else (
                FAILED if execution.status == "error" else DONE)
            await queue.complete(queued.id, status, execution_id)
            execution.settle()
        finally:
            respond(None)  # no Webhook response ran: "Accepted"
        runtime.finished(loaded, execution)

    async def stop(self, grace: float) -> None:
        """Stop claiming; give the runs `grace` seconds, then store the rest as incomplete."""
        for task in self._pumps.values():
            task.cancel()
        await asyncio.gather(*self._pumps.values(), return_exceptions=True)
        self._pumps.clear()
        running = [t for tasks in self.runs.values() for t in tasks]
        if running:
            _done, pending = await asyncio.wait(running, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
