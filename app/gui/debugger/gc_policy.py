"""Keep Python's full garbage collections out of a run shown in the window, without leaking
in an app that stays open for days (the tray).

A big run keeps millions of objects alive (every bundle of every operation, for the
inspector); each full (generation 2) collection walks all of them and freezes the window
for 100-300 ms, several times per run. So:

- while any Run once goes on (runs in several tabs may overlap: counted), only the cheap
  young collections run (short-lived cycles are still freed);
- when the last one ends, what survived is moved to the permanent generation
  (`gc.freeze()`), so later full collections skip it while the user inspects the run;
- frozen objects are never collected, and some of them die later in reference cycles (the
  previous run's executor, tasks, records): they would pile up, run after run. So before
  the next run starts, and whenever the app says nothing is being watched (`release`: the
  window went to the tray, a tab closed), the frozen objects are unfrozen and one full
  collection frees the dead ones. Its cost is that of the objects still alive, once per
  run, at a moment nobody watches bubbles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_NO_FULL_COLLECTION = 1_000_000  # generation-1 collections before a full one: never, here


class _State:
    runs = 0  # Run once runs going on, in any tab
    threshold: tuple[int, int, int] | None = None  # the thresholds before the first one


def release() -> int:
    """Unfreeze and collect what the last runs left frozen (no-op while a run goes on);
    the number of unreachable objects found."""
    if _State.runs or not gc.get_freeze_count():
        return 0
    gc.unfreeze()
    return gc.collect()


@contextmanager
def responsive_run() -> Iterator[None]:
    if _State.runs == 0:
        release()  # the previous runs' dead cycles, before this run makes the heap bigger
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
