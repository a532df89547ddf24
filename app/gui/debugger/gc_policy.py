"""Keep Python's full garbage collections out of a run shown in the window.

A big run keeps millions of objects alive (every bundle of every operation, for the
inspector); each full (generation 2) collection walks all of them and freezes the window
for 100-300 ms, several times per run. While a run goes on only the cheap young
collections run (short-lived cycles are still freed); when it ends, what survived is moved
to the permanent generation (`gc.freeze()`), so later full collections skip it. Bundles hold
no reference cycles, so freeing them later (by reference counting) is unaffected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_NO_FULL_COLLECTION = 1_000_000  # generation-1 collections before a full one: never, here


@contextmanager
def responsive_run() -> Iterator[None]:
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, _NO_FULL_COLLECTION)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)
        gc.collect(1)  # the young garbage of the run's last moments (cheap)
        gc.freeze()
