"""Garbage collection in an app left open for days: only on the GUI thread, no full
collection during runs (overlapping ones too), and repeated Run once cycles don't pile up
frozen garbage."""

from __future__ import annotations

import concurrent.futures
import gc
import json
import threading
import weakref
from pathlib import Path

from app.gui.debugger import DebugSession
from app.gui.debugger.gc_policy import GuiCollector, release, responsive_run
from app.gui.main_window import MainWindow

LOOP = {
    "name": "Loop",
    "flow": [
        {"id": 1, "module": "gateway:CustomWebHook", "parameters": {}},
        {"id": 2, "module": "builtin:BasicFeeder", "mapper": {"array": "{{1.items}}"}},
        {"id": 3, "module": "util:ComposeTransformer", "mapper": {"value": "item {{2.n}}"}},
    ],
    "metadata": {"scenario": {"roundtrips": 1, "maxErrors": 3, "autoCommit": True}},
}
REQUEST = {"body": {"items": [{"n": i} for i in range(200)]}}


def tracked_objects() -> int:
    """Every object the collector knows, frozen ones included."""
    return len(gc.get_objects()) + gc.get_freeze_count()


def test_collections_happen_on_the_gui_thread_only(
    gui_thread_collection: GuiCollector,
) -> None:
    """A worker thread that allocates never collects (Qt objects in its garbage would be
    destroyed there); the GUI thread's timer does, with Python's thresholds."""
    threads: list[str] = []

    def seen(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    class Node:
        other: object = None

    def allocate() -> weakref.ref[Node]:
        for _ in range(20_000):  # far beyond the young generation's threshold
            a, b = Node(), Node()
            a.other, b.other = b, a
        return weakref.ref(a)

    gc.callbacks.append(seen)
    try:
        worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="worker")
        last = worker.submit(allocate).result()
        worker.shutdown()
        assert threads == [] and last() is not None  # nobody collected, in no thread
        while gui_thread_collection.check() is not None:  # what the timer does
            pass
    finally:
        gc.callbacks.remove(seen)
    assert threads and set(threads) == {threading.main_thread().name}
    assert last() is None  # the worker's garbage, collected on the GUI thread


def test_no_full_collection_while_runs_overlap(gui_thread_collection: GuiCollector) -> None:
    collector = gui_thread_collection
    collector.full_every_s = 0.0
    with responsive_run():
        with responsive_run():
            assert _generations_collected(collector) == {0, 1}  # no 2 while either runs
        assert _generations_collected(collector) == {0, 1}  # the other one still runs
    assert 2 in _generations_collected(collector)
    release()


def _generations_collected(collector: GuiCollector) -> set[int]:
    """Push the counts past every threshold; the generations the collector then chose."""
    chosen: set[int] = set()
    kept = []
    for _ in range(200):
        kept.append([[] for _ in range(1_000)])  # alive: the counts only grow
        generation = collector.check()
        if generation is not None:
            chosen.add(generation)
    return chosen


def test_without_the_gui_collector_overlapping_runs_put_the_thresholds_back(
    gui_thread_collection: GuiCollector,
) -> None:
    gui_thread_collection.stop()  # Python's own collection, as in a script
    before = gc.get_threshold()
    outer, inner = responsive_run(), responsive_run()
    outer.__enter__()
    inner.__enter__()
    try:
        assert gc.get_threshold()[2] > before[2]  # no full collection while either runs
    finally:
        outer.__exit__(None, None, None)  # runs in two tabs: the first ends first
    try:
        assert gc.get_threshold()[2] > before[2]  # the other one still runs
    finally:
        inner.__exit__(None, None, None)
    assert gc.get_threshold() == before
    release()


def test_release_frees_cycles_that_died_frozen() -> None:
    class Node:
        other: object = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    with responsive_run():
        pass  # frozen at the end, cycle and all
    del a, b
    assert release() >= 2  # the dead cycle is found once unfrozen
    assert gc.get_freeze_count() == 0


async def test_repeated_run_once_cycles_do_not_grow_memory(
    window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "loop.blueprint.json"
    path.write_text(json.dumps(LOOP))
    editor = window.open_file(path)
    assert editor is not None
    session: DebugSession = editor.debugger  # type: ignore[attr-defined]

    async def run(times: int) -> None:
        for _ in range(times):
            session.run_once(REQUEST)
            result = await session.wait()
            assert result is not None and result.operations == 202

    await run(5)  # caches, history.db, the inspector's first record
    baseline = tracked_objects()
    await run(20)
    grown = tracked_objects() - baseline
    # Each run used to leave ~1,100 dead objects frozen for good (~22,000 here).
    assert grown < 3_000, f"{grown} more objects after 20 runs"
