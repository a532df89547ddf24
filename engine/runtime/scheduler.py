"""The timer: runs each active scheduled scenario when its next planned run comes.

The next run is computed by engine.runtime.schedule in the settings' time zone and persisted
in the registry, so a restart keeps the plan. A run found late (the computer slept, the
runtime was down) is handled by the scenario's catch-up policy: run once now, or skip to the
next planned time. A scenario runs one scheduled run at a time: a time that comes while the
previous run still goes is skipped (its next time is planned from now). The loop wakes at
least every `max_sleep` seconds, so a wall-clock jump (sleep, a changed clock) is noticed.

`tick(now)` does one step and is what tests drive with an injected time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from engine.runtime.events import ScheduleChanged
from engine.runtime.loaded import LoadedScenario
from engine.runtime.schedule import CatchUpPolicy, due_runs, next_run

if TYPE_CHECKING:
    from engine.runtime.runtime import Runtime

log = logging.getLogger("scenarist.runtime")

MAX_SLEEP_S = 30.0


class Scheduler:
    def __init__(self, runtime: Runtime, now: Callable[[], datetime],
                 max_sleep: float = MAX_SLEEP_S) -> None:
        self.runtime = runtime
        self.now = now
        self.max_sleep = max_sleep
        self.planned: dict[str, datetime] = {}
        self.runs: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()

    # ---------------------------------------------------------------- planning

    def _zone(self) -> str:
        return self.runtime.settings.zone

    def plan(self, loaded: LoadedScenario) -> None:
        """(Re)plan an active scenario: its stored next run when it has one (a late one is
        handled by `tick`), else the next time after now."""
        entry = loaded.entry
        stored = entry.next_run  # None for instant and on-demand schedules too
        if stored is None:  # planned from when it was switched on, not when seen: a time
            # that passed since (a runtime down, or busy) is then caught up by `tick`; never
            # again a time that already ran ("once")
            since = min(self.now(), entry.updated_at)
            if entry.last_run is not None and entry.last_run >= since:
                since = entry.last_run
            stored = next_run(loaded.schedule, since, self._zone())
        self._set(loaded.name, stored)

    def forget(self, name: str) -> None:
        if self.planned.pop(name, None) is not None:
            self.runtime.emit(ScheduleChanged(name, None))
        self._wake.set()

    def _set(self, name: str, when: datetime | None, ran: datetime | None = None) -> None:
        changed = self.planned.get(name) != when
        if when is None:
            self.planned.pop(name, None)
        else:
            self.planned[name] = when
        if changed or ran is not None:
            self.runtime.store_next_run(name, when, ran=ran)
            self.runtime.emit(ScheduleChanged(name, when))
            self._wake.set()

    # ------------------------------------------------------------------ firing

    def tick(self, now: datetime | None = None) -> list[str]:
        """Start every run that is due at `now`; the scenarios started."""
        now = now or self.now()
        started: list[str] = []
        if self.runtime.paused:  # the plan stays; missed times are caught up on resume
            return started
        for name, planned in sorted(self.planned.items(), key=lambda item: item[1]):
            if planned > now:
                continue
            loaded = self.runtime.runnable(name)
            if loaded is None:
                self.planned.pop(name, None)
                continue
            policy: CatchUpPolicy = "skip" if loaded.entry.catch_up == "skip" else "run_once"
            run_now, following = due_runs(loaded.schedule, planned, now, self._zone(), policy)
            if run_now:
                if self._busy(name):
                    log.info("%r is still running: its run planned for %s is skipped",
                             name, planned.isoformat())
                else:
                    self._start(loaded, planned)
                    started.append(name)
            elif following is not None:
                log.info("%r missed its run planned for %s (catch-up: skip)", name,
                         planned.isoformat())
            self._set(name, following, ran=planned)
        return started

    def _busy(self, name: str) -> bool:
        task = self.runs.get(name)
        return task is not None and not task.done()

    def _start(self, loaded: LoadedScenario, planned: datetime) -> None:
        if loaded.starts_with == "webhook":  # a scheduled webhook scenario: its queue
            self.runtime.dispatcher.wake(loaded.name, drain=True)
            return
        self.runs[loaded.name] = asyncio.get_running_loop().create_task(
            self.runtime.run_scheduled(loaded, planned), name=f"scheduled-run:{loaded.name}")

    # -------------------------------------------------------------------- loop

    async def loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                self.tick()
            except Exception:
                log.exception("the scheduler's tick failed")
            delay = self.max_sleep
            if self.planned:
                soonest = min(self.planned.values())
                delay = min(delay, max(0.0, (soonest - self.now()).total_seconds()))
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass

    async def stop(self, grace: float) -> None:
        running = [t for t in self.runs.values() if not t.done()]
        if running:
            _done, pending = await asyncio.wait(running, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
