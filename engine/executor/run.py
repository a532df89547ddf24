"""The executor: walks a compiled plan with Make's semantics.

Depth-first: each bundle travels to the end of its route before the next one starts. One
mutable `roots` dict holds the current bundle of every module on the path being walked, so
mapping `{{3.email}}` is a dict lookup. Operations, data transfer and errors are counted here;
everything else (reports, history, the inspector) listens to events.

Runs are bounded (engine.limits, `services.limits`): the run's limits are current while it
runs (value size, regex time); a run longer than `max_run_seconds` (time paused at a
breakpoint excluded, measured with `services.clock`) is interrupted as Make does, keeping
the unfinished bundle as an incomplete execution when the scenario allows them; an async
module call longer than `module_timeout_seconds` fails with a ModuleTimeoutError that
error handlers can catch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from time import perf_counter_ns
from typing import Any, Protocol

from orjson import OPT_PASSTHROUGH_DATETIME, Fragment, dumps

from engine.context import RunServices
from engine.edits.tree import upstream
from engine.errors import IMLError, ModuleError
from engine.executor.connections import open_connections
from engine.executor.control import Directive, StopRun
from engine.executor.events import (
    ROWS_BATCH,
    Event,
    FilterEvaluated,
    Listener,
    OperationFinished,
    OperationRow,
    RowListener,
    RunFinished,
    RunStarted,
)
from engine.executor.plan import (
    AGGREGATE,
    DIRECTIVE,
    IF_ELSE,
    MERGE,
    ROUTER,
    Flow,
    MergeEntry,
    Plan,
    Step,
)
from engine.executor.result import IncompleteState, ResumePoint, RunResult
from engine.iml.scope import Scope
from engine.limits import applied, describe_seconds, out_of_memory
from engine.spec import ModuleCall
from engine.values import payload_size, payloads_size

YIELD_EVERY_S = 0.010  # never hold the event loop longer than this

__all__ = ["Executor", "Gate", "Listener", "run_plan"]


class Gate(Protocol):
    """The debugger's hook: awaited before every operation; may pause, or raise StopRun."""

    async def before(self, executor: Executor, step: Step) -> None: ...


class Executor:
    @property
    def paused_s(self) -> float:
        """Seconds the run has waited at the debugger's gate (breakpoints, stepping)."""
        return self._paused

    def __init__(
        self,
        plan: Plan,
        services: RunServices,
        listeners: Iterable[Listener] = (),
        *,
        gate: Gate | None = None,
        resume: ResumePoint | None = None,
        pins: dict[int, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.plan = plan
        # Pinned outputs: these modules don't run; their pinned bundles are used instead
        # (so side effects are skipped while debugging). They still count as operations.
        self.pins = pins or {}
        self.gate = gate  # the debugger's pause/step gate, awaited before each operation
        self.resume = resume
        self.services = services
        self.settings = plan.blueprint.metadata.scenario
        self.listeners = list(listeners)
        # Operations go to row listeners (history) as rows, to the others as events.
        self._row_listeners = [x for x in self.listeners if isinstance(x, RowListener)]
        self._event_listeners = [x for x in self.listeners if not isinstance(x, RowListener)]
        self._rows: list[OperationRow] | None = [] if self._row_listeners else None
        # Outputs in rows as their JSON (see events.OperationRow) unless a listener counts them.
        self._rows_as_json = all(x.rows_as_json for x in self._row_listeners)
        self._filtered: dict[int, int] = {}  # bundles each filter stopped (when listened to)
        self.roots: dict[Any, Any] = {
            "var": {
                "scenario": {
                    "name": services.scenario_name,
                    "executionId": services.execution_id,
                },
                "input": services.inputs,
            }
        }
        if services.blueprint is None:
            services.blueprint = plan.blueprint
        self.scope = Scope(
            self.roots,
            now=services.now,
            timezone=services.timezone,
            execution_id=services.execution_id,
            random=services.random,
            uuid=services.uuid,
        )
        self.ops: dict[int, int] = dict.fromkeys(plan.steps, 0)
        self.errors: dict[int, list[dict[str, Any]]] = {}
        self.data_transfer = 0
        self.incomplete: list[IncompleteState] = []
        self.warning = False
        self._loops: dict[int, Any] = {}
        self._handle_errors = True  # False while running one module alone (the debugger)
        self._upstream: dict[int, list[int]] = {}
        self._ticks = 0
        # When the last operation ended (perf_counter_ns), while nothing but the walk itself
        # has run since: the next operation starts there. One clock read an operation instead
        # of two (a read costs ~50 ns here, a Compose module ~1.5 µs); anything else timed or
        # awaited between operations clears it.
        self._mark = 0
        self._last_yield = time.perf_counter()
        self.limits = services.limits
        self._clock = services.clock
        self._started: float | None = None  # services.clock() when run() began
        self._paused = 0.0  # seconds spent paused in the debugger's gate

    # ----------------------------------------------------------------- the run

    async def run(self) -> RunResult:
        with applied(self.limits):
            return await self._run()

    async def _run(self) -> RunResult:
        services = self.services
        self._emit_lazy(lambda: RunStarted(services.execution_id, services.scenario_name))
        status, error = "success", None
        cycles = 0
        self._started, self._paused = self._clock(), 0.0
        try:
            await self._initialize()
            roundtrips = max(1, int(self.settings.roundtrips or 1))
            while cycles < roundtrips:
                cycles += 1
                services.cycle = cycles
                services.more = False
                services.roundtrip_vars.clear()
                more = await self._cycle()
                if not more:
                    break
        except StopRun as stop:
            status, error = stop.status, stop.error
        finally:
            self._take_rows()
            await services.aclose()
        if status == "success" and (self.warning or self.incomplete):
            status = "warning"
        result = RunResult(
            status=status,
            operations=sum(self.ops.values()),
            data_transfer=self.data_transfer,
            incomplete_executions=len(self.incomplete),
            incomplete=self.incomplete,
            operations_by_module=self.ops,
            errors_by_module=self.errors,
            webhook_response=services.webhook_response,
            warnings=services.warnings,
            error=error,
            cycles=cycles,
        )
        self._emit_lazy(
            lambda: RunFinished(
                result.status,
                result.operations,
                result.data_transfer,
                result.incomplete_executions,
                [error] if error else [],
                self._filtered,
            )
        )
        return result

    async def _initialize(self) -> None:
        """Make's initialization phase: every module must be runnable and every connection
        open before any module runs."""
        missing = self.plan.unsupported
        if missing:
            names = ", ".join(f"{s.id} ({s.module})" for s in missing)
            message = f"modules not supported yet: {names}"
            raise StopRun("error", {"name": "InvalidConfigurationError", "message": message})
        try:
            await open_connections(self.plan.steps.values(), self.services.warn,
                                   services=self.services)
        except ModuleError as exc:
            raise StopRun("error", {"name": exc.name, "message": exc.message}) from None

    async def _cycle(self) -> bool:
        """One cycle: operation phase, then commit, or rollback on failure."""
        self._mark = 0
        try:
            if self.resume is not None:
                await self._walk_from_resume(self.resume)
            else:
                await self._walk(self.plan.main, 0)
        except StopRun as stop:
            self._take_rows()
            # Commit directive, or an interruption that kept its bundle as incomplete
            if stop.status in ("success", "warning"):
                self._commit()
            else:
                self._rollback()
            raise
        self._take_rows()
        self._commit()
        return self.services.more and self.resume is None

    async def run_module_only(
        self, module_id: int, bundles: dict[Any, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Run one module once with chosen input bundles (the debugger's "Run this module
        only"): returns its outputs, or its error. Nothing downstream runs."""
        step = self.plan.steps[module_id]
        self.roots.update(bundles)
        errors_before = len(self.errors.get(module_id, []))
        try:
            with applied(self.limits):
                outputs = await self._operate_alone(step)
        finally:
            self._take_rows()
            await self.services.aclose()
        errors = self.errors.get(module_id, [])
        return outputs or [], errors[-1] if len(errors) > errors_before else None

    async def _operate_alone(self, step: Step) -> list[dict[str, Any]] | None:
        self._handle_errors = False  # report the error; no handler route, no incomplete run
        try:
            return await self._operate(step)
        except StopRun:
            return None  # the error is in self.errors
        finally:
            self._handle_errors = True

    async def _walk_from_resume(self, resume: ResumePoint) -> None:
        """Finish an incomplete execution: its bundles back in place, the failed module
        runs again, then the rest of its route."""
        step = self.plan.steps.get(resume.module_id)
        if step is None or step.flow is None:
            raise StopRun(
                "error",
                {
                    "name": "InvalidConfigurationError",
                    "message": f"module {resume.module_id} is no longer in the scenario",
                },
            )
        self.roots.update(resume.roots)
        self.services.execution_vars.update(resume.execution_vars)
        await self._walk(step.flow, step.index)

    def _commit(self) -> None:
        for resource in self.services.transactional():
            resource.commit()

    def _rollback(self) -> None:
        for resource in self.services.transactional():
            resource.rollback()

    # ---------------------------------------------------------------- walking

    async def _walk(self, flow: Flow, i: int) -> bool:
        """Run `flow` from step `i` for the bundles now in `roots`.

        Returns False only when the first step's filter stopped the bundle (routers need
        to know whether a route was taken).
        """
        steps = flow.steps
        n = len(steps)
        first = True
        while i < n:
            step = steps[i]
            if step.filter is not None:
                try:
                    passed = step.filter(self.scope)
                except IMLError as exc:
                    await self._evaluation_failed(step, exc)
                    return True
                if not passed:
                    if self.listeners:
                        self._filter_stopped(step.id)
                    return not first
            first = False
            how = step.how
            if how:  # anything but a plain operation
                if how == ROUTER:
                    await self._route(step)
                elif how == IF_ELSE:
                    await self._if_else(step)
                elif how == AGGREGATE:
                    try:
                        self._aggregate(step)
                    except IMLError as exc:
                        await self._evaluation_failed(step, exc)
                elif how == MERGE:
                    pass  # reached from a branch end (MergeEntry), not by walking
                elif how == DIRECTIVE:
                    try:
                        bundle = step.mapper(self.scope) if step.mapper is not None else {}
                    except IMLError as exc:
                        await self._evaluation_failed(step, exc)
                        return True
                    raise Directive(step.directive or "ignore", bundle)
                return True
            outputs = await self._operate(step)
            if outputs is None:
                return True
            if step.closes:
                await self._feed(step, outputs)
                return True
            if len(outputs) == 1:
                self.roots[step.id] = outputs[0]
                i += 1
                continue
            for bundle in outputs:
                self.roots[step.id] = bundle
                await self._walk(flow, i + 1)
            return True
        if flow.then is not None:
            await self._merge(flow.then)
        return True

    async def _operate(self, step: Step) -> list[dict[str, Any]] | None:
        """Run one module once. Returns its bundles, or None when an error handler (or the
        incomplete-executions queue) took the bundle."""
        self._ticks += 1
        if not self._ticks & 63:
            if self._rows is not None and len(self._rows) >= ROWS_BATCH:
                self._take_rows()
            await self._maybe_yield()
            self._mark = 0
        if self.gate is not None:
            paused_at = self._clock()
            await self.gate.before(self, step)
            self._paused += self._clock() - paused_at
            self._mark = 0
        if self._started is not None and self.limits.max_run_seconds is not None:
            if self._run_seconds_left() <= 0:
                self._interrupt(step)
        self.ops[step.id] += 1
        listening = self.listeners
        started = (self._mark or perf_counter_ns()) if listening else 0
        mapped: dict[str, Any] = {}
        try:
            if step.mapper is not None:
                mapped = step.mapper(self.scope)
            if self.pins and step.id in self.pins:
                outputs = [dict(b) for b in self.pins[step.id]]
            else:
                call = ModuleCall(step.id, step.parameters, mapped, self.services, self.scope)
                outputs = step.impl(call)
                if step.is_async:
                    outputs = await self._bounded_call(step, outputs)
        except ModuleError as exc:
            return await self._fail(step, exc, mapped, started)
        except IMLError as exc:
            exc.at(step.id, exc.field)
            error = ModuleError(str(exc), name="DataError")
            return await self._fail(step, error, mapped, started)
        except (Directive, StopRun, asyncio.CancelledError):
            raise
        except MemoryError:
            error = ModuleError(str(out_of_memory("the module")), name="DataError")
            return await self._fail(step, error, mapped, started)
        except Exception as exc:  # a module bug must not kill the run silently
            error = ModuleError(f"{type(exc).__name__}: {exc}", name="UnexpectedError")
            return await self._fail(step, error, mapped, started)
        rows = self._rows
        kept: Any = outputs
        if rows is None or not self._rows_as_json:
            self.data_transfer += payloads_size(outputs)
        else:  # the bundles written once: data transfer and history (counted in duration)
            try:  # plain JSON only: dates, binary data, non-text keys fail here
                raw = dumps(outputs, None, OPT_PASSTHROUGH_DATETIME)  # positional: faster
            except TypeError:
                self.data_transfer += payloads_size(outputs)
            else:  # payloads_size's figure: the array's brackets and commas off
                kept = Fragment(raw)
                self.data_transfer += len(raw) - 1 - len(outputs) if outputs else 0
        if listening:  # as few steps as can be: this runs for every operation recorded
            self._mark = ended = perf_counter_ns()
            if rows is not None:
                if step.filter is None:
                    rows.append((step.id, mapped, kept, ended - started))
                else:
                    rows.append((step.id, mapped, kept, ended - started, None, True))
            if self._event_listeners:
                passed = True if step.filter is not None else None
                event = OperationFinished(step.id, mapped, outputs, (ended - started) / 1e9,
                                          None, passed)
                for listener in self._event_listeners:
                    listener(event)
        result: list[dict[str, Any]] = outputs
        return result

    # ------------------------------------------------------------ time limits

    def _run_seconds_left(self) -> float:
        assert self._started is not None and self.limits.max_run_seconds is not None
        spent = self._clock() - self._started - self._paused
        return self.limits.max_run_seconds - spent

    async def _bounded_call(self, step: Step, pending: Any) -> Any:
        """Await a module's call within the module timeout and what is left of the run."""
        timeout = self.limits.module_timeout_seconds
        run_bound = False
        if self._started is not None and self.limits.max_run_seconds is not None:
            left = self._run_seconds_left()
            if timeout is None or left < timeout:
                timeout, run_bound = max(left, 0.0), True
        if timeout is None:
            return await pending
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                return await pending
        except TimeoutError:
            if not deadline.expired():
                raise  # the module's own TimeoutError
        if run_bound:
            self._interrupt(step)
        raise ModuleError(
            f"The module did not finish within {describe_seconds(timeout)} (module timeout).",
            name="ModuleTimeoutError",
        )

    def _interrupt(self, step: Step) -> None:
        """Make's end of a run past its maximum duration: the operations so far stay in
        history; with incomplete executions allowed, the bundle `step` was about to process
        is stored as one (and the cycle commits), otherwise the cycle rolls back."""
        assert self.limits.max_run_seconds is not None
        described = {
            "name": "ExecutionInterruptedError",
            "message": "Execution was interrupted: maximum execution time exceeded "
            f"({describe_seconds(self.limits.max_run_seconds)}).",
        }
        if self.settings.dlq and self._handle_errors:
            self._store_incomplete(step, self.mappable(step), described, None)
            raise StopRun("warning", {"module_id": step.id, **described})
        raise StopRun("error", {"module_id": step.id, **described})

    async def _evaluation_failed(self, step: Step, exc: IMLError) -> None:
        """A filter or If-Else condition that cannot be evaluated fails the module it
        guards with a DataError (the module does not run); so does an aggregator's or a
        directive's mapping (a value over the limit, a pattern's time limit)."""
        exc.at(step.id, exc.field)
        error = ModuleError(str(exc), name="DataError")
        await self._fail(step, error, {}, perf_counter_ns())

    async def _maybe_yield(self) -> None:
        now = time.perf_counter()
        if now - self._last_yield >= YIELD_EVERY_S:
            await asyncio.sleep(0)
            self._last_yield = time.perf_counter()

    # ------------------------------------------------------- flow control

    async def _route(self, router: Step) -> None:
        taken = False
        fallback = router.fallback
        for k, route in enumerate(router.routes):
            if route.disabled or k == fallback:
                continue
            if await self._walk(route.flow, 0):
                taken = True
        if fallback is not None and not taken and 0 <= fallback < len(router.routes):
            route = router.routes[fallback]
            if not route.disabled:
                await self._walk(route.flow, 0)

    async def _if_else(self, step: Step) -> None:
        self.ops[step.id] += 1
        for branch in step.branches:
            if branch.disabled:
                continue
            try:
                taken = branch.condition is None or branch.condition(self.scope)
            except IMLError as exc:
                await self._evaluation_failed(step, exc)
                return
            if taken:
                await self._walk(branch.flow, 0)
                return

    async def _merge(self, entry: MergeEntry) -> None:
        merge = entry.merge
        bundle = {
            name: (
                mappings[entry.branch_index](self.scope)
                if entry.branch_index < len(mappings)
                else None
            )
            for name, mappings in merge.merge_outputs
        }
        self.ops[merge.id] += 1
        self.data_transfer += payload_size(bundle)
        if self.listeners:
            self._operation_finished(merge.id, {}, [bundle], 0)
        self.roots[merge.id] = bundle
        assert merge.flow is not None
        await self._walk(merge.flow, merge.index + 1)

    # ------------------------------------------------ iterators and aggregators

    async def _feed(self, feeder: Step, outputs: list[dict[str, Any]]) -> None:
        """Walk a loop's bundles, then let each aggregator it opened emit its result."""
        assert feeder.flow is not None
        saved_roots = dict(self.roots)
        self._take_rows()  # the iterator's own (often big) operation goes to history now
        previous = {agg.id: self._loops.get(agg.id) for agg in feeder.closes}
        for agg in feeder.closes:
            self._loops[agg.id] = {}  # group key -> the aggregator's own state
        try:
            for bundle in outputs:
                self.roots[feeder.id] = bundle
                await self._walk(feeder.flow, feeder.index + 1)
        finally:
            groups = {agg.id: self._loops.pop(agg.id, None) or {} for agg in feeder.closes}
            for agg_id, state in previous.items():
                if state is not None:
                    self._loops[agg_id] = state
        for agg in feeder.closes:
            self.roots.clear()
            self.roots.update(saved_roots)
            results = await self._finish_aggregation(agg, groups[agg.id])
            if results is None:
                continue
            assert agg.flow is not None
            for bundle in results:
                self.roots[agg.id] = bundle
                await self._walk(agg.flow, agg.index + 1)

    def _aggregate(self, agg: Step) -> None:
        groups = self._loops.get(agg.id)
        if groups is None:
            return  # reached outside its loop (the source did not run on this path)
        key = agg.group_by(self.scope) if agg.group_by is not None else None
        if isinstance(key, (list, dict)):
            key = repr(key)
        call = ModuleCall(agg.id, agg.parameters, {}, self.services, self.scope)
        state = groups.get(key)
        if state is None:
            state = groups[key] = agg.impl.start(call)
        call.mapper = agg.mapper(self.scope) if agg.mapper is not None else {}
        agg.impl.add(state, call)

    async def _finish_aggregation(
        self, agg: Step, groups: dict[Any, Any]
    ) -> list[dict[str, Any]] | None:
        self._mark = 0
        started = perf_counter_ns() if self.listeners else 0
        call = ModuleCall(agg.id, agg.parameters, {}, self.services, self.scope)
        if not groups:
            if agg.stop_if_empty:
                return []
            groups = {None: agg.impl.start(call)}
        results: list[dict[str, Any]] = []
        try:
            for key, state in groups.items():
                for bundle in agg.impl.finish(state, call):
                    if agg.group_by is not None:
                        bundle = {"__IMTKEY__": key, **bundle}
                    results.append(bundle)
        except ModuleError as exc:
            self.ops[agg.id] += 1
            return await self._fail(agg, exc, {}, started)
        self.ops[agg.id] += len(results)
        self.data_transfer += payloads_size(results)
        if self.listeners:
            self._operation_finished(agg.id, {}, results, perf_counter_ns() - started)
        return results

    # ----------------------------------------------------------------- errors

    async def _fail(
        self, step: Step, error: ModuleError, mapped: dict[str, Any], started: int
    ) -> list[dict[str, Any]] | None:
        self._mark = 0
        described = {"name": error.name, "message": error.message}
        if error.detail is not None:
            described["detail"] = error.detail
        bundles = self.mappable(step)
        self.errors.setdefault(step.id, []).append(described)
        if self.listeners:
            self._operation_finished(step.id, mapped, [], perf_counter_ns() - started,
                                     described)
        if not self._handle_errors:
            raise StopRun("error", {"module_id": step.id, **described})
        if step.onerror is not None:
            return await self._handle(step, error, bundles, described)
        if self.settings.dlq:
            self._store_incomplete(step, bundles, described, None)
            return None
        raise StopRun("error", {"module_id": step.id, **described})

    def _store_incomplete(
        self,
        step: Step,
        bundles: dict[Any, Any],
        error: dict[str, Any],
        retry: dict[str, Any] | None,
    ) -> None:
        self.incomplete.append(
            IncompleteState(
                module_id=step.id,
                bundles=bundles,
                error=error,
                retry=retry,
                execution_vars=dict(self.services.execution_vars),
            )
        )

    async def _handle(
        self, step: Step, error: ModuleError, bundles: dict[Any, Any], described: dict[str, Any]
    ) -> list[dict[str, Any]] | None:
        """Run the error-handler route; its directive decides what happens next."""
        assert step.onerror is not None
        previous = self.roots.get(step.id)
        self.roots[step.id] = {"error": error.to_bundle()}
        try:
            await self._walk(step.onerror, 0)
        except Directive as directive:
            kind = directive.kind
            if kind == "resume":
                return [directive.bundle or {}]
            if kind == "break":
                self._store_incomplete(step, bundles, described, directive.bundle or {})
                return None
            if kind == "commit":
                raise StopRun("success") from None
            if kind == "rollback":
                raise StopRun(
                    "error", {"module_id": step.id, "name": error.name, "message": error.message}
                ) from None
            return None  # ignore
        finally:
            if previous is None:
                self.roots.pop(step.id, None)
            else:
                self.roots[step.id] = previous
        return None  # a handler route without a directive ignores the error

    def mappable(self, step: Step) -> dict[Any, Any]:
        """The bundles `step` can map now: its upstream modules' current bundles (what an
        incomplete execution keeps, what the debugger shows)."""
        ids = self._upstream.get(step.id)
        if ids is None:  # a walk of the blueprint: once per module, errors can be many
            ids = self._upstream[step.id] = upstream(self.plan.blueprint, step.id)
        return {i: self.roots[i] for i in ids if i in self.roots}

    # ----------------------------------------------------------------- events

    def _emit(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    def _operation_finished(self, module_id: int, input_: dict[str, Any],
                            outputs: list[dict[str, Any]], duration_ns: int,
                            error: dict[str, Any] | None = None) -> None:
        """One operation, as a row for row listeners and an event for the others."""
        if self._rows is not None:
            self._rows.append((module_id, input_, outputs, duration_ns) if error is None
                              else (module_id, input_, outputs, duration_ns, error, None))
        if self._event_listeners:
            event = OperationFinished(module_id, input_, outputs, duration_ns / 1e9, error)
            for listener in self._event_listeners:
                listener(event)

    def _filter_stopped(self, module_id: int) -> None:
        """A bundle a filter stopped: counted (RunFinished says how many), and an event for
        the listeners that take events."""
        self._filtered[module_id] = self._filtered.get(module_id, 0) + 1
        if self._event_listeners:
            event = FilterEvaluated(module_id, False)
            for listener in self._event_listeners:
                listener(event)

    def _take_rows(self) -> None:
        """Hand the rows gathered so far to the row listeners."""
        rows = self._rows
        if rows:
            self._rows = []
            for listener in self._row_listeners:
                listener.take_rows(rows)

    def _emit_lazy(self, make: Callable[[], Event]) -> None:
        if self.listeners:
            self._emit(make())


async def run_plan(
    plan: Plan,
    services: RunServices,
    listeners: Iterable[Listener] = (),
    *,
    gate: Gate | None = None,
    resume: ResumePoint | None = None,
    pins: dict[int, list[dict[str, Any]]] | None = None,
) -> RunResult:
    return await Executor(plan, services, listeners, gate=gate, resume=resume, pins=pins).run()
