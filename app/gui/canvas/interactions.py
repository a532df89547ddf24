"""Gestures as small state objects (orange-canvas-core style): each collects what the mouse
does and ends in ONE document method, so a gesture is one undo step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsSceneMouseEvent

from app.gui.canvas import icons
from app.gui.canvas.link_item import LinkItem, curve
from app.gui.canvas.module_item import ModuleItem

if TYPE_CHECKING:
    from app.gui.canvas.scene import ScenarioScene

DROP_TOLERANCE = 18.0  # how near a link a drop counts as "on" it (scene units)
_CLICK_DISTANCE = 4.0


class Interaction:
    def __init__(self, scene: ScenarioScene) -> None:
        self.scene = scene

    def mouse_move(self, event: QGraphicsSceneMouseEvent) -> None:
        pass

    def mouse_release(self, event: QGraphicsSceneMouseEvent) -> None:
        pass

    def cancel(self) -> None:
        pass


class MoveModules(Interaction):
    """Qt moves the selected bubbles while dragging; on release the document gets one
    `move_modules` with every bubble that actually moved."""

    def __init__(self, scene: ScenarioScene) -> None:
        super().__init__(scene)
        self.start = {item.module_id: item.pos() for item in scene.selected_module_items()}

    def mouse_release(self, event: QGraphicsSceneMouseEvent) -> None:
        moved: dict[int, tuple[float, float]] = {}
        for module_id, before in self.start.items():
            item = self.scene.modules.get(module_id)
            if item is not None and item.pos() != before:
                moved[module_id] = (item.pos().x(), item.pos().y())
        if moved:
            self.scene.run_edit(self.scene.document.move_modules, moved)

    def cancel(self) -> None:
        for module_id, before in self.start.items():
            item = self.scene.modules.get(module_id)
            if item is not None:
                item.setPos(before)


class ConnectModules(Interaction):
    """Drag from a bubble's right handle: a rubber curve follows the mouse; releasing over
    another bubble links them. A click on the handle of a module with nothing after it asks
    for a module to add there (Make's "+")."""

    def __init__(self, scene: ScenarioScene, source: ModuleItem, press: QPointF) -> None:
        super().__init__(scene)
        self.source = source
        self.press = press
        self.target: ModuleItem | None = None
        self.rubber = QGraphicsPathItem()
        pen = QPen(icons.ACCENT, 3.0)
        pen.setCosmetic(False)
        self.rubber.setPen(pen)
        self.rubber.setZValue(3)
        self.rubber.setPath(curve(source.output_scene_pos(), press))
        scene.addItem(self.rubber)

    def mouse_move(self, event: QGraphicsSceneMouseEvent) -> None:
        pos = event.scenePos()
        target = self.scene.module_at(pos)
        if target is self.source:
            target = None
        if target is not self.target:
            if self.target is not None:
                self.target.setOpacity(1.0)
            self.target = target
            if target is not None:
                target.setOpacity(0.7)  # shows where the link would go
        end = target.input_scene_pos() if target is not None else pos
        self.rubber.setPath(curve(self.source.output_scene_pos(), end))

    def mouse_release(self, event: QGraphicsSceneMouseEvent) -> None:
        self.mouse_move(event)
        target, source = self.target, self.source
        self.cancel()
        if target is not None:
            self.scene.run_edit(self.scene.document.connect, source.module_id, target.module_id)
            return
        travelled = event.scenePos() - self.press
        if travelled.manhattanLength() <= _CLICK_DISTANCE and (
            not source.look.has_successor or source.look.module_type == "builtin:BasicRouter"
        ):
            self.scene.add_after_requested.emit(source.module_id, source.handle_scene_pos())

    def cancel(self) -> None:
        if self.target is not None:
            self.target.setOpacity(1.0)
        if self.rubber.scene() is not None:
            self.scene.removeItem(self.rubber)


class DropModule:
    """A module type dragged from the palette: highlights the link it would be inserted
    on; dropping adds it there, or where it was dropped."""

    def __init__(self, scene: ScenarioScene, module_type: str) -> None:
        self.scene = scene
        self.module_type = module_type
        self.link: LinkItem | None = None

    def hover(self, pos: QPointF) -> None:
        link = self.scene.link_near(pos, DROP_TOLERANCE)
        if link is not self.link:
            if self.link is not None:
                self.link.set_highlighted(False)
            self.link = link
            if link is not None:
                link.set_highlighted(True)

    def drop(self, pos: QPointF) -> None:
        self.hover(pos)
        link = self.link
        self.leave()
        document = self.scene.document
        if link is not None:
            self.scene.run_edit(document.insert_on_link, link.link, self.module_type)
        else:
            self.scene.run_edit(document.add_module, self.module_type, pos.x(), pos.y())

    def leave(self) -> None:
        if self.link is not None:
            self.link.set_highlighted(False)
            self.link = None
