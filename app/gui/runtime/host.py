"""The window's background runtime: `engine.runtime.Runtime(workspace, owner="window")` on the
Qt loop (qasync), its events as Qt signals, and who owns the workspace when this window
doesn't.

One runtime owns a workspace (its lock). When `scenarist serve` or another window owns it,
`busy` names that owner and this window runs nothing in the background; it still lists the
scenarios (read from state.db), switches them on and off (the owner picks the change up
within seconds) and runs them once in the debugger.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from engine.runtime.events import BackgroundRunFinished, BackgroundRunStarted, RuntimeEvent
from engine.runtime.workspace import Owner, Workspace

if TYPE_CHECKING:  # the runtime itself (aiohttp, SQLAlchemy) loads when it starts
    from engine.runtime import (
        Activated,
        Runtime,
        RuntimeSettings,
        ScenarioStatus,
        Schedule,
    )

log = logging.getLogger("scenarist.window")

RECENT_RUNS = 10


@dataclass(frozen=True)
class RecentRun:
    finished: BackgroundRunFinished
    at: datetime  # when it finished, UTC
STOP_GRACE_S = 10.0  # runs still going when the app quits: then kept as incomplete
HISTORY_FLUSH_S = 5.0
# A busy runtime finishes hundreds of runs a second on this very loop: the views read
# state.db and history.db at most this often, however many events came.
UPDATE_MS = 250


class RuntimeHost(QObject):
    changed = Signal()  # started, stopped, paused or resumed; the owner became known
    happened = Signal(object)  # every RuntimeEvent, on the GUI thread (keep handlers cheap)
    updated = Signal()  # runtime events happened: at most every UPDATE_MS, for the views
    runs_recorded = Signal(object)  # BackgroundRunFinished list, now in history.db

    def __init__(self, folder: Path, parent: QObject | None = None, *,
                 grace: float = STOP_GRACE_S) -> None:
        super().__init__(parent)
        self.workspace = Workspace(folder)
        self.grace = grace
        self.runtime: Runtime | None = None
        self.busy: Owner | None = None  # another runtime owns the workspace
        self.problem: str | None = None  # this window's runtime could not start
        self.running: dict[str, BackgroundRunStarted] = {}  # by execution id
        self.recent: deque[RecentRun] = deque(maxlen=RECENT_RUNS)  # newest first
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping: asyncio.Task[None] | None = None
        self._unrecorded: list[BackgroundRunFinished] = []
        self._recording: asyncio.Task[None] | None = None
        self._update = QTimer(self)
        self._update.setSingleShot(True)
        self._update.setInterval(UPDATE_MS)
        self._update.timeout.connect(self._updated)
        self.snapshot: list[ScenarioStatus] = []  # as read for the last `updated`

    # ------------------------------------------------------------------- life

    @property
    def owned(self) -> bool:
        """This window runs the workspace's scenarios."""
        return self.runtime is not None

    async def start(self) -> bool:
        """Own the workspace and run its active scenarios; False when another runtime owns
        it (`busy`) or the runtime could not start (`problem`)."""
        from engine.runtime import Runtime, WorkspaceBusy

        if self.runtime is not None:
            return True
        runtime = Runtime(self.workspace, owner="window")
        runtime.listeners.append(self._on_event)
        try:
            await runtime.start()
        except WorkspaceBusy as exc:
            self.busy = exc.owner
        except OSError as exc:  # the webhook port is taken
            settings = runtime.settings
            self.problem = (f"Webhooks cannot listen on {settings.host}:{settings.port} "
                            f"({exc.strerror or exc}): choose another port in Edit ▸ "
                            "Settings (or `scenarist settings set port N`)")
        except Exception as exc:
            log.exception("the background runtime did not start")
            self.problem = f"The background runtime did not start: {exc}"
        else:
            self.runtime, self.busy, self.problem = runtime, None, None
        self.changed.emit()
        return self.runtime is not None

    async def stop(self, reason: str = "the window quit") -> None:
        """Stop taking requests; running runs get `grace` seconds, then are kept as
        incomplete executions; the workspace's lock is released."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop(reason))
        await asyncio.shield(self._stopping)

    async def _stop(self, reason: str) -> None:
        runtime, self.runtime = self.runtime, None
        if runtime is not None:
            await runtime.stop(reason, grace=self.grace)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.running.clear()
        self.changed.emit()

    def owner_text(self) -> str:
        if self.busy is not None:
            return self.busy.describe()
        return "this window" if self.owned else "nobody"

    # --------------------------------------------------------------- controls

    @property
    def paused(self) -> bool:
        return self.runtime is not None and self.runtime.paused

    def pause_all(self) -> None:
        if self.runtime is not None:
            self.runtime.pause_all()
            self.changed.emit()

    def resume_all(self) -> None:
        if self.runtime is not None:
            self.runtime.resume_all()
            self.changed.emit()

    @property
    def port(self) -> int | None:
        return self.runtime.port if self.runtime is not None else None

    def settings(self) -> RuntimeSettings:
        from engine.runtime import RuntimeSettings, load_settings

        if self.runtime is not None:
            return self.runtime.settings
        if not self.workspace.has_state():
            return RuntimeSettings()
        return load_settings(self.workspace.state)

    def save_setting(self, key: str, value: Any) -> RuntimeSettings:
        from engine.runtime import save_setting

        settings = save_setting(self.workspace.state, key, value)
        if self.runtime is not None:
            self.runtime.settings = settings
        return settings

    async def rebind(self) -> int | None:
        """Serve webhooks where the settings now say, without stopping anything else; the
        port listened on (None: this window does not run the workspace). OSError when the
        new port is taken (the old one keeps serving)."""
        if self.runtime is None:
            return None
        port = await self.runtime.rebind()
        self.problem = None
        self.changed.emit()
        return port

    # -------------------------------------------------------------- scenarios

    def statuses(self) -> list[ScenarioStatus]:
        """Every registered scenario (nothing while the workspace has no state.db: reading
        never creates it)."""
        from engine.runtime import scenario_statuses

        if not self.workspace.has_state():
            return []
        return scenario_statuses(self.workspace, port=self.port)

    def status_of(self, file: Path) -> ScenarioStatus | None:
        target = Path(file).resolve()
        return next((s for s in self.statuses() if s.file == target), None)

    def active_count(self) -> int:
        return sum(1 for s in self.statuses() if s.active)

    async def activate(self, file: Path, *, schedule: Schedule | None = None,
                       catch_up: str | None = None, active: bool = True) -> Activated:
        """Register the blueprint at `file` and switch it on (ScenarioLoadError,
        ScheduleError, RegistryError say why not); the runtime picks it up within a second."""
        from engine.runtime import activate_file

        return await asyncio.to_thread(activate_file, self.workspace, file, schedule=schedule,
                                       catch_up=catch_up, active=active)

    async def deactivate(self, name: str) -> None:
        from engine.runtime import deactivate_scenario

        await asyncio.to_thread(deactivate_scenario, self.workspace, name)

    # ----------------------------------------------------------------- events

    def _on_event(self, event: RuntimeEvent) -> None:
        if isinstance(event, BackgroundRunStarted):
            self.running[event.execution_id] = event
        elif isinstance(event, BackgroundRunFinished):
            self.running.pop(event.execution_id, None)
            self.recent.appendleft(RecentRun(event, datetime.now(UTC)))
            self._unrecorded.append(event)
            if self._recording is None or self._recording.done():
                self._recording = asyncio.ensure_future(self._record())
                self._tasks.add(self._recording)
                self._recording.add_done_callback(self._tasks.discard)
        self.happened.emit(event)
        if not self._update.isActive():  # a throttle, not a debounce: never starved
            self._update.start()

    def _updated(self) -> None:
        self.snapshot = self.statuses()  # one read for every view
        self.updated.emit()

    def running_count(self, scenario: str) -> int:
        return sum(1 for started in self.running.values() if started.scenario == scenario)

    async def _record(self) -> None:
        """History rows are written in batches off the loop: say when these are there."""
        while self._unrecorded:
            await asyncio.sleep(UPDATE_MS / 1000)  # one refresh for the runs of a moment
            batch, self._unrecorded = self._unrecorded, []
            writer = self.runtime.history_writer if self.runtime is not None else None
            if writer is not None:
                await asyncio.to_thread(writer.flush, HISTORY_FLUSH_S)
            self.runs_recorded.emit(batch)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
