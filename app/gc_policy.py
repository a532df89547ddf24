"""Keep Python's full garbage collections out of a headless run (`scenarist run`).

Start-up leaves hundreds of thousands of objects alive (modules, the registry, the plan, the
trigger's input); a run with history holds each batch of operations' bundles until the
history writer has encoded them, long enough for them to be promoted to the oldest
generation, and every full collection then walks all of it: a quarter of a 100,000-operation
run went there. So what start-up made is moved to the permanent generation
(`gc.freeze()`), and while the run goes on only the cheap young collections run (short-lived
cycles are still freed). Bundles hold no reference cycles: reference counting frees them.
The window does the same for its runs (app/gui/debugger/gc_policy.py).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_NO_FULL_COLLECTION = 1_000_000  # generation-1 collections before a full one: never, here


@contextmanager
def headless_run() -> Iterator[None]:
    gc.freeze()
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, _NO_FULL_COLLECTION)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)
