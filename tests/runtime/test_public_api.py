"""engine.runtime's public API, pinned (as httpx pins its own): app/ uses only these names."""

from __future__ import annotations

import engine.runtime as runtime


def test_the_public_api_is_pinned() -> None:
    assert sorted(runtime.__all__) == sorted([
        "MIN_INTERVAL_SECONDS", "CatchUpPolicy", "CronError", "CronExpression", "RestrictWindow",
        "Schedule", "ScheduleError", "describe", "due_runs", "next_run",
        "parse_schedule_option", "zone_of",
        "DEFAULT_PORT", "HookOptions", "QueueFull", "QueuedRequest", "WebhookQueue",
        "WebhookServer", "new_hook_token",
        "Owner", "RunHandle", "RunKind", "RunPolicy", "Workspace", "WorkspaceBusy",
        "sequential_refusal", "start_run",
        "Runtime", "RuntimeEvent", "BackgroundRunStarted", "BackgroundRunFinished",
        "ScenarioActivated", "ScenarioDeactivated", "ScenarioProblem", "ScheduleChanged",
        "RuntimeStopped", "Activated", "activate_file", "deactivate_scenario", "remove_scenario",
        "ScenarioLoadError", "RegistryError", "ScenarioEntry", "RuntimeSettings",
        "SettingsError", "load_settings", "local_zone_name", "save_setting",
        "ScenarioStatus", "scenario_statuses", "workspace_output_context",
    ])
    for name in runtime.__all__:
        assert getattr(runtime, name) is not None
