"""Workflow ids that several `serve` nodes compute alike, so that a run two nodes both start
is started once: Temporal keeps one workflow per id (the start's id-reuse policy decides for
closed ones), and the node whose start is refused knows another node has it.

- A scheduled run: `<scenario>/schedule/<due time, UTC ISO>`. Nodes compute the same due
  times for wall-clock schedules (daily, weekly, cron, once...) given the same time zone.
  An interval ("every 15 minutes") runs from when each node saw it switched on, so two nodes
  have different phases: its id names the interval-long slot of time the run falls in
  (multiples of the interval since the Unix epoch), and one run per slot starts.
- A webhook request: `<scenario>/webhook/<node>/<request id>-<received µs>`. A request is
  stored by the one node that accepted it; its id there (with when it came, should that
  node's queue ever be recreated) names it again if the node re-dispatches it after a
  crash. `node` is the folder's own (engine.temporal.node), so nodes sharing one registry
  (one webhook URL, request ids counted in each folder's queue) name their requests apart.
- An automatic retry: `<scenario>/retry/<incomplete execution id>/<attempt>`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from engine.runtime.schedule_model import Schedule


def scheduled_run_id(scenario: str, schedule: Schedule | None, due: datetime) -> str:
    when = due.astimezone(UTC)
    interval = schedule.interval if schedule is not None and \
        schedule.type == "indefinitely" else None
    if interval:
        slot = int(when.timestamp()) // int(interval) * int(interval)
        when = datetime.fromtimestamp(slot, UTC)
    return f"{scenario}/schedule/{when.isoformat()}"


def webhook_run_id(scenario: str, node: str, request_id: int, received_at: float) -> str:
    return f"{scenario}/webhook/{node}/{request_id}-{round(received_at * 1_000_000)}"


def retry_run_id(scenario: str, incomplete_id: str, attempt: int) -> str:
    return f"{scenario}/retry/{incomplete_id}/{attempt}"
