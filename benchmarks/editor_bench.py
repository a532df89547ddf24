"""Editor canvas benchmarks: opening a large scenario and dragging a module in it.

`QT_QPA_PLATFORM=offscreen uv run python -m benchmarks.editor_bench`

- open: from the blueprint JSON (parsed dict) to the first paint of the view: Blueprint
  validation, ScenarioDocument, ScenarioScene, ScenarioView fitted, its first paint.
- drag: one selected module dragged by real mouse events on the viewport, one move per
  frame for 200 frames with every module visible; each frame is the mouse move plus a
  paint of the whole viewport. The release must push ONE undo step.

Offscreen windows are never "exposed", so `viewport().repaint()` paints nothing there; a
paint here is the viewport rendering itself (`QWidget.render`, the same paintEvent) into a
preallocated image of its size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QPoint, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.gui.canvas import ScenarioScene, ScenarioView  # noqa: E402
from app.gui.document import ScenarioDocument  # noqa: E402
from engine.blueprint import Blueprint  # noqa: E402

VIEW_SIZE = (1280, 800)
ACTIONS = [
    "http:ActionSendData",
    "util:SetVariable2",
    "json:ParseJSON",
    "util:ComposeTransformer",
    "datastore:AddRecord",
    "regexp:Parser",
    "json:CreateJSON",
    "util:Switcher",
]
TARGETS = {  # module count -> (open ms, drag p95 ms) from the issue
    500: (250.0, 16.0),
    2000: (None, 33.0),
}


def make_blueprint(count: int, rows: int) -> dict[str, Any]:
    """Webhook -> router with `rows` routes; each route is a chain with a router every six
    modules (one route goes on, the other is a two-module side branch one row down)."""
    next_id = iter(range(1, count + 10))

    def node(module: str, x: float, y: float) -> dict[str, Any]:
        module_id = next(next_id)
        data: dict[str, Any] = {
            "id": module_id,
            "module": module,
            "version": 1,
            "parameters": {},
            "mapper": {"value": f"{{{{{max(1, module_id - 1)}.value}}}}"},
            "metadata": {"designer": {"x": x, "y": y}},
        }
        if module == "builtin:BasicRouter":
            data["mapper"] = None
        return data

    def chain(x: float, y: float, budget: int) -> list[dict[str, Any]]:
        flow: list[dict[str, Any]] = []
        while budget > 0:
            if len(flow) % 6 == 5 and budget >= 5:
                router = node("builtin:BasicRouter", x, y)
                side = [
                    node(ACTIONS[k % len(ACTIONS)], x + 300 * (k + 1), y + 150) for k in range(2)
                ]
                rest = chain(x + 300, y, budget - 3)
                router["routes"] = [{"flow": rest}, {"flow": side}]
                flow.append(router)
                return flow
            flow.append(node(ACTIONS[(len(flow) + int(y)) % len(ACTIONS)], x, y))
            x += 300
            budget -= 1
        return flow

    trigger = node("gateway:CustomWebHook", 0, 0)
    router = node("builtin:BasicRouter", 300, 0)
    per_route, extra = divmod(count - 2, rows)
    router["routes"] = [
        {"flow": chain(600, r * 300, per_route + (1 if r < extra else 0))} for r in range(rows)
    ]
    return {
        "name": f"bench {count}",
        "flow": [trigger, router],
        "metadata": {"designer": {"orphans": []}},
    }


def count_modules(data: dict[str, Any]) -> int:
    def walk(flow: list[dict[str, Any]]) -> int:
        return sum(1 + sum(walk(r["flow"]) for r in n.get("routes", [])) for n in flow)

    return walk(data["flow"])


def paint(view: ScenarioView, image: QImage) -> None:
    """One full paint of the viewport (what a frame on screen costs)."""
    view.viewport().render(image)


def open_once(data: dict[str, Any]) -> tuple[dict[str, float], ScenarioView]:
    marks = {"start": time.perf_counter()}
    document = ScenarioDocument(Blueprint.model_validate(data))
    marks["document"] = time.perf_counter()
    scene = ScenarioScene(document)
    marks["scene"] = time.perf_counter()
    view = ScenarioView(scene)
    view.resize(*VIEW_SIZE)
    view.show()
    view.fit()
    image = QImage(view.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)
    paint(view, image)
    marks["painted"] = time.perf_counter()
    ms = {
        "model": (marks["document"] - marks["start"]) * 1000,
        "scene": (marks["scene"] - marks["document"]) * 1000,
        "paint": (marks["painted"] - marks["scene"]) * 1000,
        "total": (marks["painted"] - marks["start"]) * 1000,
    }
    return ms, view


def drag(view: ScenarioView, frames: int = 200) -> list[float]:
    scene = view.canvas()
    ids = sorted(scene.modules)
    item = scene.modules[ids[len(ids) // 2]]
    viewport = view.viewport()
    start = view.mapFromScene(item.pos())
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    steps_before = view.canvas().document.undo_stack.count()
    image = QImage(viewport.size(), QImage.Format.Format_ARGB32_Premultiplied)
    times = []
    for frame in range(frames):
        offset = QPoint(2 + frame % 120, 1 + (frame * 7) % 60)
        t0 = time.perf_counter()
        QTest.mouseMove(viewport, start + offset)
        paint(view, image)
        times.append((time.perf_counter() - t0) * 1000)
    QTest.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(30, 20)
    )
    pushed = view.canvas().document.undo_stack.count() - steps_before
    if pushed != 1:
        raise SystemExit(f"drag pushed {pushed} undo steps (expected 1)")
    return times


def dispose(view: ScenarioView) -> None:
    """Close a view and free it now, so the next measurement runs alone."""
    view.canvas().document.undo_stack.clear()
    view.close()
    view.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    rows_for = {500: 20}
    print(f"view {VIEW_SIZE[0]}x{VIEW_SIZE[1]}, Qt platform {app.platformName()}")
    header = (
        "modules",
        "open ms (median)",
        "model/scene/paint",
        "zoom",
        "drag p50",
        "drag p95",
        "drag max",
        "targets",
    )
    print(" | ".join(header))
    for size in (int(s) for s in args.sizes.split(",")):
        data = make_blueprint(size, rows_for.get(size, max(20, size // 50)))
        opens = []
        view = None
        for _ in range(args.repeat):
            if view is not None:
                dispose(view)
            ms, view = open_once(data)
            opens.append(ms)
        assert view is not None
        median = statistics.median(o["total"] for o in opens)
        parts = "/".join(
            f"{statistics.median(o[k] for o in opens):.0f}" for k in ("model", "scene", "paint")
        )
        times = drag(view)
        open_target, drag_target = TARGETS.get(size, (None, None))
        target = f"open<={open_target:.0f}" if open_target else ""
        target += f" p95<={drag_target:.0f}" if drag_target else ""
        print(
            f"{count_modules(data)} | {median:.0f} | {parts} | {view.zoom():.3f} | "
            f"{statistics.median(times):.1f} | {p95(times):.1f} | {max(times):.1f} | {target}"
        )
        dispose(view)


if __name__ == "__main__":
    main()
