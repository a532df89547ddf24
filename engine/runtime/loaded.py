"""A registered scenario as the runtime runs it: its blueprint read, checked and compiled,
what starts it (a webhook, a polling trigger, anything else), and its effective schedule.

The file is read again only when it changes (its size and modification time); a version that
no longer loads leaves the runtime on the last good one, and says why (ScenarioLoadError).
A node without the file (a serve node on another machine, sharing the database) runs the
copy the registry keeps, read again when that copy changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.blueprint import Blueprint
from engine.errors import BlueprintError, IMLError, ScenaristError
from engine.executor.plan import Plan, compile_plan
from engine.runtime.registry import ScenarioEntry, text_sha256
from engine.runtime.schedule_model import Schedule

if TYPE_CHECKING:
    from engine.registry import Registry

# Make's defaults: instant triggers run as data arrives; anything else every 15 minutes.
INSTANT_DEFAULT = Schedule(type="immediately")
POLLING_DEFAULT = Schedule(type="indefinitely", interval=900)
RESPONDER = "gateway:WebhookRespond"


class ScenarioLoadError(ScenaristError):
    """The scenario's file can't be run as it is (the message names file and problem)."""


def file_signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def scenario_signature(entry: ScenarioEntry) -> object:
    """What changes when the scenario must be read again: its file's size and time, or,
    on a node without the file, the registry copy's hash (None: neither)."""
    signature = file_signature(entry.file)
    if signature is None and entry.blueprint_sha256 is not None:
        return _copy_signature(entry.blueprint_sha256)
    return signature


def _copy_signature(sha256: str) -> object:
    return ("registry copy", sha256)


@dataclass(frozen=True)
class ScenarioSource:
    """A scenario's blueprint text as read, and where from."""

    signature: object  # scenario_signature of what was read
    text: str
    from_copy: bool = False  # the registry's copy (the file is not on this node)


@dataclass(frozen=True)
class LoadedScenario:
    entry: ScenarioEntry
    blueprint: Blueprint
    plan: Plan
    source: ScenarioSource  # what it was read from
    starts_with: str  # "webhook" (an instant trigger) | "trigger" (polling) | "module"
    responds: bool  # it has a Webhook response module: callers wait for its answer
    make_hook_id: object = None  # the Make export's hook id (`parameters.hook`)
    uses_apps: bool = False  # a module of an app (not built in): loaded with the apps

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def signature(self) -> object:
        return self.source.signature

    @property
    def text(self) -> str:
        return self.source.text

    @property
    def schedule(self) -> Schedule:
        if self.entry.schedule is not None:
            return self.entry.schedule
        return INSTANT_DEFAULT if self.starts_with == "webhook" else POLLING_DEFAULT

    @property
    def instant(self) -> bool:
        """Runs as requests arrive (else queued requests wait for the schedule)."""
        return self.starts_with == "webhook" and self.schedule.type == "immediately"

    @property
    def sequential(self) -> bool:
        return bool(self.blueprint.metadata.scenario.sequential)

    def with_entry(self, entry: ScenarioEntry) -> LoadedScenario:
        return replace(self, entry=entry)


def file_source(entry: ScenarioEntry) -> ScenarioSource:
    """The scenario's file as it is now (ScenarioLoadError: no such file here)."""
    from engine.loading import read_blueprint_text

    signature = file_signature(entry.file)
    if signature is None:
        raise ScenarioLoadError(f"{entry.file}: the scenario's file is gone (move it back, or "
                                f"deactivate {entry.name!r})")
    try:
        return ScenarioSource(signature, read_blueprint_text(entry.file))
    except BlueprintError as exc:
        raise ScenarioLoadError(exc.describe()) from None


def copy_source(text: str) -> ScenarioSource:
    """The registry's copy of a scenario, on a node without its file."""
    return ScenarioSource(_copy_signature(text_sha256(text)), text, from_copy=True)


def load_scenario(entry: ScenarioEntry, registry: Registry | None = None, *,
                  source: ScenarioSource | None = None) -> LoadedScenario:
    """Check and compile a registered scenario: `source` as read (its file, by default)."""
    from engine.loading import check_blueprint_text

    if source is None:
        source = file_source(entry)
    checked = check_blueprint_text(source.text, str(entry.file), registry)
    if checked.blueprint is None or checked.problems:
        problems = "; ".join(p.describe() for p in checked.problems) or "not a blueprint"
        raise ScenarioLoadError(problems)
    blueprint = checked.blueprint
    try:
        plan = compile_plan(blueprint, registry)
    except (BlueprintError, IMLError) as exc:
        raise ScenarioLoadError(f"{entry.file}: {exc}") from None
    first = plan.main.steps[0] if plan.main.steps else None
    kind = first.spec.kind if first is not None and first.spec is not None else None
    starts_with = {"instant_trigger": "webhook", "trigger": "trigger"}.get(kind or "", "module")
    # `registry` is given only when the scenario uses apps (needs_apps): only then can the
    # trigger be an app's (and engine.apps is not loaded for the others)
    responds = any(step.module == RESPONDER for step in plan.steps.values()) or (
        registry is not None and first is not None and _app_responds(first.impl))
    hook_id = first.parameters.get("hook") if first is not None else None
    return LoadedScenario(entry, blueprint, plan, source, starts_with, responds, hook_id,
                          uses_apps=registry is not None)


def _app_responds(implementation: object) -> bool:
    """An app's instant trigger whose webhook answers its caller itself (`respond`, or a
    `verification` handshake): the caller waits for the run's first module."""
    from engine.apps.to_spec import app_module_of

    module = app_module_of(implementation)
    if module is None or not module.decl.webhook:
        return False
    hook = module.app.webhooks.get(module.decl.webhook)
    spec = hook.communication if hook is not None else None
    return isinstance(spec, dict) and ("respond" in spec or "verification" in spec)


def needs_apps(blueprint: Blueprint) -> bool:
    """Does the scenario use a module that is not built in (so apps must be loaded)?"""
    from engine.edits.tree import modules
    from engine.registry import default_registry

    builtins = default_registry()
    return any(node.module not in builtins for _place, node in modules(blueprint))
