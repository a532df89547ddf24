"""One link: a curve from the right side of a bubble to the left side of the next, with
Make's filter funnel in the middle (filled when the target module has a filter) and the
filter's label under it ("Only POST").

A target that is not to the right of its source (laid out by hand) gets a straight link
between the sides the two bubbles face, never a loop behind them. Error-handler links are
dotted with their directive's badge; fallback routes are marked; disabled routes are
dimmed. The item lives in scene coordinates (pos 0,0) and is re-shaped by `adjust()` when
either end moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.gui.canvas import icons
from app.gui.canvas.module_item import LOD_SIMPLE, LOD_TEXT, ModuleItem, font
from engine.edits.graph import Link

if TYPE_CHECKING:
    from app.gui.canvas.scene import ScenarioScene

FUNNEL_RADIUS = 11.0
_MARGIN = 40.0  # room for the funnel, the badge and the pen around the curve
LABEL_PX = 11
LABEL_MIN_PX = 10.0  # zoomed out, a filter's label stays this tall on screen
LABEL_WIDTH, MAX_LABEL_WIDTH = 130.0, 260.0
_LABEL_ROOM = 60.0  # under the funnel, for the label at any zoom from LOD_TEXT
_FORWARD = 30.0  # a target at least this far right of its source gets Make's S-curve

_LINE = QPen(icons.LINK, 3.0)
_LINE.setCapStyle(Qt.PenCapStyle.RoundCap)
_DIMMED = QPen(QColor(179, 176, 194, 90), 3.0, Qt.PenStyle.DashLine)
_DOTTED = QPen(QColor("#d4506f"), 3.0, Qt.PenStyle.DotLine)
_DOTTED.setCapStyle(Qt.PenCapStyle.RoundCap)
_HIGHLIGHT = QPen(icons.ACCENT, 5.0)
_THIN = QPen(icons.LINK, 0)  # cosmetic: one pixel whatever the zoom
_FUNNEL_PEN = QPen(QColor("#a9a6b8"), 1.5)
_FALLBACK_PEN = QPen(icons.ACCENT, 1.5, Qt.PenStyle.DashLine)
_LABEL_FONT = QFont()
_LABEL_FONT.setPixelSize(11)
_WHITE = QColor("white")


def curve(start: QPointF, end: QPointF) -> QPainterPath:
    """Make's link shape: leaves to the right, arrives from the left."""
    bend = max(40.0, abs(end.x() - start.x()) / 2)
    path = QPainterPath(start)
    path.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end)
    return path


def route(source: ModuleItem, target: ModuleItem) -> QPainterPath:
    """The link's path: Make's curve when the target is to the right; otherwise straight
    from the side of the source that faces the target to the side facing back."""
    start, end = source.output_scene_pos(), target.input_scene_pos()
    if end.x() - start.x() >= _FORWARD:
        return curve(start, end)
    a, b = source.pos(), target.pos()
    d = b - a
    length = (d.x() ** 2 + d.y() ** 2) ** 0.5
    if length <= source.radius + target.radius:  # on top of each other: nothing to route
        return curve(start, end)
    u = d / length
    path = QPainterPath(a + u * source.radius)
    path.lineTo(b - u * target.radius)
    return path


def label_metrics(lod: float) -> tuple[int, float]:
    """The filter label's font size and width in scene units at zoom `lod`."""
    lod = max(lod, 1e-3)
    px = max(LABEL_PX, round(LABEL_MIN_PX / lod))
    return px, min(MAX_LABEL_WIDTH, max(LABEL_WIDTH, 100.0 / lod))


class LinkItem(QGraphicsRectItem):
    # A rect item (its rect = the area it paints) so boundingRect() stays in C++.

    def __init__(self, link: Link, source: ModuleItem, target: ModuleItem) -> None:
        super().__init__()
        self.setPen(Qt.PenStyle.NoPen)
        self.link = link
        self.source = source
        self.target = target
        self.filled = link.has_filter
        self.filter_name = link.filter_name
        self.badge: str | None = None  # the error handler's directive ("Ig", "Rs", ...)
        self.highlighted = False
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setZValue(0)
        self._path = QPainterPath()
        self._shape = QPainterPath()
        self._mid = QPointF()
        self.adjust()

    @property
    def has_funnel(self) -> bool:
        # Make puts no filter on a merge or on the way into an error handler.
        return self.link.kind not in ("merge", "onerror")

    def funnel_scene_pos(self) -> QPointF:
        return QPointF(self._mid)

    def curve(self) -> QPainterPath:
        return QPainterPath(self._path)

    def adjust(self) -> None:
        self._path = route(self.source, self.target)
        self._mid = self._path.pointAtPercent(0.5)
        label = QRectF(self._mid.x() - MAX_LABEL_WIDTH / 2, self._mid.y(), MAX_LABEL_WIDTH,
                       FUNNEL_RADIUS + _LABEL_ROOM)
        self.setRect(self._path.boundingRect().adjusted(-_MARGIN, -_MARGIN, _MARGIN, _MARGIN)
                     .united(label))
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        shape = stroker.createStroke(self._path)
        if self.has_funnel:
            shape.addEllipse(self._mid, FUNNEL_RADIUS + 2, FUNNEL_RADIUS + 2)
        self._shape = shape

    def set_filled(self, filled: bool, name: str | None = None) -> None:
        if (filled, name) != (self.filled, self.filter_name):
            self.filled, self.filter_name = filled, name
            self.update()

    def label_text(self) -> str | None:
        """What is written under the funnel: the branch's or the filter's label."""
        label = self.link.label or self.filter_name
        if self.link.fallback:
            return f"{label} (fallback)" if label else "fallback route"
        return label

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def near(self, scene_pos: QPointF, tolerance: float) -> bool:
        stroker = QPainterPathStroker()
        stroker.setWidth(2 * tolerance)
        return stroker.createStroke(self._path).contains(scene_pos)

    def funnel_contains(self, scene_pos: QPointF) -> bool:
        d = scene_pos - self._mid
        return self.has_funnel and d.x() ** 2 + d.y() ** 2 <= (FUNNEL_RADIUS + 2) ** 2

    def shape(self) -> QPainterPath:
        return self._shape

    # ------------------------------------------------------------- clicking

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.funnel_contains(event.scenePos()):
            event.accept()
            return
        event.ignore()  # the press falls through to a rubber band

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        scene: ScenarioScene | None = self.scene()  # type: ignore[assignment]
        if scene is not None and self.funnel_contains(event.scenePos()):
            if self.link.kind == "branch":  # an If-else branch's condition, not a filter
                scene.condition_requested.emit(self.link.source, self.link.index)
            else:
                scene.filter_requested.emit(self.link.target)

    # ------------------------------------------------------------- drawing

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if lod < LOD_SIMPLE:
            painter.setPen(_HIGHLIGHT if self.highlighted else _THIN)
            painter.drawPath(self._path)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.highlighted:
            painter.setPen(_HIGHLIGHT)
        elif self.link.kind == "onerror":
            painter.setPen(_DOTTED)
        elif self.link.disabled:
            painter.setPen(_DIMMED)
        else:
            painter.setPen(_LINE)
        painter.drawPath(self._path)
        if lod < LOD_TEXT:
            return
        if self.has_funnel:
            self._draw_funnel(painter)
        if self.link.kind == "onerror" and self.badge:
            self._draw_badge(painter)
        label = self.label_text()
        if label:
            px, width = label_metrics(lod)
            metrics = QFontMetricsF(font(px, False))
            text = metrics.elidedText(label, Qt.TextElideMode.ElideRight, width - 8)
            painter.setFont(font(px, False))
            painter.setPen(icons.ACCENT if self.link.fallback else icons.TEXT)
            painter.drawText(
                QRectF(self._mid.x() - width / 2, self._mid.y() + FUNNEL_RADIUS + 2, width,
                       round(px * 1.3)),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                | Qt.TextFlag.TextDontClip,
                text,
            )

    def _draw_funnel(self, painter: QPainter) -> None:
        c = self._mid
        if self.link.disabled:
            painter.setOpacity(0.5)
        painter.setPen(_FALLBACK_PEN if self.link.fallback else _FUNNEL_PEN)
        painter.setBrush(icons.ACCENT if self.filled else _WHITE)
        painter.drawEllipse(c, FUNNEL_RADIUS, FUNNEL_RADIUS)
        funnel = QPolygonF(
            [
                c + QPointF(x, y)
                for x, y in ((-6, -5), (6, -5), (1.5, 1), (1.5, 6), (-1.5, 6), (-1.5, 1))
            ]
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_WHITE if self.filled else icons.LINK)
        painter.drawPolygon(funnel)
        painter.setOpacity(1.0)

    def _draw_badge(self, painter: QPainter) -> None:
        c = self._path.pointAtPercent(0.25)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#d4506f"))
        painter.drawEllipse(c, 10, 10)
        painter.setFont(_LABEL_FONT)
        painter.setPen(_WHITE)
        painter.drawText(
            QRectF(c.x() - 10, c.y() - 10, 20, 20), Qt.AlignmentFlag.AlignCenter, self.badge or ""
        )
