"""The debugger's GC policy in an app left open for days: full collections stay out of
runs, overlapping runs put the thresholds back, and repeated Run once cycles don't pile up
frozen garbage."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from app.gui.debugger import DebugSession
from app.gui.debugger.gc_policy import release, responsive_run
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


def test_overlapping_runs_put_the_thresholds_back() -> None:
    before = gc.get_threshold()
    outer = responsive_run()
    inner = responsive_run()
    outer.__enter__()
    inner.__enter__()
    assert gc.get_threshold()[2] > before[2]  # no full collection while either runs
    outer.__exit__(None, None, None)
    assert gc.get_threshold()[2] > before[2]  # the other one still runs
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
    await run(30)
    grown = tracked_objects() - baseline
    # Each run used to leave ~1,100 dead objects frozen for good (~33,000 here).
    assert grown < 3_000, f"{grown} more objects after 30 runs"
