"""Registering, activating and deactivating a scenario (the CLI and the window call these;
the running runtime picks the change up within seconds).

Activation checks the blueprint as `scenarist check` does (a scenario that can't run is never
activated), gives a scenario that starts with a webhook its hook (and so its URL), and fills
in Make's defaults: an instant trigger runs immediately, anything else every 15 minutes, and
a polling trigger starts "from now on" unless told where to start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.runtime import registry
from engine.runtime.hook_store import HookRecord, hook_for
from engine.runtime.loaded import LoadedScenario, ScenarioLoadError, load_scenario, needs_apps
from engine.runtime.registry import ScenarioEntry
from engine.runtime.schedule_model import Schedule, ScheduleError
from engine.runtime.workspace import Workspace

__all__ = ["Activated", "activate_file", "deactivate_scenario", "remove_scenario",
           "scenario_name_of"]


@dataclass
class Activated:
    entry: ScenarioEntry
    loaded: LoadedScenario
    hook: HookRecord | None
    warnings: list[str] = field(default_factory=list)


def scenario_name_of(blueprint: Any, file: Path) -> str:
    """The name runs of a file are recorded under (as `scenarist run` names them)."""
    return (blueprint.name if blueprint is not None else None) or Path(file).stem


def _first_look(workspace: Workspace, file: Path) -> tuple[str, Any, list[str]]:
    """The scenario's name, and the registry its modules need (None: built-ins only)."""
    from engine.loading import check_blueprint

    checked = check_blueprint(file)
    if checked.blueprint is None or checked.problems:
        problems = "; ".join(p.describe() for p in checked.problems) or "not a blueprint"
        raise ScenarioLoadError(problems)
    name = scenario_name_of(checked.blueprint, file)
    if not needs_apps(checked.blueprint):
        return name, None, []
    from engine.registry import registry_with_apps

    apps, app_problems = registry_with_apps(workspace.folder)
    return name, apps, [p.describe() for p in app_problems]


def activate_file(
    workspace: Workspace,
    file: Path,
    *,
    schedule: Schedule | None = None,
    catch_up: str | None = None,
    start_from: dict[str, Any] | None = None,
    active: bool = True,
) -> Activated:
    """Register the blueprint at `file` (in place) and activate it; ScenarioLoadError when
    it can't run, ScheduleError when the schedule doesn't fit its trigger."""
    file = Path(file).resolve()
    name, apps, warnings = _first_look(workspace, file)
    probe = ScenarioEntry(name=name, file=file, active=False, schedule=schedule,
                          catch_up=catch_up or "run_once", next_run=None, start_from=start_from,
                          last_run=None, deactivated_reason=None, updated_at=_epoch())
    loaded = load_scenario(probe, apps)
    if loaded.plan.unsupported:
        names = ", ".join(f"{s.id} ({s.module})" for s in loaded.plan.unsupported)
        raise ScenarioLoadError(f"{file}: modules not supported yet: {names}")
    if schedule is not None and schedule.type == "immediately" \
            and loaded.starts_with != "webhook":
        first = loaded.plan.main.steps[0].module if loaded.plan.main.steps else "nothing"
        raise ScheduleError(
            f"{name!r} starts with {first}: only a scenario that starts with an instant "
            "trigger (a webhook) runs immediately; give it an interval, a time or cron")
    engine = workspace.state
    previous = registry.find(engine, name)
    if schedule is None and (previous is None or previous.schedule is None):
        schedule = loaded.schedule  # Make's default for its trigger
    if start_from is None and loaded.starts_with == "trigger" and (
            previous is None or previous.start_from is None):
        start_from = {"mode": "now"}
    entry = registry.register(engine, name, file, schedule=schedule, keep_schedule=True,
                              catch_up=catch_up, start_from=start_from, text=loaded.text)
    hook = None
    if loaded.starts_with == "webhook":
        hook = hook_for(engine, name, make_id=loaded.make_hook_id)
    if active:
        entry = registry.activate(engine, name)
    return Activated(entry, loaded.with_entry(entry), hook, warnings)


def deactivate_scenario(workspace: Workspace, name_or_file: str) -> ScenarioEntry:
    """Deactivate by name, or by the file it was registered from."""
    engine = workspace.state
    entry = registry.find(engine, name_or_file)
    if entry is None and Path(name_or_file).exists():
        entry = registry.by_file(engine, Path(name_or_file))
    if entry is None:
        registry.get(engine, name_or_file)  # raises, naming the registered ones
        raise AssertionError("unreachable")
    return registry.deactivate(engine, entry.name)


def remove_scenario(workspace: Workspace, name: str) -> ScenarioEntry:
    """Forget a deactivated scenario (its file, hook and history stay)."""
    engine = workspace.state
    entry = registry.get(engine, name)
    if entry.active:
        raise registry.RegistryError(f"{name!r} is active; deactivate it first "
                                     f"(scenarist deactivate {name!r})")
    registry.unregister(engine, name)
    return entry


def _epoch() -> Any:
    from datetime import UTC, datetime

    return datetime(1970, 1, 1, tzinfo=UTC)
