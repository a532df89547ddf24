"""The editor's gestures in the main window, by real mouse and keyboard input: each one is
one undo step that Ctrl+Z undoes and Ctrl+Y redoes, and the result saves and reloads equal."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.document import ScenarioDocument
from app.gui.editor import ScenarioEditor
from app.gui.find_module import FindModuleDialog
from app.gui.main_window import MainWindow
from app.gui.panels import FilterEditor

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Discard)
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.resize(1920, 1040)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def editor(window: MainWindow) -> ScenarioEditor:
    """A new scenario: webhook (1) -> iterator (2), and a Compose (3) not linked yet."""
    editor = window.new_scenario()
    doc = editor.document
    first = doc.add_module("gateway:CustomWebHook", -300, 0)
    second = doc.append_after(first, "builtin:BasicFeeder")
    doc.move_modules({second: (0, 0)})
    doc.add_module("util:ComposeTransformer", 300, 0)
    doc.save()
    view: Any = editor.view
    view.set_zoom(1.0)
    view.centerOn(0, 0)
    return editor


# ------------------------------------------------------------------------ helpers


def viewport(editor: ScenarioEditor) -> Any:
    return editor.view.viewport()  # type: ignore[attr-defined]


def point(editor: ScenarioEditor, scene_pos: QPointF) -> QPoint:
    view: Any = editor.view
    at = view.mapFromScene(scene_pos)
    assert view.viewport().rect().contains(at)
    return at


def key(editor: ScenarioEditor, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MOD) -> None:
    """A key pressed while the canvas has the focus (in its window, active again after a
    dialog closed, as the desktop does it)."""
    if QApplication.activeWindow() is not editor.window():
        # offscreen keeps a closed dialog "active": focus the window as a desktop does
        with warnings.catch_warnings():  # deprecated, and the only way offscreen
            warnings.simplefilter("ignore", DeprecationWarning)
            QApplication.setActiveWindow(editor.window())
    editor.view.setFocus()  # type: ignore[attr-defined]
    QTest.keyClick(viewport(editor), key, modifier)


def undo_redo(editor: ScenarioEditor, check_before: Callable[[], None],
              check_after: Callable[[], None]) -> None:
    """Ctrl+Z gives the state before the gesture, Ctrl+Y the state after it."""
    key(editor, Qt.Key.Key_Z, CTRL)
    check_before()
    key(editor, Qt.Key.Key_Y, CTRL)
    check_after()


def click_at(editor: ScenarioEditor, scene_pos: QPointF,
             modifier: Qt.KeyboardModifier = NO_MOD) -> None:
    QTest.mouseClick(viewport(editor), LEFT, modifier, point(editor, scene_pos))


def palette_drop(editor: ScenarioEditor, module_type: str, scene_pos: QPointF) -> None:
    palette: Any = editor.palette
    mime = palette.tree.mimeData([palette.item_for(module_type)])
    pos = point(editor, scene_pos)
    copy = Qt.DropAction.CopyAction
    QApplication.sendEvent(viewport(editor), QDragEnterEvent(pos, copy, mime, LEFT, NO_MOD))
    QApplication.sendEvent(viewport(editor), QDragMoveEvent(pos, copy, mime, LEFT, NO_MOD))
    QApplication.sendEvent(viewport(editor), QDropEvent(QPointF(pos), copy, mime, LEFT, NO_MOD))


def links(doc: ScenarioDocument) -> list[tuple[int, int]]:
    return [(link.source, link.target) for link in doc.graph().links]


def modules(doc: ScenarioDocument) -> dict[int, str]:
    return {i: m.module for i, m in doc.graph().modules.items()}


def blueprint(doc: ScenarioDocument) -> Any:
    return doc.blueprint.to_json_obj()


# -------------------------------------------------------------------------- tests


def test_dropping_from_the_palette_adds_a_module(editor: ScenarioEditor) -> None:
    doc = editor.document
    palette_drop(editor, "json:ParseJSON", QPointF(0, 250))
    assert modules(doc)[4] == "json:ParseJSON"
    assert (doc.graph().modules[4].x, doc.graph().modules[4].y) == (0, 250)
    undo_redo(editor, lambda: (4 not in modules(doc)) or pytest.fail("still there"),
              lambda: modules(doc).get(4) == "json:ParseJSON" or pytest.fail("not back"))


def test_wiring_two_modules_by_mouse(editor: ScenarioEditor) -> None:
    doc, canvas = editor.document, editor.canvas
    start = point(editor, canvas.modules[2].handle_scene_pos())
    end = point(editor, canvas.modules[3].pos())
    QTest.mousePress(viewport(editor), LEFT, NO_MOD, start)
    for k in range(1, 7):
        QTest.mouseMove(viewport(editor), start + (end - start) * k / 6)
    QTest.mouseRelease(viewport(editor), LEFT, NO_MOD, end)
    assert links(doc) == [(1, 2), (2, 3)]
    assert canvas.link_item(2, 3) is not None

    def unlinked() -> None:
        assert links(doc) == [(1, 2)] and canvas.link_item(2, 3) is None

    def linked() -> None:
        assert links(doc) == [(1, 2), (2, 3)] and canvas.link_item(2, 3) is not None

    undo_redo(editor, unlinked, linked)


def test_dropping_on_a_link_inserts_the_module(editor: ScenarioEditor) -> None:
    doc, canvas = editor.document, editor.canvas
    on_link = canvas.link_item(1, 2).curve().pointAtPercent(0.3)
    palette_drop(editor, "util:SetVariable2", on_link)
    assert links(doc) == [(1, 4), (4, 2)]

    def before() -> None:
        assert links(doc) == [(1, 2)] and 4 not in canvas.modules

    def after() -> None:
        assert links(doc) == [(1, 4), (4, 2)] and canvas.link_item(4, 2) is not None

    undo_redo(editor, before, after)


def test_editing_a_field_and_ctrl_z_in_the_field_undoes_the_typing(
    editor: ScenarioEditor,
) -> None:
    doc = editor.document
    click_at(editor, QPointF(300, 0))  # the Compose bubble
    settings: Any = editor.settings
    assert settings.module_id == 3
    field = settings.editor_for("mapper", "value").editor
    QTest.mouseClick(field, LEFT, NO_MOD, QPoint(8, 8))
    QTest.keyClicks(field, "Hello {{1.name}}")
    assert doc.node(3).mapper == {"value": "Hello {{1.name}}"}
    # The document owns undo: Ctrl+Z in the field undoes the whole typing, one step.
    QTest.keyClick(field, Qt.Key.Key_Z, CTRL)
    assert doc.node(3).mapper.get("value") is None and field.text() == ""
    QTest.keyClick(field, Qt.Key.Key_Y, CTRL)
    assert doc.node(3).mapper == {"value": "Hello {{1.name}}"}
    assert field.text() == "Hello {{1.name}}"


def test_adding_a_filter_by_clicking_the_funnel(editor: ScenarioEditor) -> None:
    doc, canvas = editor.document, editor.canvas
    click_at(editor, canvas.link_item(1, 2).funnel_scene_pos())
    dialog = editor.filter_dialog
    assert isinstance(dialog, FilterEditor), "the filter editor did not open"
    assert dialog.isVisible() and not dialog.isModal()  # the window stays usable
    assert dialog.picker is not None and dialog.picker.isVisible()  # mapping beside it
    QTest.keyClicks(dialog.name, "Has items")
    row = dialog.groups[0].rows[0]
    QTest.keyClicks(row.a, "{{1.items}}")
    row.operator.setCurrentIndex(row.operator.findData("array:greater"))
    QTest.keyClicks(row.b, "0")
    QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)
    wanted = {"name": "Has items",
              "conditions": [[{"a": "{{1.items}}", "o": "array:greater", "b": "0"}]]}
    assert doc.node(2).filter.model_dump(exclude_unset=True) == wanted
    assert canvas.link_item(1, 2).filled

    def before() -> None:
        assert doc.node(2).filter is None and not canvas.link_item(1, 2).filled

    def after() -> None:
        assert doc.node(2).filter is not None and canvas.link_item(1, 2).filled

    undo_redo(editor, before, after)


def test_delete_copy_paste_keys(editor: ScenarioEditor) -> None:
    doc, canvas = editor.document, editor.canvas
    click_at(editor, QPointF(300, 0))
    key(editor, Qt.Key.Key_C, CTRL)
    key(editor, Qt.Key.Key_V, CTRL)
    assert modules(doc)[4] == "util:ComposeTransformer"
    assert canvas.selected_ids() == [4]  # the pasted copy is selected
    key(editor, Qt.Key.Key_Delete)
    assert 4 not in modules(doc) and 4 not in canvas.modules
    undo_redo(editor, lambda: (4 in canvas.modules) or pytest.fail("not restored"),
              lambda: (4 not in canvas.modules) or pytest.fail("not deleted again"))


def test_ctrl_s_saves_and_the_file_reloads_equal(editor: ScenarioEditor) -> None:
    doc = editor.document
    doc.set_field(2, "mapper", ("array",), "{{1.items}}")
    doc.set_filter(2, {"name": "f", "conditions": [[{"a": "{{1.x}}", "o": "exist"}]]})
    doc.move_modules({3: (320.0, 40.0)})
    assert doc.dirty
    key(editor, Qt.Key.Key_S, CTRL)
    assert not doc.dirty
    assert doc.path is not None
    assert blueprint(ScenarioDocument.open(doc.path)) == blueprint(doc)


def test_ctrl_f_finds_a_module_and_f_fits(window: MainWindow, editor: ScenarioEditor) -> None:
    view: Any = editor.view
    view.set_zoom(2.5)
    view.centerOn(2000, 2000)
    key(editor, Qt.Key.Key_F, CTRL)
    dialog = window.findChild(FindModuleDialog)
    assert dialog is not None and dialog.isVisible()
    QTest.keyClicks(dialog.search, "compose")
    QTest.keyClick(dialog.search, Qt.Key.Key_Return)
    assert editor.selection == [3]
    assert view.viewport().rect().contains(view.mapFromScene(QPointF(300, 0)))
    key(editor, Qt.Key.Key_F)
    shown = view.visible_scene_rect()
    for item in editor.canvas.modules.values():
        assert shown.contains(item.sceneBoundingRect())
