"""The history recorder: an executor listener that records one execution and its operations.

On the event loop it does as little as possible: an operation becomes one tuple appended to a
list (references to the bundles, no copies: bundles are never mutated once emitted), and a full
list goes to the writer's queue. Encoding, compression, redaction and SQL happen on the
writer's thread.

Confidential scenarios (`metadata.scenario.confidential`) keep counts, times, errors and the
blueprint, but no bundle data. Secret values are redacted from everything stored: the ones the
blueprint holds (`engine.sensitive`: declared credential fields, auth headers, URL
credentials), the ones a caller passes, and those a run evaluates into a credential field of
an operation's input (hidden there by field, and by value from then on).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

from engine.blueprint import Blueprint
from engine.effects import EffectLog
from engine.executor.events import (
    Event,
    FilterEvaluated,
    OperationFinished,
    RunFinished,
    RunStarted,
)
from engine.executor.plan import Plan
from engine.executor.result import RunResult
from engine.history.writer import (
    FinishJob,
    HistoryWriter,
    OperationsJob,
    OperationTuple,
    RecordJob,
    StartJob,
)
from engine.report import build_report
from engine.sensitive import ScenarioSecrets, blank_blueprint, scenario_secrets

BATCH_OPERATIONS = 2000  # operations handed to the writer at a time
TRIGGERS = ("manual", "webhook", "schedule")
TRIGGER_SEQ, EFFECTS_SEQ = -1, -2  # rows beside the operations (see writer.RecordJob)


def blueprint_json(blueprint: Blueprint) -> Any:
    return blueprint.model_dump(mode="json", by_alias=True, exclude_unset=True)


def blueprint_sha256(value: Any) -> str:
    """The content address of a blueprint: sha256 of its canonical JSON (sorted keys)."""
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


class HistoryRecorder:
    """Listens to one run. Call `finish(result)` after the run to store its report."""

    def __init__(
        self,
        writer: HistoryWriter,
        *,
        blueprint: Blueprint,
        plan: Plan | None = None,
        trigger: str = "manual",
        secrets: Iterable[str] = (),
        resumed_from: str | None = None,
        kind: str = "run",
        cycle: Callable[[], int] | None = None,
        own_writer: bool = False,
        clock: Callable[[], datetime] = _now,
        effects: EffectLog | None = None,
        trigger_input: Any = None,
        execution_id: str | None = None,
        live_secrets: list[str] | None = None,
    ) -> None:
        self.writer = writer
        # The run's own secret list, which grows when a connection's token is renewed
        # mid-run: what it gains is redacted from then on.
        self._live_secrets = live_secrets
        self._live_seen = len(live_secrets) if live_secrets is not None else 0
        # Recorded external effects and the trigger's input: what replay needs.
        self.effects = effects
        self.trigger_input = trigger_input
        self._execution_id = execution_id  # instead of the run's (a replay reuses that one)
        self.plan = plan
        self.trigger = trigger
        self.resumed_from = resumed_from
        self.kind = kind
        self.own_writer = own_writer
        self._cycle = cycle
        self._clock = clock
        self.confidential = bool(blueprint.metadata.scenario.confidential)
        source = blueprint_json(blueprint)
        self.secrets: ScenarioSecrets = scenario_secrets(source, extra=secrets)
        self._sink = writer.sink(self.secrets.searchable())
        # The version history keeps: credential fields blanked, any other secret redacted.
        self._blueprint = self._sink.codec.redact(blank_blueprint(source))
        self.blueprint_sha256 = blueprint_sha256(self._blueprint)
        self.execution_id: str | None = None
        self.scenario = blueprint.name or ""
        self._pending: list[OperationTuple] = []
        self._seq = 0
        self._first_module = blueprint.flow[0].id if blueprint.flow else None
        self._first_op: tuple[int, int, bool] | None = None  # module, outputs, failed
        self._blocked: dict[int, int] = {}  # bundles each module's filter stopped
        self._finished: RunFinished | None = None
        self._done = False

    # -------------------------------------------------------------- listener

    def __call__(self, event: Event) -> None:
        kind = type(event)
        if kind is OperationFinished:
            self._operation(event)  # type: ignore[arg-type]
        elif kind is FilterEvaluated:
            module_id = event.module_id  # type: ignore[union-attr]
            self._blocked[module_id] = self._blocked.get(module_id, 0) + 1
        elif kind is RunStarted:
            self._started(event)  # type: ignore[arg-type]
        elif kind is RunFinished:
            self._finished = event  # type: ignore[assignment]
            self._ship()

    def _operation(self, event: OperationFinished) -> None:
        outputs = event.outputs
        if self._first_op is None:
            self._first_op = (event.module_id, len(outputs), event.error is not None)
        keep = not self.confidential
        live = self._live_secrets
        if live is not None and len(live) > self._live_seen:
            self._sink.codec.add_secrets(self.secrets.learn(live[self._live_seen:]))
            self._live_seen = len(live)
        input_ = event.input
        if event.module_id in self.secrets.watched:
            input_, found = self.secrets.of_input(event.module_id, input_)
            if found:
                self._sink.codec.add_secrets(self.secrets.learn(found))
        self._pending.append((
            self._seq, self._cycle() if self._cycle is not None else 0, event.module_id,
            event.duration_s, event.filter_passed, event.error,
            input_ if keep else None, outputs if keep else None, len(outputs),
        ))
        self._seq += 1
        if len(self._pending) >= BATCH_OPERATIONS:
            self._ship()

    def _started(self, event: RunStarted) -> None:
        self.execution_id = self._execution_id or event.execution_id or hashlib.sha256(
            f"{self.scenario}{self._clock().isoformat()}{id(self)}".encode()
        ).hexdigest()[:32]
        if event.scenario:
            self.scenario = event.scenario
        self.scenario = self._sink.codec.redact(self.scenario)
        self.writer.submit(StartJob(
            execution={
                "id": self.execution_id, "scenario": self.scenario, "kind": self.kind,
                "trigger": self.trigger, "status": "running", "started_at": self._clock(),
                "confidential": self.confidential, "resumed_from": self.resumed_from,
            },
            blueprint_sha256=self.blueprint_sha256,
            blueprint=self._blueprint,
            sink=self._sink,
        ))
        if self.trigger_input is not None and not self.confidential:
            self.writer.submit(RecordJob(self._sink, "trigger", TRIGGER_SEQ, self.trigger_input))

    def _ship(self) -> None:
        if self._pending and self.execution_id is not None:
            self.writer.submit(OperationsJob(self._sink, self._pending))
            self._pending = []

    # ----------------------------------------------------------------- finish

    def is_check_run(self, operations: int, status: str) -> bool:
        """Make's check run: a polling trigger that found nothing (one operation, no data)."""
        first = self._first_op
        return (operations == 1 and status != "error" and first is not None
                and first[0] == self._first_module and first[1] == 0 and not first[2])

    def finish(self, result: RunResult | None = None, *, wait: bool = True,
               paused_s: float = 0.0) -> str | None:
        """Store how the run ended (the report when `result` is given); returns the id.
        `paused_s`: time it waited at breakpoints, left out of its duration.

        With `wait`, returns once everything is committed (and closes an owned writer).
        """
        if self._done or self.execution_id is None:
            if self.own_writer:
                self.writer.close()
            return self.execution_id
        self._done = True
        self._ship()
        finished = self._finished
        if result is not None:
            status, operations = result.status, result.operations
            data_transfer, incomplete = result.data_transfer, result.incomplete_executions
            error = result.error
        elif finished is not None:
            status, operations = finished.status, finished.operations
            data_transfer, incomplete = finished.data_transfer, finished.incomplete_executions
            error = finished.errors[0] if finished.errors else None
        else:
            status, operations, data_transfer, incomplete, error = "error", self._seq, 0, 0, {
                "name": "InterruptedError", "message": "the run ended without finishing"}
        if self.effects is not None and not self.confidential and not self.effects.replaying:
            self.writer.submit(RecordJob(self._sink, "effects", EFFECTS_SEQ,
                                         self.effects.entries))
        summary = None
        if result is not None and self.plan is not None:
            summary = build_report(self.plan, result, None)
            if self.confidential:
                summary["webhook_response"] = None
            summary["filtered"] = {str(k): v for k, v in sorted(self._blocked.items())}
        self.writer.submit(FinishJob(
            self._sink,
            fields={
                "status": status, "finished_at": self._clock(), "operations": operations,
                "paused_s": round(paused_s, 6),
                "data_transfer": data_transfer, "incomplete_executions": incomplete,
                "check_run": self.is_check_run(operations, status),
            },
            error=error, summary=summary,
        ))
        if wait:
            if self.own_writer:
                self.writer.close()
            else:
                self.writer.flush()
        return self.execution_id
