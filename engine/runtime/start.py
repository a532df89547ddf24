"""One entry point for a run, whoever starts it: `start_run(workspace, blueprint, policy)`.

It does what goes around every run (the policy, engine.runtime.policy, says which parts):

- before: the run's services (RunServices, with its effect log when history records it),
  the workspace's connections bound (first: their secrets are redacted from all that
  follows), the crash guard file, the history recorder, the executor (with the caller's
  listeners, gate, pins, resume point);
- after (`RunHandle.finish`): the result's messages redacted, history finished, the run's
  incomplete executions stored in state.db (with their automatic-retry schedule), the
  scenario's consecutive-error count, the guard removed.

    handle = start_run(workspace, blueprint, policy, listeners=[...], gate=gate)
    handle.executor          # the window pauses, steps and stops it
    result = await handle.run()
    handle.finish(result)    # blocking (history, state.db): the window calls it off-thread

`start_run` itself is blocking too (history.db may be created and migrated): the window
calls it with `asyncio.to_thread`. Recording effects costs nothing when history is off, and
SQLAlchemy loads only when something is recorded or stored.

Secrets (engine.sensitive) are kept out of all of it: each store derives them from the
blueprint it gets; the result has them redacted from its error and warning messages before
anyone prints, stores or counts it. Secrets the run evaluated (a mapped password) are learnt
from the operations' inputs (by the history recorder, or by a small listener when history is
off).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.crash import RunGuard
from engine.effects import PINS_EFFECT, EffectLog
from engine.executor.events import Event, OperationFinished
from engine.executor.plan import Plan, compile_plan
from engine.executor.result import IncompleteState, ResumePoint, RunResult
from engine.executor.run import Executor, Gate, Listener
from engine.incomplete.health import ScenarioHealth
from engine.runtime.policy import RunPolicy
from engine.runtime.workspace import Workspace
from engine.sensitive import Redactor, ScenarioSecrets, secrets_of_source
from engine.store.state_file import counted_errors

if TYPE_CHECKING:
    from engine.connections.runtime import Prepared
    from engine.history.writer import HistoryWriter
    from engine.incomplete.policy import OutcomeCounter

_POLICY_DECIDES: Any = object()  # `effects` not given: a new log when the policy records


def blueprint_json(blueprint: Blueprint) -> Any:
    return blueprint.model_dump(mode="json", by_alias=True, exclude_unset=True)


def plan_source(plan: Plan, blueprint: Blueprint) -> Any:
    """The blueprint as JSON, dumped once per plan (a runtime runs one plan again and
    again; the dump is read-only to every run)."""
    if plan.blueprint is not blueprint:  # a plan of another version: dump this one
        return blueprint_json(blueprint)
    source = plan.source_json
    if source is None:
        source = plan.source_json = blueprint_json(plan.blueprint)
    return source


def new_effect_log(blueprint: Blueprint, history: bool) -> EffectLog | None:
    """An effect log for a recorded run: none without history, and none for confidential
    scenarios (their runs keep no data, so they can't be replayed deterministically)."""
    if not history or blueprint.metadata.scenario.confidential:
        return None
    return EffectLog()


async def _no_sleep(_seconds: float) -> None:
    return None


class SecretWatch:
    """Learns the secrets a run evaluates into credential fields (when nothing records)."""

    def __init__(self, secrets: ScenarioSecrets) -> None:
        self.secrets = secrets

    def __call__(self, event: Event) -> None:
        if type(event) is OperationFinished and event.module_id in self.secrets.watched:
            _hidden, found = self.secrets.of_input(event.module_id, event.input)
            self.secrets.learn(found)


def sequential_refusal(workspace: Workspace | str | os.PathLike[str], blueprint: Blueprint,
                       scenario: str) -> str | None:
    """Why a `sequential` scenario may not run now (incomplete executions wait), if so."""
    if not blueprint.metadata.scenario.sequential:
        return None
    from engine.incomplete.policy import SequentialBlocked, check_sequential

    try:
        check_sequential(Workspace.of(workspace).state, blueprint, scenario)
    except SequentialBlocked as exc:
        return str(exc)
    return None


class RunHandle:
    """One started run: its services and executor; `run()` it, then `finish(result)`."""

    executor: Executor  # set by start_run, before anything runs

    def __init__(self, workspace: Workspace | None, blueprint: Blueprint, plan: Plan,
                 policy: RunPolicy, services: RunServices, *, trigger_input: Any,
                 resumed_from: str | None, history_id: str | None,
                 history_writer: HistoryWriter | None = None) -> None:
        self.workspace = workspace
        self.blueprint = blueprint
        self.plan = plan
        self.policy = policy
        self.services = services
        self.trigger_input = trigger_input
        self.resumed_from = resumed_from
        self.history_id = history_id
        self.prepared: Prepared | None = None  # the connections bound, and what is missing
        self.execution_id: str | None = None  # the history entry's id once recorded
        self.incomplete_ids: list[str] = []
        self.health: ScenarioHealth | None = None  # after finish, when the outcome counted
        self.outcomes: OutcomeCounter | None = None  # a long-lived runtime's counter
        self._history_writer = history_writer
        self._guard: RunGuard | None = None
        self._recorder: Any = None
        self._secrets: ScenarioSecrets | None = None

    # ------------------------------------------------------------- the run

    async def run(self) -> RunResult:
        return await self.executor.run()

    @property
    def missing_connections(self) -> str | None:
        """What the run lacks (it fails at its initialization), as one line."""
        if self.prepared is None:
            return None
        return "; ".join(m.describe() for m in self.prepared.missing) or None

    # -------------------------------------------------------------- before

    @property
    def source(self) -> Any:
        """The blueprint as JSON (dumped once per plan)."""
        return plan_source(self.plan, self.blueprint)

    def _start(self) -> list[Listener]:
        """Bind connections, write the guard, start recording: the listeners to add."""
        policy, services = self.policy, self.services
        if policy.bind_connections and self.workspace is not None:
            self._bind_connections(self.workspace)
        if policy.guard and self.workspace is not None:
            self._guard = RunGuard(
                self.workspace.folder, services.execution_id, scenario=services.scenario_name,
                blueprint_json=self.source, trigger_input=self.trigger_input,
                secrets=services.secrets,
            )
            self._guard.start()
        if not policy.history or self.workspace is None:
            if not policy.tracked:
                return []
            self._secrets = secrets_of_source(self.source, services.secrets)
            return [SecretWatch(self._secrets)] if self._secrets.watched else []
        # sqlalchemy loads only when recording
        from engine.history import HistoryRecorder, start_recording

        if self._history_writer is not None:  # a long-lived runtime's shared writer
            self._recorder = HistoryRecorder(
                self._history_writer, blueprint=self.blueprint, plan=self.plan,
                trigger=policy.trigger, secrets=services.secrets,
                resumed_from=self.resumed_from, kind=policy.history_kind,
                cycle=lambda: services.cycle, effects=services.effects,
                trigger_input=self.trigger_input, execution_id=self.history_id,
                live_secrets=services.secrets, source=self.source,
            )
        else:
            self._recorder = start_recording(
                self.workspace.folder, self.blueprint, self.plan, services,
                trigger=policy.trigger, secrets=services.secrets,
                resumed_from=self.resumed_from, kind=policy.history_kind,
                trigger_input=self.trigger_input, execution_id=self.history_id,
            )
        if isinstance(self._recorder, HistoryRecorder):
            self._secrets = self._recorder.secrets  # it learns what the run evaluates
        return [self._recorder]

    def _bind_connections(self, workspace: Workspace) -> None:
        """The connections the scenario's modules name, bound and their secrets learnt
        (the executor refuses the run at initialization if one is missing)."""
        from engine.executor.connections import credential_refs

        steps = list(self.plan.steps.values())
        refs = self.plan.credential_refs
        if refs is None:
            refs = self.plan.credential_refs = credential_refs(steps)
        if refs:  # the store loads only for scenarios that need it
            from engine.connections import prepare_run

            self.prepared = prepare_run(workspace.folder, steps, self.services)

    # --------------------------------------------------------------- after

    def secret_values(self) -> set[str]:
        """The run's secrets: the blueprint's, the caller's and those it evaluated."""
        if self._secrets is None:
            self._secrets = secrets_of_source(self.source, self.services.secrets)
        return set(self._secrets.values)

    def finish(self, result: RunResult | None, *, stopped: bool = False,
               keep_guard: bool = False) -> None:
        """`result` None: the run was cancelled; `stopped`: the user stopped it (the window's
        Stop). Either is recorded as it ended, and nothing is stored or counted: the user's
        Stop is no failure of the scenario.

        `keep_guard`: leave the crash guard until `release_guard()` (the runtime first
        records that the webhook request it ran is done, so a crash in between is never
        taken for a run that did not finish). With a shared history writer, history is
        committed shortly after, not before this returns."""
        policy = self.policy
        try:
            if result is not None and policy.tracked:
                redact_result(result, self.secret_values())
            if self._recorder is not None:
                self.execution_id = self._recorder.finish(
                    result, wait=self._history_writer is None,
                    paused_s=self.executor.paused_s if self.executor is not None else 0.0)
            if result is None or stopped or self.workspace is None:
                return
            if policy.store_incomplete and result.incomplete:
                self.incomplete_ids = self.save_incomplete(result.incomplete)
            if policy.count_outcome and (policy.history or result.status == "error"):
                self._count(result)
        finally:
            if not keep_guard:
                self.release_guard()

    def store_interrupted(self) -> str | None:
        """The run was stopped before it finished (the runtime is shutting down): keep it as
        an incomplete execution now, as a crash would be kept at the next start; its id."""
        guard, self._guard = self._guard, None
        if guard is None or self.workspace is None:
            return None
        if self._history_writer is not None:
            self._history_writer.flush()  # its start is committed before it is marked
        from engine.crash import store_interrupted

        recovered = store_interrupted(self.workspace.folder, guard.path)
        return recovered.incomplete_id if recovered is not None else None

    def release_guard(self) -> None:
        """The run is over for good: its crash guard goes."""
        if self._guard is not None:
            self._guard.finish()
            self._guard = None

    def save_incomplete(self, states: list[IncompleteState],
                        now: datetime | None = None) -> list[str]:
        """Store incomplete executions of this run (with their automatic-retry schedule)."""
        from engine.incomplete.schedule import next_retry_at, retry_settings
        from engine.secrets import EncryptedFileStore, KeyringStore, secret_store
        from engine.store.incomplete import add_incomplete

        assert self.workspace is not None
        engine = self.workspace.state
        now = now or datetime.now(UTC)
        source = blueprint_json(self.blueprint)
        store = secret_store(self.workspace.folder)
        secrets = self.secret_values()
        if secrets and isinstance(store, EncryptedFileStore):
            self.services.warn(f"this run's credentials are kept in {store.description}")
        elif secrets and not isinstance(store, KeyringStore):
            self.services.warn(f"credentials are not stored ({store.description}): retrying"
                               " this run's incomplete execution will ask for them")
        ids = []
        for state in states:
            settings = retry_settings(state.retry, state.error)
            ids.append(add_incomplete(
                engine, scenario=self.services.scenario_name, blueprint_json=source,
                execution_id=self.execution_id or self.services.execution_id,
                module_id=state.module_id, bundles=state.bundles,
                execution_vars=state.execution_vars,
                trigger=self.services.webhook_request, error=state.error,
                reason="break" if state.retry is not None else "error", retry=settings,
                next_retry_at=next_retry_at(settings, 0, now), now=now, secrets=secrets,
                store=store,
            ))
        return ids

    def _count(self, result: RunResult) -> None:
        assert self.workspace is not None
        name = self.services.scenario_name
        if self.outcomes is None and result.status != "error" \
                and self.workspace.state_is_file() \
                and counted_errors(self.workspace.folder, name) == 0:
            self.health = ScenarioHealth(name)  # nothing to count: no SQLAlchemy for a run
            return
        from engine.incomplete.policy import record_outcome

        count = self.outcomes.record if self.outcomes is not None else record_outcome
        self.health = count(
            self.workspace.state, self.services.scenario_name, result.status,
            result.error, max_errors=self.blueprint.metadata.scenario.maxErrors,
            scheduled=self.policy.scheduled,
        )


def start_run(
    workspace: Workspace | str | os.PathLike[str] | None,
    blueprint: Blueprint,
    policy: RunPolicy,
    *,
    plan: Plan | None = None,
    scenario: str | None = None,
    request: dict[str, Any] | None = None,
    trigger_input: Any = _POLICY_DECIDES,
    execution_id: str | None = None,
    effects: EffectLog | None = _POLICY_DECIDES,
    services_type: Callable[..., RunServices] = RunServices,
    warnings: Iterable[str] = (),
    listeners: Iterable[Listener] = (),
    gate: Gate | None = None,
    pins: dict[int, list[dict[str, Any]]] | None = None,
    resume: ResumePoint | None = None,
    resumed_from: str | None = None,
    history_id: str | None = None,
    history_writer: HistoryWriter | None = None,
    start_from: dict[str, Any] | None = None,
    outcomes: OutcomeCounter | None = None,
) -> RunHandle:
    """Everything before the run (see the module's docstring); blocking.

    `workspace` None: a run outside any workspace (the window's untitled scenario), for
    policies that track nothing (with a workspace, such a policy still runs in it: its data
    stores, no more). `request`: the webhook request the run received (also its recorded
    trigger input, unless `trigger_input` is given). `effects`: the recorded effects a
    deterministic replay feeds back (by default a new log when the policy records them).
    `services_type`: a RunServices with more (the debugger's start choice). The caller's
    listeners come before history's. `history_writer`: a long-lived runtime's shared writer
    (else the run opens its own). `start_from`: polling triggers' "choose where to start".
    `outcomes`: a long-lived runtime's consecutive-error counter."""
    ws = Workspace.of(workspace) if workspace is not None else None
    if ws is None and policy.tracked:
        raise ValueError(f"a {policy.kind} run needs a workspace")
    if plan is None:
        plan = compile_plan(blueprint)
    if effects is _POLICY_DECIDES:
        effects = new_effect_log(blueprint, policy.history) if policy.record_effects else None
    if policy.deterministic and (effects is None or not effects.replaying):
        raise ValueError("a deterministic replay needs the recorded effects")
    replaying = effects is not None and effects.replaying
    services = services_type(
        data_dir=ws.folder if ws is not None else None,
        webhook_request=request,
        auto_commit=bool(blueprint.metadata.scenario.autoCommit is not False),
        scenario_name=scenario if scenario is not None else (blueprint.name or ""),
        execution_id=execution_id or uuid.uuid4().hex,
        effects=effects,
        sleep=_no_sleep if replaying else asyncio.sleep,
    )
    if start_from is not None:
        services.start_from = start_from
    for warning in warnings:
        services.warn(warning)
    if trigger_input is _POLICY_DECIDES:
        trigger_input = request
    handle = RunHandle(ws, blueprint, plan, policy, services, trigger_input=trigger_input,
                       resumed_from=resumed_from, history_id=history_id,
                       history_writer=history_writer)
    handle.outcomes = outcomes
    every = [*listeners, *handle._start()]
    if pins and policy.record_pins and effects is not None:  # a deterministic replay too
        effects.record(PINS_EFFECT, {str(k): v for k, v in pins.items()})
    # Not in a try: if this process dies or is interrupted, the guard file stays and the next
    # start recovers the run like any other.
    handle.executor = Executor(plan, services, every, gate=gate, resume=resume, pins=pins)
    return handle


def redact_result(result: RunResult, secrets: set[str]) -> None:
    """Secrets out of the result's messages (its error, each module's, the warnings)."""
    redactor = Redactor(secrets)
    if result.error is not None:
        result.error = redactor.value(result.error)
    for module_id, errors in result.errors_by_module.items():
        result.errors_by_module[module_id] = redactor.value(errors)
    result.warnings[:] = [redactor.text(w) for w in result.warnings]
