"""A minimap overlay in the view's corner: every module as a dot in its app colour and the
visible area as a frame; click or drag in it to move the view there. Small, and shown by
the view only while part of the scenario is out of sight.

The dots are drawn once into a pixmap and redrawn only when the document changes, so
scrolling and dragging cost one blit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from app.gui.canvas import icons

if TYPE_CHECKING:
    from app.gui.canvas.view import ScenarioView

WIDTH, HEIGHT, MARGIN = 150, 96, 10
_FRAME = QPen(icons.ACCENT, 1.5)
_BORDER = QPen(QColor("#d6d3e0"), 1.0)
_PAPER = QColor(255, 255, 255, 200)


class Minimap(QWidget):
    def __init__(self, view: ScenarioView) -> None:
        super().__init__(view)
        self.view = view
        self.setFixedSize(WIDTH, HEIGHT)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Minimap: click or drag to move the view")
        self._dots: QPixmap | None = None
        self._world = QRectF()
        view.canvas().document.changed.connect(self._invalidate)
        self.place()

    def place(self) -> None:
        viewport = self.view.viewport().geometry()
        self.move(viewport.right() - WIDTH - MARGIN, viewport.bottom() - HEIGHT - MARGIN)
        self.raise_()

    def _invalidate(self, *_: object) -> None:
        self._dots = None
        self.update()

    # -------------------------------------------------------------- mapping

    def _scale(self) -> float:
        w, h = max(self._world.width(), 1.0), max(self._world.height(), 1.0)
        return min((WIDTH - 12) / w, (HEIGHT - 12) / h)

    def to_map(self, scene_pos: QPointF) -> QPointF:
        s = self._scale()
        return QPointF(
            6 + (scene_pos.x() - self._world.left()) * s,
            6 + (scene_pos.y() - self._world.top()) * s,
        )

    def to_scene(self, map_pos: QPointF) -> QPointF:
        s = self._scale()
        return QPointF(
            self._world.left() + (map_pos.x() - 6) / s,
            self._world.top() + (map_pos.y() - 6) / s,
        )

    # -------------------------------------------------------------- drawing

    def _render_dots(self) -> QPixmap:
        scene = self.view.canvas()
        self._world = scene.modules_rect().adjusted(-200, -200, 200, 200)
        pixmap = QPixmap(WIDTH, HEIGHT)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        radius = max(1.5, min(5.0, 40 * self._scale()))
        for item in scene.modules.values():
            look = item.look
            supported = look.supported
            painter.setBrush(
                icons.app_color(icons.app_of(look.module_type)) if supported else icons.PLACEHOLDER
            )
            painter.drawEllipse(self.to_map(item.pos()), radius, radius)
        painter.end()
        return pixmap

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if self._dots is None:
            self._dots = self._render_dots()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(_BORDER)
        painter.setBrush(_PAPER)
        painter.drawRoundedRect(QRectF(0.5, 0.5, WIDTH - 1, HEIGHT - 1), 6, 6)
        painter.drawPixmap(0, 0, self._dots)
        visible = self.view.visible_scene_rect()
        frame = QRectF(self.to_map(visible.topLeft()), self.to_map(visible.bottomRight()))
        painter.setClipRect(QRectF(1, 1, WIDTH - 2, HEIGHT - 2))
        painter.setPen(_FRAME)
        painter.setBrush(QColor(109, 0, 204, 25))
        painter.drawRect(frame)
        painter.end()

    # -------------------------------------------------------------- navigating

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._go(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._go(event)

    def _go(self, event: QMouseEvent) -> None:
        if self._dots is None:
            self._dots = self._render_dots()
        self.view.centerOn(self.to_scene(event.position()))
        self.update()
        event.accept()
