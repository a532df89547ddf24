"""What the debugger remembers of a run: every operation of every module, built in batches
from the engine's events (the controller hands them over every ~50 ms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.executor.events import FilterEvaluated, OperationFinished, RunFinished
from engine.filters import FilterVerdict

OK, FILTERED, WARNING, ERROR = "ok", "filtered", "warning", "error"


@dataclass(slots=True)
class OperationRecord:
    """One operation (or one bundle a filter refused: `outcome == FILTERED`, no operation)."""

    module_id: int
    number: int  # 1-based, per module, in the order they happened
    outcome: str
    input: dict[str, Any] | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    verdict: FilterVerdict | None = None
    # The bundles mappable into the module at that moment ({module id: bundle}); kept for
    # the first operations only, to offer them to "Run this module only".
    context: dict[Any, Any] | None = None
    duration_s: float = 0.0


@dataclass
class ModuleRecord:
    operations: int = 0
    filtered: int = 0
    errors: int = 0
    handled_errors: int = 0  # errors an error-handler route took
    outputs: int = 0  # bundles it sent on
    entries: list[OperationRecord] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.errors > self.handled_errors:
            return ERROR
        if self.handled_errors:
            return WARNING
        if self.operations == 0 and self.filtered:
            return FILTERED
        return OK


Pending = tuple[Any, "FilterVerdict | None", "dict[Any, Any] | None"]


class RunRecord:
    """All operations of one run, by module."""

    def __init__(self, handled: set[int] | None = None) -> None:
        self.modules: dict[int, ModuleRecord] = {}
        self.handled = handled or set()  # modules with an error handler route
        self.status: str | None = None  # set when the run finished
        self.operations = 0
        self.data_transfer = 0
        self.error: dict[str, Any] | None = None

    def module(self, module_id: int) -> ModuleRecord:
        found = self.modules.get(module_id)
        if found is None:
            found = self.modules[module_id] = ModuleRecord()
        return found

    def add(self, pending: list[Pending]) -> set[int]:
        """Fold a batch of events in; returns the modules it touched."""
        touched: set[int] = set()
        for event, verdict, context in pending:
            kind = type(event)
            if kind is OperationFinished:
                touched.add(event.module_id)
                self._operation(event, verdict, context)
            elif kind is FilterEvaluated:
                touched.add(event.module_id)
                record = self.module(event.module_id)
                record.filtered += 1
                record.entries.append(OperationRecord(
                    event.module_id, len(record.entries) + 1, FILTERED,
                    verdict=verdict, context=context,
                ))
            elif kind is RunFinished:
                self.status = event.status
                self.error = event.errors[0] if event.errors else None
        return touched

    def _operation(self, event: OperationFinished, verdict: FilterVerdict | None,
                   context: dict[Any, Any] | None) -> None:
        record = self.module(event.module_id)
        outputs = event.outputs
        if event.error is not None:
            record.errors += 1
            if event.module_id in self.handled:
                record.handled_errors += 1
            outcome = WARNING if event.module_id in self.handled else ERROR
        else:
            outcome = OK
        record.outputs += len(outputs)
        record.entries.append(OperationRecord(
            event.module_id, len(record.entries) + 1, outcome, event.input, outputs,
            event.error, verdict, context, event.duration_s,
        ))

    def sync_operations(self, counts: dict[int, int], touched: set[int]) -> None:
        """Operation counts come from the executor itself (an aggregator reports all its
        results in one event, a trigger several bundles in one operation, If-else reports
        none); modules whose count changed join `touched`."""
        for module_id, count in counts.items():
            known = self.modules.get(module_id)
            if count and (known is None or known.operations != count):
                self.module(module_id).operations = count
                touched.add(module_id)
        self.operations = sum(counts.values())

    def entries(self, module_id: int) -> list[OperationRecord]:
        found = self.modules.get(module_id)
        return found.entries if found is not None else []

    def first_output(self, module_id: int) -> dict[str, Any] | None:
        for entry in self.entries(module_id):
            if entry.outputs:
                return entry.outputs[0]
        return None
