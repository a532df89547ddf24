"""The history recorder: an executor listener that records one execution and its operations.

On the event loop it does as little as possible: it is a `RowListener`, so the executor hands
it its operations as rows about a hundred at a time (references to the bundles, no copies:
bundles are never mutated once emitted; plain outputs as the JSON the executor wrote to count
their data transfer), and engine.history.batcher writes plain ones as JSON
in one call and queues a couple of thousand at a time for the writer's thread, which
compresses and stores them (and encodes and redacts the rest: engine.history.batches).
Nothing is done per operation in Python unless the scenario has modules whose input may hold
an evaluated secret.

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
    ROWS_BATCH,
    Event,
    FilterEvaluated,
    OperationFinished,
    OperationRow,
    RowListener,
    RunFinished,
    RunStarted,
    row_bundles,
    row_outcome,
)
from engine.executor.plan import Plan
from engine.executor.result import RunResult
from engine.history.batcher import Batcher
from engine.history.batches import without_bundles
from engine.history.writer import FinishJob, HistoryWriter, RecordJob, StartJob
from engine.report import build_report
from engine.sensitive import ScenarioSecrets, blank_blueprint, secrets_of_source

BATCH_OPERATIONS = ROWS_BATCH  # operations handed to the writer at a time
TRIGGERS = ("manual", "webhook", "schedule")
TRIGGER_SEQ, EFFECTS_SEQ = -1, -2  # rows beside the operations (see writer.RecordJob)


def blueprint_json(blueprint: Blueprint) -> Any:
    return blueprint.model_dump(mode="json", by_alias=True, exclude_unset=True)


def blueprint_sha256(value: Any) -> str:
    """The content address of a blueprint: sha256 of its canonical JSON (sorted keys)."""
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


_VERSIONS: dict[tuple[int, tuple[str, ...]], tuple[Any, Any, str]] = {}


def _version(source: Any, secrets: list[str], sink: Any) -> tuple[Any, str]:
    """The blueprint version history keeps, and its address: made once per blueprint source
    object and secrets (a runtime records the same scenario thousands of times)."""
    key = (id(source), tuple(secrets))
    found = _VERSIONS.get(key)
    if found is None or found[0] is not source:
        if len(_VERSIONS) >= 64:
            _VERSIONS.clear()
        kept = sink.codec.redact(blank_blueprint(source))
        found = _VERSIONS[key] = (source, kept, blueprint_sha256(kept))
    return found[1], found[2]


def _now() -> datetime:
    return datetime.now(UTC)


class HistoryRecorder(RowListener):
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
        source: Any = None,
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
        self.rows_as_json = not self.confidential  # it only counts their outputs
        source = source if source is not None else blueprint_json(blueprint)
        self.secrets: ScenarioSecrets = secrets_of_source(source, secrets)
        searchable = self.secrets.searchable()
        self._sink = writer.sink(searchable)
        # The version history keeps: credential fields blanked, any other secret redacted.
        self._blueprint, self.blueprint_sha256 = _version(source, searchable, self._sink)
        self.execution_id: str | None = None
        self.scenario = blueprint.name or ""
        self._pending: list[OperationRow] = []  # operations given one by one, as events
        self._batches = Batcher(writer, self._sink)
        self._first_module = blueprint.flow[0].id if blueprint.flow else None
        self._first_op: tuple[int, int, bool] | None = None  # module, outputs, failed
        self._blocked: dict[int, int] = {}  # bundles each module's filter stopped
        self._finished: RunFinished | None = None
        self._done = False

    # -------------------------------------------------------------- listener

    def __call__(self, event: Event) -> None:
        kind = type(event)
        if kind is FilterEvaluated:
            module_id = event.module_id  # type: ignore[union-attr]
            self._blocked[module_id] = self._blocked.get(module_id, 0) + 1
        elif kind is OperationFinished:  # from a caller that gives events, not rows
            e: OperationFinished = event  # type: ignore[assignment]
            self._pending.append((e.module_id, e.input, e.outputs, round(e.duration_s * 1e9),
                                  e.error, e.filter_passed))  # the long form: always right
            if len(self._pending) >= BATCH_OPERATIONS:
                self._ship()
        elif kind is RunStarted:
            self._started(event)  # type: ignore[arg-type]
        elif kind is RunFinished:
            self._finished = event  # type: ignore[assignment]
            self._ship()
            self._batches.flush()

    def take_rows(self, rows: list[OperationRow]) -> None:
        """A batch of operations from the executor, all of the current cycle."""
        if self._pending:  # any given as events (or before the run started) come first
            self._pending.extend(rows)
        else:
            self._pending = rows
        self._ship()

    def _ship(self) -> None:
        rows = self._pending
        if not rows or self.execution_id is None:
            return
        self._pending = []
        if self._first_op is None:
            first = rows[0]
            self._first_op = (first[0], len(row_bundles(first[2])),
                              row_outcome(first)[0] is not None)
        live = self._live_secrets
        if live is not None and len(live) > self._live_seen:
            self._sink.codec.add_secrets(self.secrets.learn(live[self._live_seen:]))
            self._live_seen = len(live)
        if self.secrets.watched:
            rows = self._hide_evaluated_secrets(rows)
        cycle = self._cycle() if self._cycle is not None else 0
        self._batches.add(without_bundles(rows) if self.confidential else rows, cycle)

    def _hide_evaluated_secrets(self, rows: list[OperationRow]) -> list[OperationRow]:
        """Inputs of modules with credential fields, those fields hidden; what they held is
        redacted from everything recorded from now on."""
        watched, out = self.secrets.watched, []
        for row in rows:
            if row[0] in watched:
                hidden, found = self.secrets.of_input(row[0], row[1])
                if found:
                    self._sink.codec.add_secrets(self.secrets.learn(found))
                    row = (row[0], hidden, *row[2:])
            out.append(row)
        return out

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
        self._batches.flush()
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
            status, operations, data_transfer, incomplete = "error", self._batches.recorded, 0, 0
            error = {"name": "InterruptedError", "message": "the run ended without finishing"}
        if self.effects is not None and not self.confidential and not self.effects.replaying:
            self.writer.submit(RecordJob(self._sink, "effects", EFFECTS_SEQ,
                                         self.effects.entries))
        summary = None
        if result is not None and self.plan is not None:
            summary = build_report(self.plan, result, None)
            if self.confidential:
                summary["webhook_response"] = None
            blocked = dict(self._blocked)  # counted from events, or by the executor
            if finished is not None:
                for module_id, count in finished.filtered.items():
                    blocked[module_id] = blocked.get(module_id, 0) + count
            summary["filtered"] = {str(k): v for k, v in sorted(blocked.items())}
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
