"""Runs a scenario once on the Qt loop (qasync) and hands its events to the widgets in
batches.

The engine calls our listener synchronously for every event; the listener only appends to
a list (plus, for filtered modules, the filter's explanation, which needs the executor's
state of that moment). A QTimer folds the list into the RunRecord every FLUSH_MS and emits
`updated(module_ids)` once, so widgets repaint at most ~20 times a second whatever the run's
speed. Pauses and Stop go through the engine's DebugGate.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.gui.debugger.breakpoints import BreakpointStore
from app.gui.debugger.gc_policy import responsive_run
from app.gui.debugger.pins import PinStore
from app.gui.debugger.records import OperationRecord, Pending, RunRecord
from app.gui.debugger.start_choice import DebugRunServices
from engine.blueprint import Blueprint
from engine.edits.tree import upstream
from engine.errors import BlueprintError, IMLError
from engine.executor.debug import DebugGate, Pause
from engine.executor.events import Event, FilterEvaluated, OperationFinished
from engine.executor.plan import Plan, compile_plan
from engine.executor.result import RunResult
from engine.executor.run import Executor
from engine.filters import CompiledFilter, FilterVerdict
from engine.runtime.policy import RunPolicy
from engine.runtime.start import RunHandle, sequential_refusal, start_run

FLUSH_MS = 50
FLUSH_BUDGET_S = 0.008  # event folding per batch; the rest waits for the next batch
FLUSH_SLICE = 500
CONTEXT_LIMIT = 200  # operations per module whose mappable bundles are kept
EXPLAIN_LIMIT = 2000  # operations per module whose filter verdict is explained
STOP_GRACE_S = 3.0  # after Stop, a module still busy (a slow request) is cancelled

IDLE, WAITING, RUNNING, PAUSED, FINISHED = "idle", "waiting", "running", "paused", "finished"


_history_loaded = threading.Event()
_history_loading = threading.Lock()


def preload_history() -> threading.Event:
    """Import the history recorder (SQLAlchemy: ~1 s under PySide's import hook) on a
    background thread as soon as a tab opens, so the first Run once doesn't pay for it
    while the user watches. Returns an event set once it is loaded."""
    if _history_loading.acquire(blocking=False):

        def load() -> None:
            try:
                import engine.history  # noqa: F401
            finally:
                _history_loaded.set()

        threading.Thread(target=load, name="history-preload", daemon=True).start()
    return _history_loaded


class RunController(QObject):
    state_changed = Signal(str)
    updated = Signal(object)  # set[int]: modules whose operations changed in this batch
    paused = Signal(object)  # Pause
    finished = Signal(object)  # RunResult | None (cancelled)
    failed = Signal(str)  # the run could not start (invalid blueprint, bad condition)

    def __init__(
        self,
        blueprint: Any,
        workspace: Path | None,
        breakpoints: BreakpointStore,
        pins: PinStore,
        registry: Any = None,
        parent: QObject | None = None,
        name: Any = None,
    ) -> None:
        super().__init__(parent)
        self._blueprint = blueprint  # a callable returning the current Blueprint
        self._name = name  # a callable: the name runs are recorded under (file name fallback)
        self.workspace = workspace
        self.registry = registry
        self.breakpoints = breakpoints
        self.pins = pins
        self.record_history = workspace is not None
        self.state = IDLE
        self.record = RunRecord()
        self.previous: RunRecord | None = None  # the run before a "module only" one
        self.result: RunResult | None = None
        self.execution_id: str | None = None  # the last run's history entry
        self.incomplete_ids: list[str] = []  # incomplete executions the last run stored
        self.pause: Pause | None = None
        self.executor: Executor | None = None
        self.gate: DebugGate | None = None
        self.last_flush_s = 0.0
        self.flush_started = 0.0  # perf_counter() at the start of the last batch
        self._pending: list[Pending] = []
        self._filters: dict[int, CompiledFilter] = {}
        self._upstream: dict[int, list[int]] = {}
        self._seen: dict[int, int] = {}  # events per module in this run
        self._blueprint_copy: Blueprint | None = None
        self._task: asyncio.Task[Any] | None = None
        self._stopped = False  # the user pressed Stop during this run
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        breakpoints.changed.connect(self._breakpoints_changed)
        if self.record_history:
            preload_history()

    # ----------------------------------------------------------------- state

    @property
    def busy(self) -> bool:
        return self.state in (WAITING, RUNNING, PAUSED)

    def set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    # ------------------------------------------------------------------- run

    def start(self, request: dict[str, Any] | None = None,
              start_from: dict[str, Any] | None = None) -> asyncio.Task[Any] | None:
        """Schedule `run_once` on the running loop (for buttons); None when busy."""
        if self.busy and self.state != WAITING:
            return None
        self._task = asyncio.ensure_future(self.run_once(request, start_from=start_from))
        return self._task

    async def run_once(self, request: dict[str, Any] | None = None, *,
                       start_from: dict[str, Any] | None = None) -> RunResult | None:
        if self.state in (RUNNING, PAUSED):
            return None
        self._task = asyncio.current_task()  # Stop may have to cancel it
        prepared = self._prepare()
        if prepared is None:
            self.set_state(IDLE)
            return None
        blueprint, plan = prepared
        recorded = self.record_history and self.workspace is not None
        if recorded and self.workspace is not None and blueprint.metadata.scenario.sequential:
            refused = await asyncio.to_thread(sequential_refusal, self.workspace, blueprint,
                                              blueprint.name or "")
            if refused:
                self.failed.emit(f"Cannot run: {refused}")
                self.set_state(IDLE)
                return None
        gate = DebugGate(on_pause=self._on_pause)
        for module_id, condition in self.breakpoints.points.items():
            self._set_breakpoint(gate, module_id, condition)
        # As `scenarist run` does when recorded: crash guard, history with the run's external
        # effects (deterministic replay), incomplete executions, error counts.
        policy = RunPolicy.debug(recorded=recorded, webhook=request is not None)
        begin = functools.partial(
            start_run, self.workspace, blueprint, policy, plan=plan,
            scenario=self._scenario(blueprint), request=request,
            services_type=functools.partial(DebugRunServices, start_from=start_from),
            listeners=[self._listen], gate=gate, pins=self.pins.pins() or None)
        # Opening history.db (migrating a new one) takes a while: off the GUI thread.
        handle: RunHandle = await asyncio.to_thread(begin) if policy.tracked else begin()
        self.execution_id, self.incomplete_ids = None, []
        self.previous, self.record = self.record, RunRecord(self._handled(plan))
        self.result, self.pause = None, None
        self.gate, self._stopped = gate, False
        self.executor = handle.executor
        self.flush_started = time.perf_counter()
        self.updated.emit(set(plan.steps))  # the previous run's bubbles go away
        self.set_state(RUNNING)
        self._timer.start()
        result: RunResult | None = None
        try:
            with responsive_run():
                result = await handle.run()
        except asyncio.CancelledError:
            result = None
        finally:
            self._timer.stop()
            self.flush(everything=True)
            self.gate = None
        if policy.tracked:
            # The user's Stop is not a failure of the scenario: nothing stored or counted.
            await asyncio.to_thread(handle.finish, result, stopped=self._stopped)
            self.execution_id, self.incomplete_ids = handle.execution_id, handle.incomplete_ids
        if result is not None:
            self.record.status = result.status
            self.record.error = result.error
            self.record.data_transfer = result.data_transfer
        else:
            self.record.status = "error"
            self.record.error = {"name": "ExecutionInterruptedError",
                                 "message": "stopped by the user"}
        self.result = result
        self.set_state(FINISHED)
        self.finished.emit(result)
        return result

    async def run_module_only(self, module_id: int, bundles: dict[Any, Any]
                              ) -> OperationRecord | None:
        """Make's "Run this module only": one operation with the chosen input bundles."""
        if self.busy:
            return None
        prepared = self._prepare()
        if prepared is None:
            return None
        blueprint, plan = prepared
        if module_id not in plan.steps:
            self.failed.emit(f"module {module_id} is not in the scenario")
            return None
        handle = start_run(self.workspace, blueprint, RunPolicy.debug(recorded=False),
                           plan=plan, scenario=self._scenario(blueprint),
                           services_type=DebugRunServices, listeners=[self._listen])
        self.previous, self.record = self.record, RunRecord()
        self.executor = handle.executor
        self.set_state(RUNNING)
        try:
            await self.executor.run_module_only(module_id, bundles)
        finally:
            self.flush(everything=True)
        module = self.record.module(module_id)
        self.record.status = "error" if module.errors else "success"
        self.record.data_transfer = self.executor.data_transfer
        self.set_state(FINISHED)
        self.finished.emit(None)
        entries = self.record.entries(module_id)
        return entries[-1] if entries else None

    def _prepare(self) -> tuple[Blueprint, Plan] | None:
        # The run gets its own copy: edits made meanwhile never reach it (nor it them).
        blueprint: Blueprint = self._blueprint().model_copy(deep=True)
        try:
            plan = compile_plan(blueprint, self.registry)
        except (BlueprintError, IMLError) as exc:
            self.failed.emit(f"Cannot run: {exc}")
            return None
        self._filters = {
            i: s.filter for i, s in plan.steps.items() if isinstance(s.filter, CompiledFilter)
        }
        self._upstream = {}
        self._seen = {}
        self._blueprint_copy = blueprint
        return blueprint, plan

    def _scenario(self, blueprint: Blueprint) -> str:
        """The name runs are recorded under."""
        return self._name() if self._name is not None else (blueprint.name or "")

    @staticmethod
    def _handled(plan: Plan) -> set[int]:
        return {i for i, step in plan.steps.items() if step.onerror is not None}

    # -------------------------------------------------------------- controls

    def resume(self) -> None:
        if self.gate is not None and self.state == PAUSED:
            self.set_state(RUNNING)
            self.gate.resume_run()

    def step(self) -> None:
        if self.gate is not None and self.state == PAUSED:
            self.set_state(RUNNING)
            self.gate.step()

    def step_over_route(self) -> None:
        if self.gate is not None and self.state == PAUSED:
            self.set_state(RUNNING)
            self.gate.step_over_route()

    def stop(self) -> None:
        """Stop cleanly: the gate ends the run before the next operation; a module still
        busy after STOP_GRACE_S (a hanging request) is cancelled."""
        if self.gate is not None:
            self._stopped = True
            self.gate.stop()
        task = self._task
        if task is not None and not task.done():
            asyncio.get_running_loop().call_later(
                STOP_GRACE_S, lambda: task.done() or task.cancel())

    async def wait(self) -> RunResult | None:
        """Until the scheduled run ends (tests, the --run-once command)."""
        if self._task is None:
            return self.result
        return await self._task  # type: ignore[no-any-return]

    def _on_pause(self, pause: Pause) -> None:
        self.flush(everything=True)  # everything so far is visible while paused
        self.pause = pause
        self.set_state(PAUSED)
        self.paused.emit(pause)

    def _breakpoints_changed(self, module_ids: set[int]) -> None:
        gate = self.gate
        if gate is None:
            return
        for module_id in module_ids:
            if self.breakpoints.has(module_id):
                self._set_breakpoint(gate, module_id, self.breakpoints.points[module_id])
            else:
                gate.clear_breakpoint(module_id)

    def _set_breakpoint(self, gate: DebugGate, module_id: int, condition: str | None) -> None:
        try:
            gate.set_breakpoint(module_id, condition)
        except IMLError as exc:
            gate.set_breakpoint(module_id)  # better to stop than to run past it
            self.failed.emit(f"Breakpoint condition on module {module_id}: {exc}")

    # ---------------------------------------------------------------- events

    def _listen(self, event: Event) -> None:
        kind = type(event)
        if kind is OperationFinished or kind is FilterEvaluated:
            module_id = event.module_id  # type: ignore[union-attr]
            done = self._seen.get(module_id, 0)
            self._seen[module_id] = done + 1
            verdict = self._explain(module_id, event, done)
            context = self._context(module_id) if done < CONTEXT_LIMIT else None
            self._pending.append((event, verdict, context))
        else:
            self._pending.append((event, None, None))

    def _explain(self, module_id: int, event: Any, done: int) -> FilterVerdict | None:
        compiled = self._filters.get(module_id)
        if compiled is None or done >= EXPLAIN_LIMIT or self.executor is None:
            return None
        try:
            return compiled.explain(self.executor.scope)
        except IMLError:
            return None

    def _context(self, module_id: int) -> dict[Any, Any] | None:
        executor = self.executor
        if executor is None:
            return None
        ids = self._upstream.get(module_id)
        if ids is None:
            try:
                ids = self._upstream[module_id] = upstream(self._blueprint_copy, module_id)  # type: ignore[arg-type]
            except KeyError:
                ids = self._upstream[module_id] = []
        roots = executor.roots
        return {i: roots[i] for i in ids if i in roots}

    def flush(self, *, everything: bool = False) -> None:
        """Fold pending events into the record; one `updated` for the batch. A batch takes at
        most FLUSH_BUDGET_S (the rest waits for the next tick), so a burst of events never
        holds the window; `everything` folds them all (end of run, pauses)."""
        if not self._pending:
            return
        started = self.flush_started = time.perf_counter()
        pending, self._pending = self._pending, []
        touched: set[int] = set()
        done = 0
        while done < len(pending):
            touched |= self.record.add(pending[done:done + FLUSH_SLICE])
            done += FLUSH_SLICE
            if not everything and time.perf_counter() - started > FLUSH_BUDGET_S:
                break
        if done < len(pending):
            self._pending = pending[done:]  # no event arrived meanwhile: same thread
        executor = self.executor
        if executor is not None:
            self.record.sync_operations(executor.ops, touched)
            self.record.data_transfer = executor.data_transfer
        self.updated.emit(touched)
        self.last_flush_s = time.perf_counter() - started
