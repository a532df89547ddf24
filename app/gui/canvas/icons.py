"""App colours and icons, shared by the canvas and the palette.

Each app has a stable colour: fixed ones for the built-in apps (as Make colours them), and
for any other app a colour picked from a pleasant palette by a hash of its name (crc32, so
it is the same in every process). Icons are generated (a short glyph in white, drawn on the
app colour by the caller) unless resources/icons/<app>.svg exists, which wins.
"""

from __future__ import annotations

import re
import zlib
from functools import cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QIcon, QPainter, QPainterPath, QPen, QPixmap

ACCENT = QColor("#6d00cc")  # Make's purple
BACKGROUND = QColor("#f5f4f8")
TEXT = QColor("#2b2b33")
LINK = QColor("#b3b0c2")
PLACEHOLDER = QColor("#c4c4c8")

_FIXED = {
    "builtin": "#9287ab",  # flow control, router: grey-purple
    "util": "#3fae6f",  # tools: green
    "json": "#5f6f86",
    "http": "#2f7fe0",  # blue
    "gateway": "#e5396b",  # webhooks: red-pink
    "datastore": "#1ea3b0",
    "regexp": "#e58a2e",
    "csv": "#4caf50",
    "xml": "#8d6e63",
    "archive": "#795548",
    "math": "#5c6bc0",
    "local-files": "#607d8b",
    "email": "#d9a514",
    "rss": "#f57c00",
    "scenario-service": "#8e5bd0",
    "placeholder": "#b8b8bf",
}

_PALETTE = [
    "#e25c5c",
    "#e5823a",
    "#d9a514",
    "#7cb342",
    "#26a69a",
    "#1e88e5",
    "#5c6bc0",
    "#8e5bd0",
    "#c2538f",
    "#00897b",
    "#6d8196",
    "#a1673f",
]

_GLYPHS = {
    "http": "HTTP",
    "json": "{ }",
    "regexp": ".*",
    "gateway": "WH",
    "datastore": "DB",
    "util": "T",
    "csv": "CSV",
    "xml": "</>",
    "archive": "ZIP",
    "math": "∑",
    "local-files": "F",
    "email": "@",
    "rss": "RSS",
    "scenario-service": "Sc",
    "placeholder": "?",
}

_MODULE_GLYPHS = {
    "builtin:BasicFeeder": "It",
    "builtin:BasicAggregator": "[ ]",
    "builtin:BasicRepeater": "Rp",
    "builtin:BasicIfElse": "If",
    "builtin:BasicMerge": "Mg",
    "builtin:Ignore": "Ig",
    "builtin:Resume": "Rs",
    "builtin:Commit": "Cm",
    "builtin:Rollback": "Rb",
    "builtin:Break": "Br",
    "builtin:BasicRouter": "",  # drawn: see _draw_router
}
# Drawn as a router fork: the router itself and the Flow control app (the palette's group).
_ROUTER_GLYPHS = frozenset({"builtin:BasicRouter", "builtin"})

ICON_DIR = Path(__file__).resolve().parents[3] / "resources" / "icons"


def app_of(module_type: str) -> str:
    return module_type.split(":", 1)[0]


@cache
def app_color(app: str) -> QColor:
    fixed = _FIXED.get(app)
    if fixed is not None:
        return QColor(fixed)
    return QColor(_PALETTE[zlib.crc32(app.encode()) % len(_PALETTE)])


def glyph_for(module_type: str) -> str:
    """The short text drawn inside a module's bubble when the app ships no icon."""
    if module_type in _ROUTER_GLYPHS:
        return ""
    if module_type in _MODULE_GLYPHS:
        return _MODULE_GLYPHS[module_type]
    app = app_of(module_type)
    if app in _GLYPHS:
        return _GLYPHS[app]
    words = [w for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])", app) if w]
    if len(words) >= 2:
        return (words[0][0] + words[1][0]).upper()
    return app[:2].capitalize() or "?"


def svg_path(app: str) -> Path | None:
    path = ICON_DIR / f"{app}.svg"
    return path if path.is_file() else None


@cache
def glyph_pixmap(module_type: str, size: int) -> QPixmap:
    """The module's icon on a transparent square: the app's svg, else a white glyph."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    svg = svg_path(app_of(module_type))
    if svg is not None:
        from PySide6.QtSvg import QSvgRenderer

        QSvgRenderer(str(svg)).render(painter, QRectF(0, 0, size, size))
    elif module_type in _ROUTER_GLYPHS:
        _draw_router(painter, size)
    else:
        _draw_glyph(painter, glyph_for(module_type), size)
    painter.end()
    return pixmap


def _draw_router(painter: QPainter, size: int) -> None:
    """Make's router: one line in, forking into three, a dot at each end."""
    pen = QPen(QColor("white"), max(1.5, size * 0.09))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    fork = QPointF(size * 0.42, size * 0.5)
    painter.drawLine(QPointF(size * 0.14, size * 0.5), fork)
    painter.setBrush(QColor("white"))
    for dy in (-0.28, 0.0, 0.28):
        end = QPointF(size * 0.78, size * (0.5 + dy))
        path = QPainterPath(fork)
        path.cubicTo(fork + QPointF(size * 0.16, 0), end - QPointF(size * 0.16, 0), end)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setBrush(QColor("white"))
        painter.drawEllipse(end, size * 0.05, size * 0.05)


def _draw_glyph(painter: QPainter, text: str, size: int) -> None:
    if not text:
        return
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(6, int(size * 0.55)))
    width = QFontMetricsF(font).horizontalAdvance(text)
    if width > size * 0.8:  # long glyphs ("HTTP") shrink to fit the bubble
        font.setPixelSize(max(6, int(font.pixelSize() * size * 0.8 / width)))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, text)


@cache
def app_pixmap(module_type: str, size: int = 32) -> QPixmap:
    """A round icon (app colour + glyph), for the palette and menus."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(app_color(app_of(module_type)))
    painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
    painter.drawPixmap(0, 0, glyph_pixmap(module_type, size))
    painter.end()
    return pixmap


def app_icon(module_type: str, size: int = 32) -> QIcon:
    """`module_type` is "app:Name" or just "app"."""
    return QIcon(app_pixmap(module_type, size))
