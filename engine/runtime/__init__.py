"""Runs scenarios: the one entry point for a run, the workspace's owner, and the background.

- `start_run(workspace, blueprint, policy)` (start.py) owns everything around one run, for
  every kind of run (`RunPolicy`, policy.py); `Workspace` (workspace.py) owns a workspace's
  folder, its two databases, its single-owner lock and crash recovery.
- When a scenario runs next (Make's scheduling types and cron, read from Make's own JSON,
  computed in the user's IANA time zone, correct across DST: rules in schedule.py), and the
  webhook intake (an aiohttp server whose requests are committed to a durable queue in
  state.db before they are answered).
- The background runtime (`Runtime`, runtime.py): the registered scenarios (registry.py,
  activated and deactivated through activation.py, from any process), their schedules
  (scheduler.py) and webhooks (dispatcher.py), crash recovery of webhook requests
  (recovery.py), its settings (settings.py), events for the tray and logs (events.py), and
  what every scenario is doing (`scenario_statuses`, status.py).

Names load on first use (PEP 562), so `scenarist run` never pays for aiohttp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.lazy_names import lazy_names

if TYPE_CHECKING:
    from engine.runtime.activation import (
        Activated,
        activate_file,
        deactivate_scenario,
        remove_scenario,
    )
    from engine.runtime.cron import CronError, CronExpression
    from engine.runtime.events import (
        BackgroundRunFinished,
        BackgroundRunStarted,
        RuntimeEvent,
        RuntimeStopped,
        ScenarioActivated,
        ScenarioDeactivated,
        ScenarioProblem,
        ScheduleChanged,
    )
    from engine.runtime.loaded import ScenarioLoadError
    from engine.runtime.outputs import workspace_output_context
    from engine.runtime.policy import RunKind, RunPolicy
    from engine.runtime.registry import RegistryError, ScenarioEntry
    from engine.runtime.runtime import Runtime
    from engine.runtime.schedule import CatchUpPolicy, due_runs, next_run, zone_of
    from engine.runtime.schedule_model import (
        MIN_INTERVAL_SECONDS,
        RestrictWindow,
        Schedule,
        ScheduleError,
    )
    from engine.runtime.schedule_text import describe, parse_schedule_option
    from engine.runtime.settings import (
        RuntimeSettings,
        SettingsError,
        load_settings,
        local_zone_name,
        save_setting,
    )
    from engine.runtime.start import RunHandle, sequential_refusal, start_run
    from engine.runtime.status import ScenarioStatus, scenario_statuses
    from engine.runtime.webhook_hooks import HookOptions, new_hook_token
    from engine.runtime.webhook_queue import QueuedRequest, QueueFull, WebhookQueue
    from engine.runtime.webhook_server import DEFAULT_PORT, WebhookServer
    from engine.runtime.workspace import Owner, Workspace, WorkspaceBusy

_WHERE = {
    "Activated": "activation", "activate_file": "activation",
    "deactivate_scenario": "activation", "remove_scenario": "activation",
    "BackgroundRunFinished": "events", "BackgroundRunStarted": "events",
    "RuntimeEvent": "events", "RuntimeStopped": "events", "ScenarioActivated": "events",
    "ScenarioDeactivated": "events", "ScenarioProblem": "events", "ScheduleChanged": "events",
    "ScenarioLoadError": "loaded", "RegistryError": "registry", "ScenarioEntry": "registry",
    "workspace_output_context": "outputs",
    "Runtime": "runtime", "RuntimeSettings": "settings", "SettingsError": "settings",
    "load_settings": "settings", "local_zone_name": "settings", "save_setting": "settings",
    "ScenarioStatus": "status", "scenario_statuses": "status",
    "CronError": "cron", "CronExpression": "cron",
    "RunKind": "policy", "RunPolicy": "policy",
    "CatchUpPolicy": "schedule", "due_runs": "schedule", "next_run": "schedule",
    "zone_of": "schedule",
    "MIN_INTERVAL_SECONDS": "schedule_model", "RestrictWindow": "schedule_model",
    "Schedule": "schedule_model", "ScheduleError": "schedule_model",
    "describe": "schedule_text", "parse_schedule_option": "schedule_text",
    "RunHandle": "start", "sequential_refusal": "start", "start_run": "start",
    "HookOptions": "webhook_hooks", "new_hook_token": "webhook_hooks",
    "QueuedRequest": "webhook_queue", "QueueFull": "webhook_queue",
    "WebhookQueue": "webhook_queue",
    "DEFAULT_PORT": "webhook_server", "WebhookServer": "webhook_server",
    "Owner": "workspace", "Workspace": "workspace", "WorkspaceBusy": "workspace",
}


__getattr__ = lazy_names(__name__, _WHERE)  # the names load on first use (PEP 562)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Activated",
    "BackgroundRunFinished",
    "BackgroundRunStarted",
    "RegistryError",
    "Runtime",
    "RuntimeEvent",
    "RuntimeSettings",
    "RuntimeStopped",
    "ScenarioActivated",
    "ScenarioDeactivated",
    "ScenarioEntry",
    "ScenarioLoadError",
    "ScenarioProblem",
    "ScenarioStatus",
    "ScheduleChanged",
    "SettingsError",
    "activate_file",
    "deactivate_scenario",
    "remove_scenario",
    "load_settings",
    "local_zone_name",
    "save_setting",
    "scenario_statuses",
    "workspace_output_context",
    "DEFAULT_PORT",
    "HookOptions",
    "MIN_INTERVAL_SECONDS",
    "CatchUpPolicy",
    "CronError",
    "CronExpression",
    "Owner",
    "QueueFull",
    "QueuedRequest",
    "RestrictWindow",
    "RunHandle",
    "RunKind",
    "RunPolicy",
    "Schedule",
    "ScheduleError",
    "WebhookQueue",
    "WebhookServer",
    "Workspace",
    "WorkspaceBusy",
    "describe",
    "due_runs",
    "new_hook_token",
    "next_run",
    "parse_schedule_option",
    "sequential_refusal",
    "start_run",
    "zone_of",
]
