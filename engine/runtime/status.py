"""What the workspace's registered scenarios are doing, read from state.db alone: active or
not, schedule and next run, webhook URL, queued requests, consecutive errors.

Any process can ask (`scenarist scenarios list`, the window), whether or not a runtime runs:
webhook URLs carry the port of the runtime that owns the workspace (from its lock), else the
configured one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from engine.runtime import registry
from engine.runtime.hook_store import hooks
from engine.runtime.schedule_text import describe
from engine.runtime.settings import RuntimeSettings, load_settings
from engine.runtime.workspace import Workspace

__all__ = ["ScenarioStatus", "hook_url", "scenario_statuses"]


@dataclass(frozen=True)
class ScenarioStatus:
    name: str
    file: Path
    active: bool
    schedule: dict[str, Any] | None  # Make's scheduling JSON
    schedule_text: str
    next_run: datetime | None
    webhook_url: str | None
    queue: int
    consecutive_errors: int
    deactivated_reason: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "active": self.active, "schedule": self.schedule,
            "schedule_text": self.schedule_text,
            "next_run": self.next_run.isoformat() if self.next_run else None,
            "webhook_url": self.webhook_url, "queue": self.queue, "file": str(self.file),
            "consecutive_errors": self.consecutive_errors,
            "deactivated_reason": self.deactivated_reason,
        }


def hook_url(settings: RuntimeSettings, token: str, port: int | None = None) -> str:
    return f"{settings.hook_base(port)}/hook/{token}"


def serving_port(workspace: Workspace) -> int | None:
    owner = workspace.owner()
    return owner.port if owner is not None else None


def scenario_statuses(workspace: Workspace, *, port: int | None = None) -> list[ScenarioStatus]:
    """Every registered scenario; `port`: the webhook server's (default: the owner's)."""
    engine = workspace.state
    settings = load_settings(engine)
    port = port if port is not None else serving_port(workspace)
    tokens = {h.scenario: h.token for h in hooks(engine) if h.scenario is not None}
    with engine.connect() as conn:
        queued: dict[str, int] = dict(conn.execute(text(
            "SELECT scenario, count(*) FROM webhook_request WHERE status = 'queued' "
            "GROUP BY scenario")).all())
        errors: dict[str, int] = dict(conn.execute(text(
            "SELECT scenario, consecutive_errors FROM scenario_health")).all())
    found = []
    for entry in registry.entries(engine):
        token = tokens.get(entry.name)
        schedule = entry.schedule
        found.append(ScenarioStatus(
            name=entry.name, file=entry.file, active=entry.active,
            schedule=schedule.to_make() if schedule is not None else None,
            schedule_text=describe(schedule, settings.zone) if schedule is not None
            else "Not scheduled",
            next_run=entry.next_run if entry.active else None,
            webhook_url=hook_url(settings, token, port) if token else None,
            queue=int(queued.get(entry.name, 0)),
            consecutive_errors=int(errors.get(entry.name, 0)),
            deactivated_reason=entry.deactivated_reason,
        ))
    return found
