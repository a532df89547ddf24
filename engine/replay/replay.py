"""Replaying a past run from history.

- Plain replay (Make's): the scenario as it was (its recorded blueprint version) runs again,
  live, with the original trigger data: the webhook request it received, or the bundles a
  polling trigger fetched.
- Deterministic replay: the run's recorded external effects (HTTP responses, data store reads,
  `now`, `uuid`, `random`) are fed back, so the run reproduces exactly, touches nothing outside
  (no network, no data store writes) and doesn't wait for sleeps.
- From a module: a replay can start at any module's first (or n-th) operation of the past run,
  with the bundles that module saw then, and optionally an edited input bundle (the module's
  mapped input). The bundles are found by replaying the run deterministically up to there.

A replay is recorded as a new history entry (kind "replay") whose `resumed_from` names the
original. Deterministic replays store no incomplete executions: they change nothing.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.effects import EffectLog
from engine.errors import ScenaristError
from engine.executor.control import StopRun
from engine.executor.plan import Plan, compile_plan
from engine.executor.result import ResumePoint, RunResult
from engine.executor.run import Listener, run_plan
from engine.loading import blueprint_from_data
from engine.runtime.policy import RunPolicy
from engine.runtime.start import start_run
from engine.runtime.workspace import Workspace

if TYPE_CHECKING:
    from engine.executor.plan import Step
    from engine.executor.run import Executor


class ReplayError(ScenaristError):
    pass


@dataclass
class RecordedRun:
    """What history keeps of a run that replay needs."""

    entry: dict[str, Any]  # the history list entry (id, scenario, status, confidential, ...)
    blueprint: Blueprint
    effects: dict[str, list[Any]] | None
    trigger_input: Any
    first_outputs: list[dict[str, Any]] | None  # the first module's first operation's bundles


@dataclass
class ReplayOutcome:
    original_id: str
    execution_id: str  # the replay's own history entry (when recorded)
    result: RunResult
    plan: Plan
    deterministic: bool


async def _no_sleep(_seconds: float) -> None:
    return None


def load_recorded(workspace: Path, execution_id: str) -> RecordedRun:
    from engine.history.queries import (
        ExecutionNotFound,
        execution_entry,
        operations,
        recorded_value,
        stored_blueprint,
    )
    from engine.store.history_db import history_exists, open_history_engine

    if not history_exists(workspace):
        raise ReplayError(f"no history in {workspace}: nothing to replay")
    engine = open_history_engine(workspace)
    try:
        try:
            entry = execution_entry(engine, workspace, execution_id)
        except ExecutionNotFound as exc:
            raise ReplayError(str(exc)) from None
        full_id = entry["id"]
        blueprint_data = stored_blueprint(engine, workspace, full_id)
        effects = recorded_value(engine, workspace, full_id, "effects")
        trigger_input = recorded_value(engine, workspace, full_id, "trigger")
        ops = operations(engine, workspace, full_id)
    finally:
        engine.dispose()
    if blueprint_data is None:
        raise ReplayError(f"execution {full_id} has no stored blueprint")
    blueprint = blueprint_from_data(blueprint_data)
    first_id = blueprint.flow[0].id if blueprint.flow else None
    first_outputs = next((op["outputs"] for op in ops if op["module_id"] == first_id), None)
    return RecordedRun(entry, blueprint, effects, trigger_input, first_outputs)


class _StopAt:
    """A gate that stops the run at the n-th operation of a module, keeping what it saw."""

    def __init__(self, module_id: int, occurrence: int) -> None:
        self.module_id = module_id
        self.occurrence = occurrence
        self.seen = 0
        self.roots: dict[Any, Any] | None = None
        self.execution_vars: dict[str, Any] = {}

    async def before(self, executor: Executor, step: Step) -> None:
        if step.id != self.module_id:
            return
        self.seen += 1
        if self.seen < self.occurrence:
            return
        self.roots = copy.deepcopy(executor.mappable(step))
        self.execution_vars = copy.deepcopy(executor.services.execution_vars)
        raise StopRun("error", {"name": "ReplayStop", "message": "reached the replay start"})


async def replay(
    workspace: Path | Workspace,
    execution_id: str,
    *,
    deterministic: bool = False,
    from_module: int | None = None,
    occurrence: int = 1,
    input_bundle: dict[str, Any] | None = None,
    history: bool = True,
    listeners: Iterable[Listener] = (),
) -> ReplayOutcome:
    workspace = Workspace.of(workspace).folder
    recorded = load_recorded(workspace, execution_id)
    entry = recorded.entry
    original_id = entry["id"]
    scenario = entry["scenario"]
    if deterministic or from_module is not None:
        _check_replayable(recorded, "--from" if not deterministic else "deterministic replay")
    blueprint = recorded.blueprint
    if not deterministic:
        _check_credentials(recorded)
    plan = compile_plan(blueprint)
    auto_commit = bool(blueprint.metadata.scenario.autoCommit is not False)
    log = EffectLog(copy.deepcopy(recorded.effects)) if recorded.effects is not None else None

    def services(effects: EffectLog | None, run_id: str) -> RunServices:
        return RunServices(
            data_dir=workspace, webhook_request=copy.deepcopy(recorded.trigger_input),
            auto_commit=auto_commit, scenario_name=scenario, execution_id=run_id,
            effects=effects,
            sleep=_no_sleep,  # the probe only replays
        )

    resume = None
    if from_module is not None:
        if from_module not in plan.steps:
            raise ReplayError(f"--from {from_module}: no such module in the scenario as it was")
        assert log is not None
        gate = _StopAt(from_module, occurrence)
        await run_plan(plan, services(log, original_id), (), gate=gate, pins=log.pins())
        if gate.roots is None:
            raise ReplayError(
                f"module {from_module} ran {gate.seen} time(s) in execution {original_id}:"
                f" no operation #{occurrence} to start from")
        resume = ResumePoint(from_module, gate.roots, gate.execution_vars)
        if input_bundle is not None:
            edited = dict(input_bundle)
            plan.steps[from_module].mapper = lambda _scope: copy.deepcopy(edited)

    pins = None
    trigger = entry.get("trigger") or "manual"
    if deterministic:
        policy = RunPolicy.deterministic_replay(history=history, trigger=trigger)
        run_effects, run_id = log, original_id  # `{{var.scenario.executionId}}` reproduces
        pins = log.pins() if log is not None else None  # pinned modules stay pinned
    else:
        policy = RunPolicy.live_replay(history=history, trigger=trigger,
                                       from_module=resume is not None)
        run_effects, run_id = None, uuid.uuid4().hex
        if resume is None:
            pins = _trigger_pins(plan, recorded)
    history_id = uuid.uuid4().hex if deterministic else None
    replayed: dict[str, Any] = {"effects": run_effects} if deterministic else {}
    handle = start_run(
        workspace, blueprint, policy, plan=plan, scenario=scenario,
        request=copy.deepcopy(recorded.trigger_input), trigger_input=recorded.trigger_input,
        execution_id=run_id, listeners=listeners, resume=resume, pins=pins,
        resumed_from=original_id, history_id=history_id,
        **replayed,
    )
    result = await handle.run()
    handle.finish(result)
    return ReplayOutcome(original_id, handle.execution_id or history_id or run_id, result, plan,
                         deterministic)


def _check_credentials(recorded: RecordedRun) -> None:
    """History keeps no credentials: a live replay would send `[redacted]` instead."""
    from engine.secret_refs import redacted_modules

    modules = redacted_modules(recorded.blueprint)
    if modules:
        names = ", ".join(map(str, modules))
        raise ReplayError(
            f"execution {recorded.entry['id']} ran with credentials typed into module(s)"
            f" {names}, which history does not keep, so it can't be replayed live; replay it"
            " with --deterministic, or run the scenario file again")


def _check_replayable(recorded: RecordedRun, what: str) -> None:
    entry = recorded.entry
    if entry.get("confidential"):
        raise ReplayError(
            f"scenario {entry['scenario']!r} is confidential: its runs keep no bundle data and"
            f" no external effects, so execution {entry['id']} can't be replayed"
            f" deterministically ({what}); replay it live without --deterministic")
    if recorded.effects is None:
        raise ReplayError(
            f"execution {entry['id']} was recorded without its external effects (history was"
            f" off or it predates effect recording), so {what} is not possible;"
            " replay it live without --deterministic")


def _trigger_pins(plan: Plan, recorded: RecordedRun) -> dict[int, list[dict[str, Any]]] | None:
    """A polling trigger's recorded bundles: a live replay starts from the same data.
    (A webhook trigger gets the recorded request instead.)"""
    if not plan.blueprint.flow or recorded.first_outputs is None:
        return None
    first_id = plan.blueprint.flow[0].id
    first = plan.steps.get(first_id) if first_id is not None else None
    if first is None or first.spec is None or first.spec.kind != "trigger":
        return None
    return {first.id: list(recorded.first_outputs)}
