"""What a run leaves on the canvas: an operation-count bubble on each module (coloured by
outcome), how many bundles passed or were filtered on each link, breakpoint dots, pin marks
and the ring around the module a paused run waits at.

These are overlay items (children of the module bubbles, or free labels on links): the
canvas items themselves stay a projection of the document. `RunOverlay.refresh(ids)` is
called once per batch of events, and only repaints what changed.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.gui.canvas.link_item import FUNNEL_RADIUS, LinkItem
from app.gui.canvas.module_item import ModuleItem
from app.gui.debugger.records import ERROR, FILTERED, OK, WARNING, RunRecord
from engine.edits.graph import Link

COLOURS = {
    OK: QColor("#1f9d63"),
    FILTERED: QColor("#9c98a8"),
    WARNING: QColor("#f0a020"),
    ERROR: QColor("#e5484d"),
}
_WHITE = QColor("white")
_FONT = QFont()
_FONT.setPixelSize(12)
_FONT.setBold(True)
_LINK_FONT = QFont()
_LINK_FONT.setPixelSize(11)
_BREAK = QColor("#d92d3a")
_PIN = QColor("#6d00cc")
_PAUSED = QPen(QColor("#f0a020"), 4.0, Qt.PenStyle.DashLine)
_HUBS = ("builtin:BasicRouter",)


def _alive(item: QGraphicsItem | None, parent: ModuleItem | None = None) -> bool:
    """The overlay item still exists (its module may have been deleted with it)."""
    if item is None or not shiboken6.isValid(item):
        return False
    return parent is None or item.parentItem() is parent


def _font_width(font: QFont, text: str) -> float:
    return QFontMetricsF(font).horizontalAdvance(text)


class _Overlay(QGraphicsItem):
    """A small item drawn over a module bubble; cached, so a frame only blits it."""

    def __init__(self, parent: ModuleItem, rect: QRectF) -> None:
        super().__init__(parent)
        self._rect = rect
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect


class CountBubble(_Overlay):
    """Make's operation bubble: the count on a disc coloured by outcome; click to inspect."""

    def __init__(self, parent: ModuleItem, clicked: Callable[[int], None]) -> None:
        r = parent.radius
        self.centre = QPointF(r * 0.78, r * 0.78) if r > 30 else QPointF(r * 0.9, r * 0.9)
        super().__init__(parent, QRectF())
        self.text = ""
        self.outcome = OK
        self._clicked = clicked
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(6)

    def set_count(self, text: str, outcome: str, tip: str) -> None:
        if (text, outcome) == (self.text, self.outcome):
            return
        self.prepareGeometryChange()
        self.text, self.outcome = text, outcome
        width = max(26.0, _font_width(_FONT, text) + 14)
        c = self.centre
        self._rect = QRectF(c.x() - width / 2 - 2, c.y() - 15, width + 4, 30)
        self.setToolTip(tip)
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self._rect.adjusted(2, 2, -2, -2)
        painter.setPen(QPen(_WHITE, 2.0))
        painter.setBrush(QBrush(COLOURS.get(self.outcome, COLOURS[OK])))
        painter.drawRoundedRect(rect, 13, 13)
        painter.setFont(_FONT)
        painter.setPen(_WHITE)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        event.accept()
        parent = self.parentItem()
        if isinstance(parent, ModuleItem):
            self._clicked(parent.module_id)


class BreakpointDot(_Overlay):
    def __init__(self, parent: ModuleItem) -> None:
        r = parent.radius
        self.centre = QPointF(-r * 0.78, r * 0.78)
        super().__init__(parent, QRectF(self.centre.x() - 10, self.centre.y() - 10, 20, 20))
        self.conditional = False

    def set_conditional(self, conditional: bool, tip: str) -> None:
        self.setToolTip(tip)
        if conditional != self.conditional:
            self.conditional = conditional
            self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(_WHITE, 2.0))
        painter.setBrush(_BREAK)
        painter.drawEllipse(self.centre, 8, 8)
        if self.conditional:  # a white core: stops only when its condition holds
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_WHITE)
            painter.drawEllipse(self.centre, 3, 3)


class PinMarker(_Overlay):
    def __init__(self, parent: ModuleItem) -> None:
        r = parent.radius
        self.centre = QPointF(-r * 0.2, -r - 6)
        super().__init__(parent, QRectF(self.centre.x() - 11, self.centre.y() - 11, 22, 22))
        self.setToolTip("Output pinned: this module does not run, its pinned bundles are used")

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = self.centre
        painter.setPen(QPen(_WHITE, 2.0))
        painter.setBrush(_PIN)
        painter.drawEllipse(c, 9, 9)
        painter.setPen(QPen(_WHITE, 1.8))
        painter.setBrush(_WHITE)  # a push pin: head, then needle
        painter.drawEllipse(c + QPointF(0, -2.5), 2.5, 2.5)
        painter.drawLine(c + QPointF(0, 0), c + QPointF(0, 5))


class PausedRing(_Overlay):
    def __init__(self, parent: ModuleItem) -> None:
        r = parent.radius + 9
        super().__init__(parent, QRectF(-r - 3, -r - 3, 2 * r + 6, 2 * r + 6))
        self.r = r
        self.setZValue(-1)
        self.setToolTip("The run is paused before this module")

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(_PAUSED)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(0, 0), self.r, self.r)


class LinkCount(QGraphicsItem):
    """"3" or "2 passed · 1 filtered" above a link's funnel."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.filtered = False
        self._rect = QRectF()
        self.setZValue(4)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect

    def show_at(self, anchor: QPointF, text: str, filtered: bool, tip: str) -> None:
        if (text, filtered) != (self.text, self.filtered):
            self.prepareGeometryChange()
            self.text, self.filtered = text, filtered
            width = _font_width(_LINK_FONT, text) + 12
            self._rect = QRectF(-width / 2, -9, width, 18)
            self.setToolTip(tip)
            self.update()
        self.setPos(anchor)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(COLOURS[FILTERED] if self.filtered else COLOURS[OK], 1.2))
        painter.setBrush(_WHITE)
        painter.drawRoundedRect(self._rect.adjusted(0.5, 0.5, -0.5, -0.5), 9, 9)
        painter.setFont(_LINK_FONT)
        painter.setPen(QColor("#1f1d2b"))
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class RunOverlay(QObject):
    """Keeps the overlay items of one canvas in step with a RunRecord."""

    module_clicked = Signal(int)

    def __init__(self, scene: object, record: Callable[[], RunRecord],
                 aggregators: Callable[[], set[int]] | None = None) -> None:
        super().__init__()
        self.scene = scene
        self._record = record
        self._aggregators = aggregators or (lambda: set())
        self.bubbles: dict[int, CountBubble] = {}
        self.links: dict[Link, LinkCount] = {}
        self.dots: dict[int, BreakpointDot] = {}
        self.pins: dict[int, PinMarker] = {}
        self.ring: PausedRing | None = None

    def _module_items(self) -> dict[int, ModuleItem]:
        return getattr(self.scene, "modules", {})

    def _link_items(self) -> dict[Link, LinkItem]:
        return getattr(self.scene, "links", {})

    # ------------------------------------------------------------- bubbles

    def refresh(self, module_ids: set[int] | None = None) -> None:
        """Update the bubbles of `module_ids` (all when None) and every link label."""
        record = self._record()
        items = self._module_items()
        handled_by = self._handler_targets(record)
        for module_id in (items.keys() if module_ids is None else module_ids | set(handled_by)):
            item = items.get(module_id)
            if item is None:
                continue
            self._show_bubble(item, record, handled_by.get(module_id, 0))
        for gone in [i for i, b in self.bubbles.items() if not _alive(b, items.get(i))]:
            self.bubbles.pop(gone)
        self.refresh_links()

    def _handler_targets(self, record: RunRecord) -> dict[int, int]:
        """Error-handler modules that report no operations of their own (Ignore, Resume,
        ...) show how many errors their route took."""
        found: dict[int, int] = {}
        for link in self._link_items():
            if link.kind == "onerror" and link.target not in record.modules:
                source = record.modules.get(link.source)
                if source is not None and source.handled_errors:
                    found[link.target] = found.get(link.target, 0) + source.handled_errors
        return found

    def _show_bubble(self, item: ModuleItem, record: RunRecord, handled: int) -> None:
        module_id = item.module_id
        module = record.modules.get(module_id)
        bubble = self.bubbles.get(module_id)
        if module is None and not handled:
            if _alive(bubble, item):
                bubble.setVisible(False)  # type: ignore[union-attr]
            return
        if not _alive(bubble, item):
            bubble = self.bubbles[module_id] = CountBubble(item, self.module_clicked.emit)
        bubble.setVisible(True)
        if module is None:
            bubble.set_count(str(handled), WARNING,
                             f"This error handler took {_plural(handled, 'error')}")
            return
        tip = [_plural(module.operations, "operation")]
        if module.filtered:
            tip.append(f"{_plural(module.filtered, 'bundle')} filtered out")
        if module.errors:
            tip.append(_plural(module.errors, "error")
                       + (" (handled)" if module.handled_errors == module.errors else ""))
        tip.append("Click to inspect the bundles")
        bubble.set_count(f"{module.operations:,}", module.outcome, "\n".join(tip))

    def clear(self) -> None:
        for bubble in self.bubbles.values():
            if _alive(bubble):
                bubble.setVisible(False)
        for label in self.links.values():
            label.setVisible(False)

    # --------------------------------------------------------------- links

    def refresh_links(self) -> None:
        record = self._record()
        link_items = self._link_items()
        for link in [k for k in self.links if k not in link_items]:
            label = self.links.pop(link)
            if label.scene() is not None:
                label.scene().removeItem(label)
        if not record.modules:
            for label in self.links.values():
                label.setVisible(False)
            return
        aggregators = self._aggregators()
        for link, item in link_items.items():
            counted = self._link_count(link, record, aggregators)
            label = self.links.get(link)
            if counted is None:
                if label is not None:
                    label.setVisible(False)
                continue
            if label is None:
                label = self.links[link] = LinkCount()
                self.scene.addItem(label)  # type: ignore[attr-defined]
            text, filtered, tip = counted
            anchor = item.funnel_scene_pos() - QPointF(0, FUNNEL_RADIUS + 13)
            label.show_at(anchor, text, filtered, tip)
            label.setVisible(True)

    def _link_count(self, link: Link, record: RunRecord, aggregators: set[int]
                    ) -> tuple[str, bool, str] | None:
        if link.kind == "merge":
            return None
        source = record.modules.get(link.source)
        if link.kind == "onerror":
            errors = source.handled_errors if source is not None else 0
            if not errors:
                return None
            return _plural(errors, "error"), False, "Bundles this error-handler route took"
        target = record.modules.get(link.target)
        filtered = target.filtered if target is not None else 0
        if self._is_hub(link.target) or link.target in aggregators:
            passed = max(0, self._sent(link.source, record, aggregators, 0) - filtered)
        else:
            passed = len(target.entries) - filtered if target is not None else 0
        if not passed and not filtered:
            return None
        if filtered:
            return (f"{passed:,} passed · {filtered:,} filtered", True,
                    f"{_plural(passed, 'bundle')} passed the filter, {filtered:,} did not")
        return f"{passed:,}", False, f"{_plural(passed, 'bundle')} passed this link"

    def _is_hub(self, module_id: int) -> bool:
        item = self._module_items().get(module_id)
        return item is not None and item.look.module_type in _HUBS

    def _sent(self, module_id: int, record: RunRecord, aggregators: set[int], depth: int) -> int:
        """Bundles a module sent on (a router passes on what reached it)."""
        if self._is_hub(module_id) and depth < 50:
            total = 0
            for link in self._link_items():
                if link.target == module_id and link.kind in ("flow", "route", "branch"):
                    total += self._sent(link.source, record, aggregators, depth + 1)
            hub = record.modules.get(module_id)
            return max(0, total - (hub.filtered if hub is not None else 0))
        module = record.modules.get(module_id)
        return module.outputs if module is not None else 0

    # ------------------------------------------------- breakpoints and pins

    def show_breakpoints(self, points: dict[int, str | None]) -> None:
        items = self._module_items()
        for module_id in [i for i in self.dots if i not in points]:
            self._drop(self.dots.pop(module_id))
        for module_id, condition in points.items():
            item = items.get(module_id)
            if item is None:
                continue
            dot = self.dots.get(module_id)
            if not _alive(dot, item):
                dot = self.dots[module_id] = BreakpointDot(item)
            dot.set_conditional(bool(condition), f"Breakpoint: stops when {condition}"
                                if condition else "Breakpoint: stops before this module runs")

    def show_pins(self, pinned: set[int]) -> None:
        items = self._module_items()
        for module_id in [i for i in self.pins if i not in pinned]:
            self._drop(self.pins.pop(module_id))
        for module_id in pinned:
            item = items.get(module_id)
            if item is not None and not _alive(self.pins.get(module_id), item):
                self.pins[module_id] = PinMarker(item)

    def show_paused(self, module_id: int | None) -> None:
        if self.ring is not None:
            self._drop(self.ring)
            self.ring = None
        item = self._module_items().get(module_id) if module_id is not None else None
        if item is not None:
            self.ring = PausedRing(item)

    @staticmethod
    def _drop(item: QGraphicsItem) -> None:
        if not _alive(item):
            return
        scene = item.scene()
        if scene is not None:
            scene.removeItem(item)
