"""Real input on the canvas viewport: mouse gestures, key presses and palette drops."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.gui.canvas import ScenarioView, module_mime_data

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def at(view: ScenarioView, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def drag(
    view: ScenarioView, start: QPointF, end: QPointF, steps: int = 8, button: Qt.MouseButton = LEFT,
    modifier: Qt.KeyboardModifier = NO_MOD,
) -> None:
    """Press at `start`, move in steps, release at `end` (scene coordinates)."""
    viewport = view.viewport()
    a, b = at(view, start), at(view, end)
    QTest.mousePress(viewport, button, modifier, a)
    for k in range(1, steps + 1):
        point = a + (b - a) * k / steps
        if modifier != NO_MOD:  # QTest.mouseMove carries no modifiers
            move = QMouseEvent(QEvent.Type.MouseMove, QPointF(point), QPointF(point),
                               QPointF(viewport.mapToGlobal(point)), Qt.MouseButton.NoButton,
                               button, modifier)
            QApplication.sendEvent(viewport, move)
        else:
            QTest.mouseMove(viewport, point)
    QTest.mouseRelease(viewport, button, modifier, b)


def click(view: ScenarioView, scene_pos: QPointF) -> None:
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, at(view, scene_pos))


def drop_module(view: ScenarioView, module_type: str, scene_pos: QPointF) -> bool:
    """Drag a module type from the palette and drop it at `scene_pos`; True if accepted."""
    viewport = view.viewport()
    pos = at(view, scene_pos)
    mime = module_mime_data(module_type)
    copy = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos, copy, mime, LEFT, NO_MOD)
    QApplication.sendEvent(viewport, enter)
    move = QDragMoveEvent(pos, copy, mime, LEFT, NO_MOD)
    QApplication.sendEvent(viewport, move)
    drop = QDropEvent(QPointF(pos), copy, mime, LEFT, NO_MOD)
    QApplication.sendEvent(viewport, drop)
    return drop.isAccepted()


def wheel(view: ScenarioView, scene_pos: QPointF, delta: int) -> None:
    pos = QPointF(at(view, scene_pos))
    event = QWheelEvent(
        pos,
        QPointF(view.viewport().mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        NO_MOD,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)
