"""Zoom, fit, pan, minimap, level of detail and "find module"."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest

from app.gui.canvas.module_item import LOD_SIMPLE, LOD_TEXT
from tests.gui.canvas.helpers import at, drag, wheel


def test_wheel_zooms_around_the_cursor(qtbot, view):
    anchor = QPointF(900, 150)
    before = at(view, anchor)
    wheel(view, anchor, 240)
    assert view.zoom() > 1.3
    assert (at(view, anchor) - before).manhattanLength() <= 2  # the point stayed put
    wheel(view, anchor, -480)
    assert view.zoom() < 1.0


def test_keys_zoom_and_fit(qtbot, view):
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Plus)
    assert view.zoom() == 1.25
    QTest.keyClick(view, Qt.Key.Key_Minus)
    QTest.keyClick(view, Qt.Key.Key_Minus)
    assert abs(view.zoom() - 0.8) < 1e-9
    view.set_zoom(2.5)
    QTest.keyClick(view, Qt.Key.Key_F)
    assert view.zoom() < 2.5
    visible = view.visible_scene_rect()
    for item in view.canvas().modules.values():
        assert visible.contains(item.sceneBoundingRect())


def test_fit_shows_a_large_scenario_zoomed_out(qtbot, view, document):
    for k in range(12):
        document.add_module("util:SetVariable2", 3000 + 300 * k, 2000)
    view.fit()
    assert view.zoom() < 0.5
    visible = view.visible_scene_rect()
    assert all(visible.contains(i.sceneBoundingRect()) for i in view.canvas().modules.values())


def dark_pixels(image: QImage) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = QColor(image.pixel(x, y))
            if c.red() < 90 and c.green() < 90 and c.blue() < 90:
                count += 1
    return count


def test_zoomed_out_bubbles_are_simplified(qtbot, view):
    view.set_minimap_enabled(False)
    view.set_zoom(LOD_TEXT + 0.02)
    view.centerOn(450, 150)
    assert view.shows_names() and not view.is_simplified()
    assert dark_pixels(view.viewport().grab().toImage()) > 20  # names
    view.set_zoom(LOD_TEXT - 0.02)
    view.centerOn(450, 150)
    assert not view.shows_names() and not view.is_simplified()
    assert dark_pixels(view.viewport().grab().toImage()) == 0  # icons, no text
    view.set_zoom(LOD_SIMPLE - 0.05)
    view.centerOn(450, 150)
    assert view.is_simplified()
    assert dark_pixels(view.viewport().grab().toImage()) == 0  # plain discs


def test_middle_button_and_space_drag_pan(qtbot, view):
    before = view.visible_scene_rect().center()
    drag(view, QPointF(500, 400), QPointF(300, 400), button=Qt.MouseButton.MiddleButton)
    after = view.visible_scene_rect().center()
    assert abs((after - before).x() - 200) <= 2 and view.canvas().selected_ids() == []
    view.setFocus()
    QTest.keyPress(view, Qt.Key.Key_Space)
    drag(view, QPointF(500, 400), QPointF(500, 300))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    assert abs((view.visible_scene_rect().center() - after).y() - 100) <= 2


def test_minimap_click_moves_the_view(qtbot, view, document):
    document.add_module("util:SetVariable2", 4000, 3000)
    minimap = view.minimap
    minimap.show()
    target = QPointF(4000, 3000)
    minimap.repaint()
    QTest.mouseClick(
        minimap,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        minimap.to_map(target).toPoint(),
    )
    center = view.visible_scene_rect().center()
    assert abs(center.x() - 4000) < 60 and abs(center.y() - 3000) < 60


def test_center_on_module_finds_it(qtbot, view, document):
    for k in range(20):
        document.add_module("util:SetVariable2", 300 * k, 3000)
    view.fit()
    assert not view.shows_names()
    view.center_on_module(5)
    assert view.canvas().selected_ids() == [5]
    assert view.shows_names()
    center = view.visible_scene_rect().center()
    assert abs(center.x() - 900) < 2 and abs(center.y() - 150) < 2
