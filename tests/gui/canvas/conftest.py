"""Canvas tests run on Qt's offscreen platform (set before Qt loads)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from app.gui.canvas import ScenarioScene, ScenarioView  # noqa: E402
from app.gui.document import ScenarioDocument  # noqa: E402

# shared/ sits beside the repository (here and in CI)
SHARED = Path(__file__).resolve().parents[4] / "shared"
ROUTER_FALLBACK = SHARED / "acceptance" / "cases" / "router-fallback" / "blueprint.json"


@pytest.fixture
def document() -> ScenarioDocument:
    doc = ScenarioDocument.open(ROUTER_FALLBACK)
    yield doc
    doc.undo_stack.clear()  # before Qt frees the stack, while the document is alive


@pytest.fixture
def view(qtbot, document: ScenarioDocument) -> ScenarioView:
    """The router-fallback scenario at 100% zoom, modules 1..6 on screen."""
    scene = ScenarioScene(document)
    canvas = ScenarioView(scene)
    qtbot.addWidget(canvas)
    canvas.resize(1300, 700)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_zoom(1.0)
    canvas.centerOn(450, 150)
    return canvas
