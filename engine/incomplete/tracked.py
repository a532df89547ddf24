"""What goes around one run, whoever starts it (the CLI, a retry, a replay, the runtime):

- before: the crash guard file; the history recorder (with the run's external effects);
- after: the run's incomplete executions stored in state.db (with their automatic-retry
  schedule), the scenario's consecutive-error count, the guard removed.

Recording effects costs nothing when history is off: no `EffectLog` is made then.

Secrets (engine.sensitive) are kept out of all of it: each store derives them from the
blueprint it gets; the run's result has them redacted from its error and warning messages when
the run finishes, before anyone prints, stores or counts it. Secrets the run evaluated (a
mapped password) are learnt from the operations' inputs (by the history recorder, or by a small
listener when history is off).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.blueprint import Blueprint
from engine.crash import RunGuard
from engine.executor.effects import EffectLog
from engine.executor.events import Event, OperationFinished
from engine.executor.plan import Plan
from engine.executor.result import IncompleteState, RunResult
from engine.executor.run import Listener
from engine.executor.services import RunServices
from engine.sensitive import Redactor, ScenarioSecrets, scenario_secrets


def blueprint_json(blueprint: Blueprint) -> Any:
    return blueprint.model_dump(mode="json", by_alias=True, exclude_unset=True)


def new_effect_log(blueprint: Blueprint, history: bool) -> EffectLog | None:
    """An effect log for a recorded run: none without history, and none for confidential
    scenarios (their runs keep no data, so they can't be replayed deterministically)."""
    if not history or blueprint.metadata.scenario.confidential:
        return None
    return EffectLog()


class SecretWatch:
    """Learns the secrets a run evaluates into credential fields (when nothing records)."""

    def __init__(self, secrets: ScenarioSecrets) -> None:
        self.secrets = secrets

    def __call__(self, event: Event) -> None:
        if type(event) is OperationFinished and event.module_id in self.secrets.watched:
            _hidden, found = self.secrets.of_input(event.module_id, event.input)
            self.secrets.learn(found)


class TrackedRun:
    def __init__(
        self,
        workspace: Path,
        blueprint: Blueprint,
        plan: Plan,
        services: RunServices,
        *,
        history: bool = True,
        trigger: str = "manual",
        trigger_input: Any = None,
        kind: str = "run",
        resumed_from: str | None = None,
        store_incomplete: bool = True,
        count_outcome: bool = True,
        scheduled: bool = False,
        guard: bool = True,
        history_id: str | None = None,
    ) -> None:
        self.workspace = Path(workspace)
        self.blueprint = blueprint
        self.plan = plan
        self.services = services
        self.history = history
        self.trigger = trigger
        self.trigger_input = trigger_input
        self.kind = kind
        self.resumed_from = resumed_from
        self.store_incomplete = store_incomplete
        self.count_outcome = count_outcome
        self.scheduled = scheduled
        self.history_id = history_id
        self._guard_wanted = guard
        self._guard: RunGuard | None = None
        self._recorder: Any = None
        self.execution_id: str | None = None  # the history entry's id once recorded
        self.incomplete_ids: list[str] = []
        self._secrets: ScenarioSecrets | None = None

    def start(self) -> list[Listener]:
        """Write the guard and start recording; returns the listeners to give the executor."""
        services = self.services
        self._bind_connections()  # first: their secrets are redacted from all that follows
        if self._guard_wanted:
            self._guard = RunGuard(
                self.workspace, services.execution_id, scenario=services.scenario_name,
                blueprint_json=blueprint_json(self.blueprint), trigger_input=self.trigger_input,
                secrets=services.secrets,
            )
            self._guard.start()
        if not self.history:
            self._secrets = scenario_secrets(self.blueprint, extra=services.secrets)
            return [SecretWatch(self._secrets)] if self._secrets.watched else []
        # sqlalchemy loads only when recording
        from engine.history import HistoryRecorder, start_recording

        self._recorder = start_recording(
            self.workspace, self.blueprint, self.plan, services, trigger=self.trigger,
            secrets=services.secrets, resumed_from=self.resumed_from, kind=self.kind,
            trigger_input=self.trigger_input, execution_id=self.history_id,
        )
        if isinstance(self._recorder, HistoryRecorder):
            self._secrets = self._recorder.secrets  # it learns what the run evaluates
        return [self._recorder]

    def secret_values(self) -> set[str]:
        """The run's secrets: the blueprint's, the caller's and those it evaluated."""
        if self._secrets is None:
            self._secrets = scenario_secrets(self.blueprint, extra=self.services.secrets)
        return set(self._secrets.values)

    def _bind_connections(self) -> None:
        """The connections the scenario's modules name, bound and their secrets learnt
        (the executor refuses the run at initialization if one is missing)."""
        from engine.executor.connections import credential_refs

        steps = list(self.plan.steps.values())
        if credential_refs(steps):  # the store loads only for scenarios that need it
            from engine.connections import prepare_run

            prepare_run(self.workspace, steps, self.services)

    def finish(self, result: RunResult | None) -> None:
        """`result` None: the run was cancelled (the app's Stop): recorded as an error, nothing
        stored or counted."""
        try:
            if result is not None:
                redact_result(result, self.secret_values())
            if self._recorder is not None:
                self.execution_id = self._recorder.finish(result)
            if result is None:
                return
            if self.store_incomplete and result.incomplete:
                self.incomplete_ids = self.save_incomplete(result.incomplete)
            if self.count_outcome and (self.history or result.status == "error"):
                self._count(result)
        finally:
            if self._guard is not None:
                self._guard.finish()
                self._guard = None

    def save_incomplete(self, states: list[IncompleteState],
                        now: datetime | None = None) -> list[str]:
        """Store incomplete executions of this run (with their automatic-retry schedule)."""
        from engine.incomplete.schedule import next_retry_at, retry_settings
        from engine.secrets import EncryptedFileStore, KeyringStore, secret_store
        from engine.store.incomplete import add_incomplete
        from engine.store.state_db import state_engine

        engine = state_engine(self.workspace)
        now = now or datetime.now(UTC)
        source = blueprint_json(self.blueprint)
        store = secret_store(self.workspace)
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
        from engine.incomplete.policy import record_outcome
        from engine.store.state_db import state_engine

        record_outcome(
            state_engine(self.workspace), self.services.scenario_name, result.status,
            result.error, max_errors=self.blueprint.metadata.scenario.maxErrors,
            scheduled=self.scheduled,
        )


def redact_result(result: RunResult, secrets: set[str]) -> None:
    """Secrets out of the result's messages (its error, each module's, the warnings)."""
    redactor = Redactor(secrets)
    if result.error is not None:
        result.error = redactor.value(result.error)
    for module_id, errors in result.errors_by_module.items():
        result.errors_by_module[module_id] = redactor.value(errors)
    result.warnings[:] = [redactor.text(w) for w in result.warnings]
