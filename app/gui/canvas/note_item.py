"""A note from metadata.designer.notes: a small sticky above its module, or beside the
filter of the link into it (Make's `"filter": true` notes)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.gui.canvas.module_item import LOD_SIMPLE

WIDTH = 150.0
_FONT = QFont()
_FONT.setPixelSize(11)
_PAPER = QColor("#fff6c7")
_EDGE = QPen(QColor("#e3cf77"), 1.0)
_INK = QPen(QColor("#4a4324"))
_MAX_LINES = 4


class NoteItem(QGraphicsItem):
    def __init__(self, module_id: int, text: str, on_filter: bool) -> None:
        super().__init__()
        self.module_id = module_id
        self.on_filter = on_filter
        self.text = text
        metrics = QFontMetricsF(_FONT)
        lines: list[str] = []
        for raw in text.splitlines() or [""]:
            lines.append(metrics.elidedText(raw, Qt.TextElideMode.ElideRight, WIDTH - 12))
            if len(lines) == _MAX_LINES:
                break
        self._text = "\n".join(lines)
        height = 10 + metrics.lineSpacing() * len(lines)
        self._rect = QRectF(-WIDTH / 2, -height, WIDTH, height)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(2)
        self.setToolTip(text)

    def anchor_to(self, point: QPointF) -> None:
        """Sit just above `point` (a bubble's top or a link's funnel)."""
        self.setPos(point)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        painter.setPen(_EDGE)
        painter.setBrush(_PAPER)
        painter.drawRoundedRect(self._rect, 4, 4)
        if lod < LOD_SIMPLE:
            return
        painter.setFont(_FONT)
        painter.setPen(_INK)
        painter.drawText(self._rect.adjusted(6, 5, -6, -5), Qt.AlignmentFlag.AlignLeft, self._text)
