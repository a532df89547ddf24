"""One module bubble: Make's round, app-coloured bubble with its icon, id badge and label.

The item holds the module id and what it draws (set by the scene in `refresh`); it never
writes to the model. Drawing is cached per item (DeviceCoordinateCache), so a frame blits
pixmaps; below LOD_SIMPLE zoom the cache holds a plain coloured disc (no text, no icon).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem, QWidget

from app.gui.canvas import icons

if TYPE_CHECKING:
    from app.gui.canvas.scene import ScenarioScene

RADIUS = 40.0  # Make's bubbles are ~80 px
HUB_RADIUS = 26.0  # routers are small hubs
HANDLE_RADIUS = 8.0
LABEL_WIDTH = 170.0
LOD_SIMPLE = 0.45  # below this zoom: simplified bubbles

_APP_NAMES = {
    "builtin": "Flow Control",
    "util": "Tools",
    "json": "JSON",
    "http": "HTTP",
    "gateway": "Webhooks",
    "datastore": "Data store",
    "regexp": "Text parser",
    "placeholder": "Placeholder",
}

_TITLE_FONT = QFont()
_TITLE_FONT.setPixelSize(15)  # readable at the zoom a fitted scenario gets
_TITLE_FONT.setBold(True)
_LABEL_FONT = QFont()
_LABEL_FONT.setPixelSize(12)
_BADGE_FONT = QFont()
_BADGE_FONT.setPixelSize(10)
_BADGE_FONT.setBold(True)

_WHITE = QColor("white")
_OUTLINE = QPen(QColor(0, 0, 0, 40), 1.0)
_SELECTED = QPen(icons.ACCENT, 4.0)
_PLACEHOLDER_PEN = QPen(QColor("#8a8a92"), 2.0, Qt.PenStyle.DashLine)
_HANDLE_PEN = QPen(QColor("#a9a6b8"), 1.5)
_TEXT_PEN = QPen(icons.TEXT)
_MUTED_PEN = QPen(QColor("#6f6d7a"))
_BOLT = ((1, -7), (-4, 1), (0, 1), (-1, 7), (4, -1), (0, -1))


_POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged


@cache
def _brush(app: str | None) -> QBrush:
    return QBrush(icons.app_color(app) if app is not None else icons.PLACEHOLDER)


@cache
def _elided(text: str, bold: bool) -> str:
    metrics = QFontMetricsF(_TITLE_FONT if bold else _LABEL_FONT)
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, LABEL_WIDTH)


@cache
def _geometry(r: float, supported: bool) -> tuple[QRectF, QPainterPath]:
    """The area a bubble paints (label and handle included) and its clickable shape."""
    below = 52.0 if supported else 68.0
    bounds = QRectF(-LABEL_WIDTH / 2, -r - 8, LABEL_WIDTH, 2 * r + 8 + below)
    bounds = bounds.united(QRectF(-r - 6, -r - 8, 2 * r + 2 * HANDLE_RADIUS + 12, 2 * r + 16))
    shape = QPainterPath()
    shape.addEllipse(QPointF(0, 0), r, r)
    handle = QPointF(r + HANDLE_RADIUS - 2, 0)
    shape.addEllipse(handle, HANDLE_RADIUS + 3, HANDLE_RADIUS + 3)
    return bounds, shape


def app_title(app: str) -> str:
    return _APP_NAMES.get(app, app[:1].upper() + app[1:])


@dataclass
class ModuleLook:
    """What a bubble shows (computed by the scene from the document and the registry)."""

    module_type: str
    label: str
    first: bool = False
    trigger_kind: str | None = None  # "trigger" (clock) | "instant_trigger" (lightning)
    supported: bool = True
    has_successor: bool = False


class ModuleItem(QGraphicsRectItem):
    # A rect item so boundingRect() stays in C++: a frame calls it for every visible item,
    # and a Python override there costs more than blitting the cached bubble.

    def __init__(self, module_id: int, look: ModuleLook) -> None:
        super().__init__()
        self.setPen(Qt.PenStyle.NoPen)
        self.module_id = module_id
        self.look = look
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1)
        self._apply(look)

    # ------------------------------------------------------------- geometry

    @property
    def radius(self) -> float:
        return HUB_RADIUS if self.look.module_type == "builtin:BasicRouter" else RADIUS

    def handle_center(self) -> QPointF:
        """The connector handle on the bubble's right side (item coordinates)."""
        return QPointF(self.radius + HANDLE_RADIUS - 2, 0)

    def handle_scene_pos(self) -> QPointF:
        return self.mapToScene(self.handle_center())

    def handle_contains(self, item_pos: QPointF) -> bool:
        d = item_pos - self.handle_center()
        return d.x() * d.x() + d.y() * d.y() <= (HANDLE_RADIUS + 3) ** 2

    def input_scene_pos(self) -> QPointF:
        """Where incoming links end: the bubble's left edge."""
        return self.mapToScene(QPointF(-self.radius, 0))

    def output_scene_pos(self) -> QPointF:
        return self.mapToScene(QPointF(self.radius, 0))

    def shape(self) -> QPainterPath:
        return self._shape

    # ------------------------------------------------------------- content

    def refresh(self, look: ModuleLook) -> None:
        if look != self.look:
            self._apply(look)
            self.update()

    def _apply(self, look: ModuleLook) -> None:
        self.look = look
        app = icons.app_of(look.module_type)
        self._brush = _brush(app if look.supported else None)
        # As Make: the module's label (or its given name) in bold, its app small below.
        self.title = _elided(look.label, True)
        self.subtitle = _elided(app_title(app), False)
        bounds, self._shape = _geometry(self.radius, look.supported)
        self.setRect(bounds)
        self.setToolTip(
            f"{look.label} ({look.module_type}) #{self.module_id}"
            + ("" if look.supported else "\nNot supported yet: kept as it is when saved")
        )

    # ------------------------------------------------------------- moving

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:  # noqa: N802
        # Called for every change of every bubble: keep it cheap (QGraphicsItem's own
        # itemChange just returns the value).
        if change == _POSITION_CHANGED:
            scene: ScenarioScene | None = self.scene()  # type: ignore[assignment]
            if scene is not None:
                scene.module_moved(self)
        return value

    # ------------------------------------------------------------- drawing

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        r = self.radius
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        selected = self.isSelected()
        if lod < LOD_SIMPLE:
            painter.setPen(_SELECTED if selected else Qt.PenStyle.NoPen)
            painter.setBrush(self._brush)
            painter.drawEllipse(QPointF(0, 0), r, r)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if selected:
            painter.setPen(_SELECTED)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), r + 4, r + 4)
        painter.setPen(_OUTLINE if self.look.supported else _PLACEHOLDER_PEN)
        painter.setBrush(self._brush)
        painter.drawEllipse(QPointF(0, 0), r, r)
        size = r * (1.5 if self.look.module_type == "builtin:BasicRouter" else 1.2)
        painter.drawPixmap(
            QRectF(-size / 2, -size / 2, size, size),
            icons.glyph_pixmap(self.look.module_type, 96),
            QRectF(0, 0, 96, 96),
        )
        self._draw_handle(painter)
        self._draw_badge(painter, r)
        if self.look.first:
            self._draw_trigger(painter, r)
        self._draw_text(painter, r)

    def _draw_handle(self, painter: QPainter) -> None:
        c = self.handle_center()
        painter.setPen(_HANDLE_PEN)
        painter.setBrush(_WHITE)
        painter.drawEllipse(c, HANDLE_RADIUS, HANDLE_RADIUS)
        if not self.look.has_successor or self.look.module_type == "builtin:BasicRouter":
            painter.setPen(QPen(icons.ACCENT, 1.8))
            painter.drawLine(c + QPointF(-4, 0), c + QPointF(4, 0))
            painter.drawLine(c + QPointF(0, -4), c + QPointF(0, 4))

    def _draw_badge(self, painter: QPainter, r: float) -> None:
        text = str(self.module_id)
        width = max(18.0, 8 + QFontMetricsF(_BADGE_FONT).horizontalAdvance(text))
        rect = QRectF(r * 0.45, -r - 4, width, 16)
        painter.setPen(_OUTLINE)
        painter.setBrush(_WHITE)
        painter.drawRoundedRect(rect, 8, 8)
        painter.setFont(_BADGE_FONT)
        painter.setPen(_TEXT_PEN)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_trigger(self, painter: QPainter, r: float) -> None:
        c = QPointF(-r * 0.72, -r * 0.72)
        painter.setPen(_OUTLINE)
        painter.setBrush(icons.ACCENT)
        painter.drawEllipse(c, 10, 10)
        if self.look.trigger_kind == "instant_trigger":  # lightning: runs on each request
            bolt = QPolygonF([c + QPointF(x, y) for x, y in _BOLT])
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_WHITE)
            painter.drawPolygon(bolt)
        else:  # clock: runs on a schedule
            painter.setPen(QPen(_WHITE, 1.6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(c, 6, 6)
            painter.drawLine(c, c + QPointF(0, -4))
            painter.drawLine(c, c + QPointF(3, 0))

    def _draw_text(self, painter: QPainter, r: float) -> None:
        painter.setFont(_TITLE_FONT)
        painter.setPen(_TEXT_PEN)
        top = r + 6
        center = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        painter.drawText(QRectF(-LABEL_WIDTH / 2, top, LABEL_WIDTH, 20), center, self.title)
        painter.setFont(_LABEL_FONT)
        painter.setPen(_MUTED_PEN)
        painter.drawText(QRectF(-LABEL_WIDTH / 2, top + 20, LABEL_WIDTH, 16), center, self.subtitle)
        if not self.look.supported:
            painter.setPen(_PLACEHOLDER_PEN)
            painter.drawText(
                QRectF(-LABEL_WIDTH / 2, top + 37, LABEL_WIDTH, 16), center, "not supported yet"
            )
