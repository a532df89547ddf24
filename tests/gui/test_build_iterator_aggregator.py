"""Done-when of the editor issue: a person who knows Make builds the official
iterator-aggregator pattern from an empty canvas with the mouse and keyboard only, saves it,
and `scenarist run` gives the same result as the shipped blueprint.

Everything goes through the real widgets: the toolbar's New, the palette's search box and
its own drag payload dropped on the canvas viewport (a real QDrag cannot run offscreen, so
the drop events are sent to the viewport), links drawn from the connector handle by mouse,
fields filled by clicking and typing in the generated settings form, Ctrl+S.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from tests.support.http_stub import Stub, http_stub
from tests.support.make_user import (
    click_action,
    drop_from_palette,
    select,
    type_into,
    wire,
)

ROOT = Path(__file__).resolve().parents[2]
CASE = Path("/work/shared/acceptance/cases/iterator-aggregator")
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier

# What the person drops, in order, with what they type in the palette's search box.
MODULES = [
    ("gateway:CustomWebHook", "custom webhook"),
    ("builtin:BasicFeeder", "iterator"),
    ("util:ComposeTransformer", "compose a string"),
    ("builtin:BasicAggregator", "array aggregator"),
    ("http:MakeRequest", "make a request"),
]
BODY = '{"summary": "{{join(map(4.array; "line"); ", ")}}"}'


@pytest.fixture
def window(qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Discard)
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.resize(1920, 1040)
    win.show()
    qtbot.waitExposed(win)
    return win


# ----------------------------------------------------------------------- gestures


def choose(combo: QWidget, text: str) -> None:
    """Keyboard search in a closed combo box, as a person typing its first letters."""
    combo.setFocus()
    QTest.keyClicks(combo, text)


# ------------------------------------------------------------------------ running


def run(blueprint: Path, request: Path, data: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "app", "run", str(blueprint), "--input", str(request),
         "--report", "json", "--no-history", "--data-dir", str(data)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def without_date(bundle: Any) -> Any:
    """The stub's `date` response header is the clock's, not the scenario's."""
    if isinstance(bundle, dict) and isinstance(bundle.get("headers"), dict):
        headers = {k: v for k, v in bundle["headers"].items() if k != "date"}
        return {**bundle, "headers": headers}
    return bundle


def observed(report: dict[str, Any], stub: Stub) -> dict[str, Any]:
    return {
        "status": report["status"],
        "operations": report["operations"],
        "modules": {
            k: (m["module"], m["operations"], [without_date(b) for b in m["outputs"]],
                m["errors"])
            for k, m in report["modules"].items()
        },
        "requests": [(r.method, r.path, r.headers.get("content-type"), r.json())
                     for r in stub.requests],
    }


# --------------------------------------------------------------------------- test


def test_a_make_user_builds_iterator_aggregator_and_it_runs_like_the_shipped_file(
    window: MainWindow, tmp_path: Path
) -> None:
    case = json.loads((CASE / "case.json").read_text(encoding="utf-8"))
    click_action(window, window.act_new)
    editor = window.current_editor()
    assert editor is not None and not editor.document.graph().modules

    with http_stub({"POST /order-summaries": (200, {"ok": True})}) as stub:
        # 1. Drop the five modules left to right.
        ids = [
            drop_from_palette(editor, module_type, search, QPointF(-440 + 220 * k, 0))
            for k, (module_type, search) in enumerate(MODULES)
        ]
        assert ids == [1, 2, 3, 4, 5]  # Make numbers modules in the order they are added
        # 2. Wire them by mouse.
        for source, target in zip(ids, ids[1:], strict=False):
            wire(editor, source, target)
        graph = editor.document.graph()
        assert [(link.source, link.target) for link in graph.links] == [
            (1, 2), (2, 3), (3, 4), (4, 5)
        ]
        assert [m.module for m in graph.modules.values()] == [t for t, _ in MODULES]

        # 3. Fill the settings forms.
        settings = select(editor, 2)
        array = settings.editor_for("mapper", "array")
        QTest.mouseClick(array.map_button, LEFT)  # an array mapped from the webhook
        type_into(array.iml, "{{1.items}}")

        settings = select(editor, 3)
        type_into(settings.editor_for("mapper", "value").editor, "{{2.name}} × {{2.qty}}")

        settings = select(editor, 4)
        choose(settings.editor_for("parameters", "feeder").combo, "2")
        fields = settings.aggregated_fields
        QTest.mouseClick(fields.add_button, LEFT)
        [row] = fields.rows
        type_into(row.name, "line")
        type_into(row.value, "{{3.value}}")
        QTest.keyClick(row.value, Qt.Key.Key_Tab)

        settings = select(editor, 5)
        type_into(settings.editor_for("mapper", "url").editor, f"{stub.url}/order-summaries")
        choose(settings.editor_for("mapper", "method").combo, "po")
        choose(settings.editor_for("mapper", "contentType").combo, "j")
        choose(settings.editor_for("mapper", "inputMethod").combo, "j")
        type_into(settings.editor_for("mapper", "jsonStringBodyContent").editor, BODY)

        for module_id in ids:  # no inline problems left anywhere
            settings = select(editor, module_id)
            problems = {key: e.problem() for key, e in settings.editors.items() if e.problem()}
            assert set(problems) <= {("parameters", "hook")}, problems

        # 4. Save with Ctrl+S.
        editor.view.setFocus()  # type: ignore[attr-defined]
        QTest.keyClick(editor.view.viewport(), Qt.Key.Key_S, CTRL)  # type: ignore[attr-defined]
        assert not editor.document.dirty
        saved = editor.document.path
        assert saved is not None and saved.is_file()
        built = json.loads(saved.read_text(encoding="utf-8"))
        node = {m["id"]: m for m in built["flow"]}
        assert node[2]["mapper"] == {"array": "{{1.items}}"}
        assert node[3]["mapper"] == {"value": "{{2.name}} × {{2.qty}}"}
        assert node[4]["parameters"]["feeder"] == 2 and node[4]["mapper"] == {
            "line": "{{3.value}}"
        }
        assert node[5]["mapper"]["jsonStringBodyContent"] == BODY

        # 5. Run what was built and the shipped file (its URL pointed at the stub).
        shipped = json.loads((CASE / "blueprint.json").read_text(encoding="utf-8"))
        shipped["flow"][4]["mapper"]["url"] = f"{stub.url}/order-summaries"
        shipped_file = tmp_path / "shipped.blueprint.json"
        shipped_file.write_text(json.dumps(shipped), encoding="utf-8")
        for k, case_run in enumerate(case["runs"]):
            request = tmp_path / f"request-{k}.json"
            request.write_text(json.dumps(case_run["input"]), encoding="utf-8")
            stub.requests.clear()
            ours = observed(run(saved, request, tmp_path / f"ours-{k}"), stub)
            stub.requests.clear()
            theirs = observed(run(shipped_file, request, tmp_path / f"theirs-{k}"), stub)
            assert ours == theirs
            expect = case_run["expect"]
            assert ours["status"] == expect["status"]
            assert ours["operations"] == expect["operations"]
            [(method, path, _ctype, body)] = ours["requests"]
            assert (method, path, body) == ("POST", "/order-summaries",
                                            expect["requests"][0]["json"])
