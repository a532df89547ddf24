"""The step debugger's gate: breakpoints (optionally conditional), stepping, stop.

The executor awaits `gate.before(executor, step)` before every operation; the gate decides
whether to pause there. While paused, whoever drives the debugger (the app, the CLI) reads
the `Pause` it was given and calls `resume_run()`, `step()`, `step_over_route()` or `stop()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.errors import IMLError
from engine.executor.control import stopped_by_user
from engine.iml import Evaluator, compile_template
from engine.values import to_bool

if TYPE_CHECKING:
    from engine.executor.plan import Step
    from engine.executor.run import Executor


@dataclass
class Pause:
    """Where the run waits: the module about to run and every bundle mappable into it."""

    module_id: int
    module: str
    bundles: dict[Any, Any]
    input: dict[str, Any] | None  # the module's mapper evaluated now (None if it fails)
    operations: int
    reason: str  # "breakpoint" | "step"
    input_error: str | None = None


@dataclass
class Breakpoint:
    module_id: int
    condition: str | None = None
    compiled: Evaluator | None = field(default=None, repr=False)


class DebugGate:
    def __init__(self, on_pause: Callable[[Pause], None] | None = None) -> None:
        self.breakpoints: dict[int, Breakpoint] = {}
        self.on_pause = on_pause
        self.paused: Pause | None = None
        self._mode = "run"  # "run" | "step" | "over"
        self._over: tuple[Any, int, int] | None = None  # (flow, index, depth) stepped over
        self._wakeup: asyncio.Event | None = None
        self._stop = False

    # ------------------------------------------------------------ breakpoints

    def set_breakpoint(self, module_id: int, condition: str | None = None) -> None:
        """Pause before `module_id` runs; with an IML condition, only when it is true."""
        compiled = None
        if condition:
            try:
                compiled = compile_template(
                    condition if "{{" in condition else f"{{{{{condition}}}}}"
                )
            except IMLError as exc:
                raise exc.at(module_id, "breakpoint condition") from None
        self.breakpoints[module_id] = Breakpoint(module_id, condition, compiled)

    def clear_breakpoint(self, module_id: int) -> None:
        self.breakpoints.pop(module_id, None)

    # -------------------------------------------------------------- controls

    def resume_run(self) -> None:
        self._mode = "run"
        self._wake()

    def step(self) -> None:
        """Run the next operation, then pause again."""
        self._mode = "step"
        self._wake()

    def step_over_route(self) -> None:
        """Finish the current route for this bundle, then pause at the next operation."""
        self._mode = "over"
        self._wake()

    def stop(self) -> None:
        self._stop = True
        self._wake()

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    # ------------------------------------------------------------ the hook

    async def before(self, executor: Executor, step: Step) -> None:
        if self._stop:
            raise stopped_by_user()
        reason = self._reason(executor, step)
        if reason is None:
            return
        self._over = (step.flow, step.index, step.depth)
        self.paused = self._pause(executor, step, reason)
        self._wakeup = asyncio.Event()
        if self.on_pause is not None:
            self.on_pause(self.paused)
        await self._wakeup.wait()
        self._wakeup = None
        self.paused = None
        if self._stop:
            raise stopped_by_user()

    def _reason(self, executor: Executor, step: Step) -> str | None:
        if self._mode == "step":
            return "step"
        if self._mode == "over" and self._over is not None:
            flow, index, depth = self._over
            left_route = step.flow is not flow and step.depth <= depth
            next_bundle = step.flow is flow and step.index <= index
            if left_route or next_bundle:
                return "step"
        point = self.breakpoints.get(step.id)
        if point is None:
            return None
        if point.compiled is None:
            return "breakpoint"
        try:
            return "breakpoint" if to_bool(point.compiled(executor.scope)) else None
        except IMLError:
            return "breakpoint"  # a condition that can't be evaluated: better to stop

    @staticmethod
    def _pause(executor: Executor, step: Step, reason: str) -> Pause:
        bundles = executor.mappable(step)
        mapped: dict[str, Any] | None = None
        error = None
        try:
            mapped = step.mapper(executor.scope) if step.mapper is not None else {}
        except IMLError as exc:
            error = str(exc)
        return Pause(
            step.id, step.module, bundles, mapped, sum(executor.ops.values()), reason, error
        )
