"""Dropping a module type from the palette: on empty canvas it is added where it fell; on
a link it is inserted between the link's two ends."""

from __future__ import annotations

from PySide6.QtCore import QPointF

from app.gui.canvas import module_mime_data, module_type_from
from app.gui.canvas.interactions import DropModule
from tests.gui.canvas.helpers import drop_module


def test_mime_data_carries_the_module_type():
    assert module_type_from(module_mime_data("json:ParseJSON")) == "json:ParseJSON"
    assert module_type_from(None) is None


def test_drop_on_empty_canvas_adds_the_module_there(qtbot, view, document):
    scene = view.canvas()
    assert drop_module(view, "json:ParseJSON", QPointF(500, 500))
    (new_id,) = set(scene.modules) - {1, 2, 3, 4, 5, 6}
    module = document.graph().modules[new_id]
    assert module.module == "json:ParseJSON"
    assert abs(module.x - 500) <= 1 and abs(module.y - 500) <= 1
    assert scene.modules[new_id].look.label == "Parse JSON"
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert new_id not in scene.modules


def test_drop_on_a_link_inserts_the_module_between_its_ends(qtbot, view, document):
    scene = view.canvas()
    on_link = scene.link_item(1, 2).curve().pointAtPercent(0.3)
    assert drop_module(view, "util:SetVariable2", on_link)
    (new_id,) = set(scene.modules) - {1, 2, 3, 4, 5, 6}
    assert scene.link_item(1, new_id) is not None and scene.link_item(new_id, 2) is not None
    assert scene.link_item(1, 2) is None
    document.undo_stack.undo()
    assert scene.link_item(1, 2) is not None and new_id not in scene.modules


def test_the_link_under_a_drag_is_highlighted(qtbot, view):
    scene = view.canvas()
    link = scene.link_item(2, 3)
    drop = DropModule(scene, "json:ParseJSON")
    drop.hover(link.curve().pointAtPercent(0.5) + QPointF(0, 10))
    assert link.highlighted
    drop.hover(QPointF(500, 600))
    assert not link.highlighted


def test_other_drags_are_refused(qtbot, view, document):
    from PySide6.QtCore import QMimeData, Qt
    from PySide6.QtGui import QDragEnterEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setText("hello")
    event = QDragEnterEvent(
        view.mapFromScene(QPointF(500, 500)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), event)
    assert not event.isAccepted()
    assert document.undo_stack.count() == 0


def test_a_module_dropped_on_a_link_gets_room_and_makes_defaults(qtbot, view, document):
    """The modules after it move right, so no label sits on another; its required fields
    start with Make's defaults ("Variable lifetime": one cycle)."""
    scene = view.canvas()
    before = {i: (m.x, m.y) for i, m in document.graph().modules.items()}
    on_link = scene.link_item(1, 2).curve().pointAtPercent(0.5)
    assert drop_module(view, "util:SetVariable2", on_link)
    (new_id,) = set(scene.modules) - set(before)
    after = document.graph().modules
    xs = sorted([(after[i].x, i) for i in (1, new_id, 2)])
    assert [i for _, i in xs] == [1, new_id, 2]
    assert after[new_id].x - after[1].x >= 300 and after[2].x - after[new_id].x >= 300
    assert all(after[i].x > before[i][0] for i in (2, 3, 4, 5, 6))  # what follows moved too
    assert document.node(new_id).mapper == {"scope": "roundtrip"}
    document.undo_stack.undo()
    assert {i: (m.x, m.y) for i, m in document.graph().modules.items()} == before
