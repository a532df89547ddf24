"""One module bubble: Make's round, app-coloured bubble with its icon, id badge and label.

The item holds the module id and what it draws (set by the scene in `refresh`); it never
writes to the model. Drawing is cached per item (DeviceCoordinateCache), so a frame blits
pixmaps. Three levels of detail: below LOD_SIMPLE zoom a plain coloured disc; below
LOD_TEXT the disc with its app icon; from LOD_TEXT on the name too, never smaller on screen
than NAME_MIN_PX (the font grows in scene units as the view zooms out, within the room a
module has in a row), on up to two lines, elided at the end (the tooltip has it whole).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
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
from app.gui.names import app_name

if TYPE_CHECKING:
    from app.gui.canvas.scene import ScenarioScene

RADIUS = 40.0  # Make's bubbles are ~80 px
HUB_RADIUS = 26.0  # routers are small hubs
HANDLE_RADIUS = 8.0
LABEL_WIDTH = 170.0  # at 100%: the name's width under the bubble
MAX_LABEL_WIDTH = 280.0  # zoomed out: never wider than the room a module has in a row
LABEL_SCREEN_WIDTH = 120.0  # zoomed out, the name keeps this much room on screen
NAME_MIN_PX = 11.0  # zoomed out, names stay this tall on screen
DETAIL_MIN_PX = 9.0  # and the app's name this tall, from LOD_DETAIL on
LOD_SIMPLE = 0.15  # below this zoom: plain discs
LOD_TEXT = 0.25  # below this zoom: discs with their icon, no text
LOD_DETAIL = 0.45  # below this zoom: no app name, id badge or handle
_BELOW = 124.0  # room under the bubble for the label at any zoom from LOD_TEXT


TITLE_PX = 15
SUBTITLE_PX = 12
_TITLE_FONT = QFont()
_TITLE_FONT.setPixelSize(TITLE_PX)
_TITLE_FONT.setBold(True)
_LABEL_FONT = QFont()
_LABEL_FONT.setPixelSize(SUBTITLE_PX)
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
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, LABEL_WIDTH - _SLACK)


_SLACK = 8.0  # text drawn at another zoom is a little wider than measured: keep room


@lru_cache(maxsize=64)
def font(px: int, bold: bool) -> QFont:
    made = QFont()
    made.setPixelSize(px)
    made.setBold(bold)
    return made


def label_metrics(lod: float) -> tuple[int, int, float]:
    """At zoom `lod`: the name's and the app's font size and the label's width, in scene
    units (never smaller on screen than NAME_MIN_PX, never wider than a module's room)."""
    lod = max(lod, 1e-3)
    title = max(TITLE_PX, round(NAME_MIN_PX / lod))
    subtitle = max(SUBTITLE_PX, round(DETAIL_MIN_PX / lod))
    width = min(MAX_LABEL_WIDTH, max(LABEL_WIDTH, LABEL_SCREEN_WIDTH / lod))
    return title, subtitle, width


@lru_cache(maxsize=4096)
def wrapped(text: str, px: int, width: float) -> tuple[str, ...]:
    """The name on at most two lines of `width` (bold, `px`), the second elided at the end
    when it doesn't fit: a long name loses its end, never its first letter."""
    metrics = QFontMetricsF(font(px, True))
    room = width - _SLACK
    if metrics.horizontalAdvance(text) <= room:
        return (text,)
    words = re.split(r"(?<=\s)", text)
    first = ""
    for k, word in enumerate(words):
        if first and metrics.horizontalAdvance(first + word.rstrip()) > room:
            rest = "".join(words[k:]).strip()
            second = metrics.elidedText(rest, Qt.TextElideMode.ElideRight, room)
            return (first.rstrip(), second)
        first += word
    # One long word: cut it over two lines.
    cut = len(text)
    while cut > 1 and metrics.horizontalAdvance(text[:cut]) > room:
        cut -= 1
    return (text[:cut], metrics.elidedText(text[cut:], Qt.TextElideMode.ElideRight, room))


@cache
def _geometry(r: float, supported: bool) -> tuple[QRectF, QPainterPath]:
    """The area a bubble paints (label and handle included) and its clickable shape."""
    below = _BELOW + (0.0 if supported else 16.0)
    bounds = QRectF(-MAX_LABEL_WIDTH / 2, -r - 8, MAX_LABEL_WIDTH, 2 * r + 8 + below)
    bounds = bounds.united(QRectF(-r - 6, -r - 8, 2 * r + 2 * HANDLE_RADIUS + 12, 2 * r + 16))
    shape = QPainterPath()
    shape.addEllipse(QPointF(0, 0), r, r)
    handle = QPointF(r + HANDLE_RADIUS - 2, 0)
    shape.addEllipse(handle, HANDLE_RADIUS + 3, HANDLE_RADIUS + 3)
    return bounds, shape


def app_title(app: str) -> str:
    return app_name(app)


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

    def footprint(self) -> QRectF:
        """The area the bubble and its name take at 100% (scene coordinates): what "fit"
        frames (the painted area is larger, for names zoomed out)."""
        r = self.radius
        return QRectF(-LABEL_WIDTH / 2, -r - 8, LABEL_WIDTH, 2 * r + 60).translated(self.pos())

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
            f"<b>{_html(look.label)}</b><br>{_html(app_title(app))} · module "
            f"{self.module_id}<br><span style='color:#6f6d7a'>{look.module_type}</span>"
            + ("" if look.supported else "<br>Not supported yet: kept as it is when saved")
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
        if lod < LOD_TEXT:
            return
        if lod >= LOD_DETAIL:
            self._draw_handle(painter)
            self._draw_badge(painter, r)
        if self.look.first:
            self._draw_trigger(painter, r)
        self._draw_text(painter, r, lod)

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

    def name_lines(self, lod: float) -> tuple[str, ...]:
        """The name as drawn at zoom `lod`."""
        px, _sub, width = label_metrics(lod)
        return wrapped(self.look.label, px, width)

    def _draw_text(self, painter: QPainter, r: float, lod: float) -> None:
        title_px, subtitle_px, width = label_metrics(lod)
        flags = (Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                 | Qt.TextFlag.TextDontClip)
        top = r + 6
        line = round(title_px * 1.25)
        painter.setFont(font(title_px, True))
        painter.setPen(_TEXT_PEN)
        for text in wrapped(self.look.label, title_px, width):
            painter.drawText(QRectF(-width / 2, top, width, line), flags, text)
            top += line
        if lod < LOD_DETAIL:
            return
        small = round(subtitle_px * 1.3)
        painter.setFont(font(subtitle_px, False))
        painter.setPen(_MUTED_PEN)
        subtitle = QFontMetricsF(font(subtitle_px, False)).elidedText(
            app_title(icons.app_of(self.look.module_type)), Qt.TextElideMode.ElideRight,
            width - _SLACK)
        painter.drawText(QRectF(-width / 2, top, width, small), flags, subtitle)
        if not self.look.supported:
            painter.setPen(_PLACEHOLDER_PEN)
            painter.drawText(QRectF(-width / 2, top + small, width, small), flags,
                             "not supported yet")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
