"""At the runtime's start: what a crash (SIGKILL, power cut) left of the webhook requests
that were running, settled so that every accepted request is executed exactly once.

A request being run is `running` in the queue with the execution id of its run, and its run
holds a crash guard (engine.crash) from before its first module until the request is marked
done. So, for each request left `running`:
- its run's guard is there: the run did not finish; recovery (engine.crash) keeps it as an
  incomplete execution that resumes it, and the request is marked `incomplete`;
- the guard says the run had finished (history has its end): the request is marked done or
  failed as history says;
- no guard at all: its run never started (the guard is written before anything runs), so
  the request goes back to the queue, in its place, and runs once now.
Guards of runs whose request was already marked done are only the guard's removal lost to
the crash: they are discarded, never offered as incomplete executions.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from engine.crash import Recovered, dead_runs, discard_guard
from engine.runtime.webhook_queue import (
    DONE,
    FAILED,
    FINAL_STATUSES,
    INCOMPLETE,
    WebhookQueue,
)
from engine.runtime.workspace import Workspace

log = logging.getLogger("scenarist.runtime")


@dataclass
class RecoveryReport:
    recovered: list[Recovered] = field(default_factory=list)  # runs kept as incomplete
    requeued: list[int] = field(default_factory=list)  # requests that never started
    settled: dict[int, str] = field(default_factory=dict)  # request id: final status

    def lines(self) -> list[str]:
        from engine.crash import describe

        out = [describe(r) for r in self.recovered if not r.finished]
        if self.requeued:
            out.append(f"{len(self.requeued)} webhook request(s) whose run had not started "
                       "were queued again")
        return out


async def recover(workspace: Workspace, queue: WebhookQueue) -> RecoveryReport:
    report = RecoveryReport()
    interrupted = queue.interrupted()
    guards = await asyncio.to_thread(dead_runs, workspace.folder)
    if guards:  # guards whose request is already final: only their removal was lost
        ids = [str(content.get("execution_id")) for _path, content in guards]
        final = {r.execution_id for r in await queue.requests(execution_ids=ids)
                 if r.status in FINAL_STATUSES}
        for path, content in guards:
            if str(content.get("execution_id")) in final:
                await asyncio.to_thread(discard_guard, workspace.folder, path, content)
    report.recovered = await asyncio.to_thread(workspace.recover)
    by_execution = {r.execution_id: r for r in report.recovered}
    for request in interrupted:
        found = by_execution.get(request.execution_id or "")
        if found is None:
            if await queue.requeue(request.id):
                report.requeued.append(request.id)
            continue
        if found.finished:
            status = await asyncio.to_thread(_history_outcome, workspace, found.execution_id)
        else:
            status = INCOMPLETE
        await queue.complete(request.id, status, found.execution_id)
        report.settled[request.id] = status
    for line in report.lines():
        log.warning(line)
    return report


def _history_outcome(workspace: Workspace, execution_id: str) -> str:
    from engine.crash import history_status

    return FAILED if history_status(workspace.folder, execution_id) == "error" else DONE
