"""Desktop notifications for what happens in the background while nobody looks: a run that
failed, a scenario the runtime switched off (after its maximum of consecutive errors).

Shown through the tray icon when the `notifications` setting is on (else nothing); a
scenario failing on every request is told at most once a minute, with how many failures
were not told.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject

from app.gui.runtime.host import RuntimeHost
from engine.runtime.events import BackgroundRunFinished, RuntimeEvent, ScenarioDeactivated

QUIET_S = 60.0

Show = Callable[[str, str, bool], object]  # title, text, critical


class Notifier(QObject):
    def __init__(self, host: RuntimeHost, show: Show, parent: QObject | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.host = host
        self.show = show
        self.clock = clock
        self._told: dict[str, float] = {}  # scenario: when its last failure was told
        self._untold: dict[str, int] = {}
        host.happened.connect(self.on_event)

    def on_event(self, event: RuntimeEvent) -> None:
        if not self.host.settings().notifications:
            return
        if isinstance(event, BackgroundRunFinished) and event.status == "error":
            self._failed(event)
        elif isinstance(event, ScenarioDeactivated) and event.automatic:
            self.show(f"“{event.scenario}” was switched off", event.reason, False)

    def _failed(self, event: BackgroundRunFinished) -> None:
        now = self.clock()
        last = self._told.get(event.scenario)
        if last is not None and now - last < QUIET_S:
            self._untold[event.scenario] = self._untold.get(event.scenario, 0) + 1
            return
        self._told[event.scenario] = now
        error = event.error or {}
        text = str(error.get("message") or error.get("name") or "the run failed")
        module = error.get("module_id")
        if isinstance(module, int):
            text = f"module {module}: {text}"
        untold = self._untold.pop(event.scenario, 0)
        if untold:
            text += f" ({untold} more failure{'' if untold == 1 else 's'} since the last notice)"
        self.show(f"“{event.scenario}” failed ({event.trigger})", text, True)
