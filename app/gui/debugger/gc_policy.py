"""Python's garbage collection in a Qt app that stays open for days (the tray) and shows
runs of millions of objects (the debugger).

- Collections happen on the GUI thread only (`GuiCollector`): Python's automatic
  collection runs in whichever thread happens to allocate, and a Qt object that dies in a
  cycle collected by a worker thread (the history writer, `asyncio.to_thread`) is destroyed
  there: its timers cannot be stopped from that thread, and Qt later fires them at freed
  memory. So the automatic collector is off, and a QTimer makes the same decisions (by
  Python's own thresholds) on the GUI thread.
- While any Run once goes on (runs in several tabs may overlap: counted), no full
  (generation 2) collection runs: each would walk every bundle the inspector keeps and
  freeze the window for 100-300 ms, several times per run. Young collections go on.
- When the last run ends, what survived is moved to the permanent generation
  (`gc.freeze()`), so later full collections skip it while the user inspects the run.
- Frozen objects are never collected, and some die later in reference cycles (the previous
  run's executor, tasks, records): they would pile up, run after run. So before the next
  run starts, and whenever nobody watches (`release`: the window went to the tray), they
  are unfrozen and one full collection frees the dead ones.

Without a GuiCollector (a script, the engine alone) the same run policy works through
Python's thresholds.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer

_NO_FULL_COLLECTION = 1_000_000  # generation-1 collections before a full one: never, here
CHECK_MS = 50  # how often the GUI thread looks at the allocation counts
FULL_EVERY_S = 30.0  # full collections at most this often (they walk every live object)


class _State:
    runs = 0  # Run once runs going on, in any tab
    threshold: tuple[int, int, int] | None = None  # Python's, while a run changed them
    collector: GuiCollector | None = None


class GuiCollector(QObject):
    """Python's automatic collection, moved to the GUI thread (see the module's doc)."""

    def __init__(self, parent: QObject | None = None, *, check_ms: int = CHECK_MS,
                 full_every_s: float = FULL_EVERY_S) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.full_every_s = full_every_s
        self.last_full = time.monotonic()
        self.collections = [0, 0, 0]
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(check_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        _State.collector = self

    def check(self) -> int | None:
        """Collect the generation Python would collect now; which one (None: none)."""
        young, middle, full = self.threshold
        counts = gc.get_count()
        if counts[0] <= young:
            return None
        generation = 0
        if counts[1] > middle:
            generation = 1
            if counts[2] > full and _State.runs == 0 \
                    and time.monotonic() - self.last_full >= self.full_every_s:
                generation = 2
                self.last_full = time.monotonic()
        gc.collect(generation)
        self.collections[generation] += 1
        return generation

    def stop(self) -> None:
        """Back to Python's own collection."""
        self.timer.stop()
        if _State.collector is self:
            _State.collector = None
        if self._was_enabled:
            gc.enable()


def collect_on_gui_thread(parent: QObject) -> GuiCollector:
    """Install the process's GuiCollector (once; called on the GUI thread)."""
    if _State.collector is None:
        assert threading.current_thread() is threading.main_thread()
        GuiCollector(parent)
    assert _State.collector is not None
    return _State.collector


def release() -> int:
    """Unfreeze and collect what the last runs left frozen (no-op while a run goes on, or
    off the GUI thread); the number of unreachable objects found."""
    if _State.runs or not gc.get_freeze_count() \
            or threading.current_thread() is not threading.main_thread():
        return 0
    gc.unfreeze()
    return gc.collect()


@contextmanager
def responsive_run() -> Iterator[None]:
    if _State.runs == 0:
        release()  # the previous runs' dead cycles, before this run makes the heap bigger
        if _State.collector is None:  # Python's own collector: no full collections now
            _State.threshold = gc.get_threshold()
            young, middle, _full = _State.threshold
            gc.set_threshold(young, middle, _NO_FULL_COLLECTION)
    _State.runs += 1
    try:
        yield
    finally:
        _State.runs -= 1
        if _State.runs == 0:
            if _State.threshold is not None:
                gc.set_threshold(*_State.threshold)
                _State.threshold = None
            gc.collect(1)  # the young garbage of the run's last moments (cheap)
            gc.freeze()
