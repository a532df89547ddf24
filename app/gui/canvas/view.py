"""The canvas view: wheel zoom around the cursor, +/- keys, F to fit; as in Make, dragging
the empty canvas pans it (so do the middle button and space+drag) and Shift- or Ctrl-drag
selects with a rubber band; a minimap in the corner while part of the scenario is out of
sight; and the level of detail (module_item: discs, icons, then names)."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from app.gui.canvas.link_item import LinkItem
from app.gui.canvas.minimap import Minimap
from app.gui.canvas.module_item import LOD_SIMPLE, LOD_TEXT
from app.gui.canvas.scene import ScenarioScene

MIN_ZOOM = 0.05
MAX_ZOOM = 3.0
KEY_ZOOM_STEP = 1.25
FIT_MARGIN = 60.0
# Fit keeps a small scenario readable: up to SMALL_SCENARIO modules it stops zooming out at
# SMALL_FIT_ZOOM, as long as the modules then overflow the view by at most FIT_OVERFLOW
# (centred: the overflow is the margins around them, even on both sides).
SMALL_SCENARIO = 25
SMALL_FIT_ZOOM = 0.8
FIT_OVERFLOW = 1.2
_CLICK_DISTANCE = 4  # a press released within this many pixels is a click, not a pan
_BAND = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier


class ScenarioView(QGraphicsView):
    def __init__(self, scene: ScenarioScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self._scene = scene  # the view does not own its scene: keep it alive with the view
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPoint | None = None
        self._pan_press: QPoint | None = None  # where a left-button pan began
        self._space_down = False
        self.minimap = Minimap(self)
        self.minimap_enabled = True  # View > Minimap; shown only while it helps
        self.horizontalScrollBar().valueChanged.connect(self.update_minimap)
        self.verticalScrollBar().valueChanged.connect(self.update_minimap)
        scene.synced.connect(self._document_changed)

    def canvas(self) -> ScenarioScene:
        return self._scene

    # ------------------------------------------------------------------ zoom

    def zoom(self) -> float:
        return self.transform().m11()

    def is_simplified(self) -> bool:
        """True when bubbles are drawn simplified (no text, no icon)."""
        return self.zoom() < LOD_SIMPLE

    def shows_names(self) -> bool:
        """True when the modules' names are drawn."""
        return self.zoom() >= LOD_TEXT

    def _document_changed(self, *_: object) -> None:
        self.update_minimap()

    def set_minimap_enabled(self, enabled: bool) -> None:
        self.minimap_enabled = enabled
        self.update_minimap()

    def update_minimap(self) -> None:
        """The minimap shows while part of the scenario is out of sight (it would only
        cover modules otherwise)."""
        if not shiboken6.isValid(self._scene):  # the scroll bars still move as the view dies
            return
        modules = self.canvas().modules_rect()
        hidden = not modules.isEmpty() and not self.visible_scene_rect().contains(modules)
        self.minimap.setVisible(self.minimap_enabled and hidden)
        if self.minimap.isVisible():
            self.minimap.update()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the scene point under `anchor` (viewport coords) in place."""
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        if abs(factor - 1.0) < 1e-9:
            return
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        before = self.mapToScene(anchor.toPoint())
        self.scale(factor, factor)
        after = self.mapToScene(anchor.toPoint())
        self._scroll_by_scene(after - before)
        self.update_minimap()

    def set_zoom(self, zoom: float) -> None:
        self.zoom_by(zoom / self.zoom())

    def fit(self) -> None:
        """Show every module, centred: never zooming in past 100%, and for a small scenario
        never out below SMALL_FIT_ZOOM."""
        rect = self.canvas().modules_rect()
        if rect.isEmpty():
            self.resetTransform()
            self.centerOn(0, 0)
        else:
            self.fitInView(
                rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN),
                Qt.AspectRatioMode.KeepAspectRatio,
            )
            zoom = min(1.0, max(self._fit_floor(rect), self.zoom()))
            self.resetTransform()
            self.scale(zoom, zoom)
            self.centerOn(rect.center())
        self.update_minimap()

    def _fit_floor(self, rect: QRectF) -> float:
        if len(self.canvas().modules) > SMALL_SCENARIO:
            return MIN_ZOOM
        room = self.viewport().rect()
        fits = (rect.width() * SMALL_FIT_ZOOM <= room.width() * FIT_OVERFLOW
                and rect.height() * SMALL_FIT_ZOOM <= room.height() * FIT_OVERFLOW)
        return SMALL_FIT_ZOOM if fits else MIN_ZOOM

    def center_on_module(self, module_id: int) -> None:
        """Find a module: select it, zoom in if names are not shown, centre on it."""
        item = self.canvas().modules.get(module_id)
        if item is None:
            return
        self.canvas().clearSelection()
        item.setSelected(True)
        if not self.shows_names():
            self.set_zoom(1.0)
        self.centerOn(item.pos())
        self.update_minimap()

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def _scroll_by_scene(self, delta: QPointF) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() - round(delta.x() * self.zoom()))
        v.setValue(v.value() - round(delta.y() * self.zoom()))

    # ------------------------------------------------------------------ events

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        steps = event.angleDelta().y() or event.angleDelta().x()
        if steps:
            self.zoom_by(1.0015**steps, event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(KEY_ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / KEY_ZOOM_STEP)
        elif key == Qt.Key.Key_F and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.fit()
        elif key == Qt.Key.Key_Space:
            self._space_down = True
            if not event.isAutoRepeat():
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def is_empty_at(self, pos: QPoint) -> bool:
        """Nothing to press at `pos` (viewport coordinates): the canvas itself, or a link
        away from its funnel."""
        item = self.itemAt(pos)
        if item is None:
            return True
        return isinstance(item, LinkItem) and not item.funnel_contains(self.mapToScene(pos))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        middle = event.button() == Qt.MouseButton.MiddleButton
        left = event.button() == Qt.MouseButton.LeftButton
        at = event.position().toPoint()
        plain_left = left and not event.modifiers() & _BAND
        if middle or (left and self._space_down) or (plain_left and self.is_empty_at(at)):
            self._pan_from = at
            self._pan_press = at if left else None
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
            now = event.position().toPoint()
            delta = now - self._pan_from
            self._pan_from = now
            h, v = self.horizontalScrollBar(), self.verticalScrollBar()
            h.setValue(h.value() - delta.x())
            v.setValue(v.value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
            self._pan_from = None
            press, self._pan_press = self._pan_press, None
            travelled = event.position().toPoint() - press if press is not None else None
            if travelled is not None and travelled.manhattanLength() <= _CLICK_DISTANCE:
                self.canvas().clearSelection()  # a click on the empty canvas
            if self._space_down:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.minimap.place()
        self.update_minimap()
