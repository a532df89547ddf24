"""The canvas scene: a projection of a ScenarioDocument (one ModuleItem per module id, one
LinkItem per graph link, NoteItems for metadata.designer.notes).

It follows `document.changed` incrementally: "structure" diffs ids and links, "positions"
moves items, "settings"/"notes" refresh what was touched. Items never write the model;
gestures (interactions.py) end in one document method, and an EditError becomes `error`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneDragDropEvent,
    QGraphicsSceneMouseEvent,
    QInputDialog,
    QMenu,
    QWidget,
)

from app.gui.canvas import icons
from app.gui.canvas.interactions import ConnectModules, DropModule, Interaction, MoveModules
from app.gui.canvas.link_item import FUNNEL_RADIUS, LinkItem
from app.gui.canvas.mime import module_type_from
from app.gui.canvas.module_item import ModuleItem, ModuleLook
from app.gui.canvas.note_item import NoteItem
from app.gui.document import ScenarioDocument
from app.gui.names import module_label
from engine.edits.commands import DIRECTIVES
from engine.edits.graph import Graph, Link, ModuleView, filter_name
from engine.errors import ScenaristError

SCENE_MARGIN = 3000.0  # room to pan around the modules
_DIRECTIVE_TYPES = {f"builtin:{d}" for d in DIRECTIVES}

# (title, label, current text, multiline) -> new text, or None when cancelled
TextPrompt = Callable[[str, str, str, bool], "str | None"]


def ask_text(title: str, label: str, text: str, multiline: bool) -> str | None:
    if multiline:
        value, ok = QInputDialog.getMultiLineText(None, title, label, text)
    else:
        value, ok = QInputDialog.getText(None, title, label, text=text)
    return value if ok else None


class ScenarioScene(QGraphicsScene):
    module_activated = Signal(int)
    selection_changed = Signal(list)
    filter_requested = Signal(int)  # the module whose filter sits on the clicked link
    condition_requested = Signal(int, int)  # If-else id, branch index (a branch link's funnel)
    add_after_requested = Signal(int, QPointF)
    link_context_requested = Signal(object, QPoint)  # Link, screen position
    error = Signal(str)
    synced = Signal()  # the items follow a change of the document

    def __init__(self, document: ScenarioDocument, parent: Any = None) -> None:
        super().__init__(parent)
        self.document = document
        self.modules: dict[int, ModuleItem] = {}
        self.links: dict[Link, LinkItem] = {}
        self.notes: list[NoteItem] = []
        self.interaction: Interaction | None = None
        self.prompt_text: TextPrompt = ask_text  # the window or a test may replace it
        self._drop: DropModule | None = None
        self._links_of: dict[int, list[LinkItem]] = {}
        self._rect = QRectF()
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setBackgroundBrush(icons.BACKGROUND)
        document.changed.connect(self._on_document_changed)
        self.selectionChanged.connect(self._on_selection_changed)
        self._sync_structure()

    # ------------------------------------------------------------------ queries

    def module_item(self, module_id: int) -> ModuleItem:
        return self.modules[module_id]

    def link_items(self) -> list[LinkItem]:
        return list(self.links.values())

    def link_item(self, source: int, target: int) -> LinkItem | None:
        for item in self.links.values():
            if item.link.source == source and item.link.target == target:
                return item
        return None

    def selected_module_items(self) -> list[ModuleItem]:
        return [item for item in self.selectedItems() if isinstance(item, ModuleItem)]

    def selected_ids(self) -> list[int]:
        return sorted(item.module_id for item in self.selected_module_items())

    def module_at(self, pos: QPointF) -> ModuleItem | None:
        for item in self.items(pos):
            if isinstance(item, ModuleItem):
                return item
        return None

    def link_near(self, pos: QPointF, tolerance: float) -> LinkItem | None:
        """The link a drop at `pos` would go on (merge links take no module)."""
        area = QRectF(pos.x() - tolerance, pos.y() - tolerance, 2 * tolerance, 2 * tolerance)
        for item in self.items(area):
            if isinstance(item, LinkItem) and item.has_funnel and item.near(pos, tolerance):
                return item
        return None

    def modules_rect(self) -> QRectF:
        """The area the modules and notes cover (what "fit" shows)."""
        rect = QRectF()
        for item in self.modules.values():
            rect = rect.united(item.footprint())
        for note in self.notes:
            rect = rect.united(note.sceneBoundingRect())
        return rect

    # ------------------------------------------------------------------ edits

    def run_edit(self, method: Callable[..., Any], *args: Any) -> Any:
        """Call a document method; an invalid action is reported, never raised."""
        try:
            return method(*args)
        except ScenaristError as exc:
            self.error.emit(str(exc))
            return None

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.run_edit(self.document.delete_modules, ids)

    # ------------------------------------------------------------------ syncing

    def _on_document_changed(self, kinds: set[str], module_ids: set[int]) -> None:
        if "structure" in kinds:
            self._sync_structure()
        else:
            if "positions" in kinds:
                self._sync_positions(self.document.graph(), module_ids)
            if "settings" in kinds:
                self._sync_settings(module_ids)
            if "notes" in kinds:
                self._sync_notes()
        self.synced.emit()

    def _sync_structure(self) -> None:
        graph = self.document.graph()
        for module_id in [i for i in self.modules if i not in graph.modules]:
            self.removeItem(self.modules.pop(module_id))
        sources = {link.source for link in graph.links}
        for module_id, view in graph.modules.items():
            look = self._look(view, module_id in sources)
            item = self.modules.get(module_id)
            if item is None:
                item = self.modules[module_id] = ModuleItem(module_id, look)
                item.setPos(view.x, view.y)
                self.addItem(item)
            else:
                item.refresh(look)
        self._sync_links(graph)
        self._sync_positions(graph, set())
        self._sync_notes()
        self._grow_rect(graph)

    def _sync_links(self, graph: Graph) -> None:
        wanted = {}
        for link in graph.links:
            source, target = self.modules.get(link.source), self.modules.get(link.target)
            if source is not None and target is not None:
                wanted[link] = (source, target)
        for link, item in list(self.links.items()):
            if wanted.get(link) != (item.source, item.target):
                self.removeItem(item)
                del self.links[link]
        for link, (source, target) in wanted.items():
            if link not in self.links:
                item = self.links[link] = LinkItem(link, source, target)
                if link.kind == "onerror":
                    item.badge = self._directive_badge(link.source)
                self.addItem(item)
        self._links_of = {}
        for item in self.links.values():
            self._links_of.setdefault(item.link.source, []).append(item)
            self._links_of.setdefault(item.link.target, []).append(item)

    def _sync_positions(self, graph: Graph, module_ids: set[int]) -> None:
        for module_id in module_ids or graph.modules.keys():
            item, view = self.modules.get(module_id), graph.modules.get(module_id)
            if item is not None and view is not None and (item.x(), item.y()) != (view.x, view.y):
                item.setPos(view.x, view.y)  # module_moved re-shapes its links and notes

    def _sync_settings(self, module_ids: set[int]) -> None:
        for module_id in module_ids:
            item = self.modules.get(module_id)
            if item is None:
                continue
            node = self.document.node(module_id)
            name = ((node.metadata or {}).get("designer") or {}).get("name")
            label = name or module_label(item.look.module_type, self.document.registry)
            item.refresh(replace(item.look, label=label))
            for link in self._links_of.get(module_id, []):
                if link.link.target == module_id and link.link.kind in ("flow", "route"):
                    link.set_filled(node.filter is not None, filter_name(node))

    def _sync_notes(self) -> None:
        for note in self.notes:
            self.removeItem(note)
        self.notes = []
        designer = self.document.blueprint.metadata.designer
        seen: set[tuple[int, bool]] = set()
        for raw in reversed((designer.notes if designer else None) or []):
            module_id, text = raw.get("id"), raw.get("text")
            key = (module_id, bool(raw.get("filter")))
            if not text or module_id not in self.modules or key in seen:
                continue
            seen.add(key)  # Make may keep several; the last one is the current text
            note = NoteItem(module_id, str(text), key[1])
            self.notes.append(note)
            self.addItem(note)
            self._place_note(note)

    def _place_note(self, note: NoteItem) -> None:
        module = self.modules[note.module_id]
        if note.on_filter:
            for link in self._links_of.get(note.module_id, []):
                if link.link.target == note.module_id:
                    note.anchor_to(link.funnel_scene_pos() - QPointF(0, FUNNEL_RADIUS + 4))
                    return
        note.anchor_to(module.pos() - QPointF(0, module.radius + 12))

    def _grow_rect(self, graph: Graph) -> None:
        if graph.modules:
            xs = [m.x for m in graph.modules.values()]
            ys = [m.y for m in graph.modules.values()]
            rect = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        else:
            rect = QRectF(-400, -300, 800, 600)
        m = SCENE_MARGIN
        self._rect = rect.adjusted(-m, -m, m, m).united(self._rect)
        self.setSceneRect(self._rect)

    def module_moved(self, item: ModuleItem) -> None:
        """Called by a bubble as it moves (dragging or syncing): its links follow."""
        links = self._links_of.get(item.module_id, ())
        for link in links:
            link.adjust()
        if self.notes:
            touched = {item.module_id} | {link.link.target for link in links}
            for note in self.notes:
                if note.module_id in touched:
                    self._place_note(note)

    def _look(self, view: ModuleView, has_successor: bool) -> ModuleLook:
        spec = self.document.registry.get(view.module)
        kind = spec.kind if spec is not None else None
        trigger = kind if kind in ("trigger", "instant_trigger") else "trigger"
        return ModuleLook(
            module_type=view.module,
            label=view.name or module_label(view.module, self.document.registry),
            first=view.first,
            trigger_kind=trigger if view.first else None,
            supported=spec is not None,
            has_successor=has_successor,
        )

    def _directive_badge(self, module_id: int) -> str | None:
        for node in reversed(self.document.node(module_id).onerror or []):
            if node.module in _DIRECTIVE_TYPES:
                return icons.glyph_for(node.module)
        return None

    def _on_selection_changed(self) -> None:
        ids = self.selected_ids()
        self.selection_changed.emit(ids)
        if len(ids) == 1:
            self.module_activated.emit(ids[0])

    # ------------------------------------------------------------------ mouse

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        self._end_interaction(cancel=True)
        pos = event.scenePos()
        if event.button() == Qt.MouseButton.RightButton:
            # As in Make: the module right-clicked is (or stays) selected under its menu.
            clicked = self.module_at(pos)
            if clicked is not None:
                if not clicked.isSelected():
                    self.clearSelection()
                    clicked.setSelected(True)
                event.accept()
                return
        item = self.module_at(pos) if event.button() == Qt.MouseButton.LeftButton else None
        if item is not None and item.handle_contains(item.mapFromScene(pos)):
            self.interaction = ConnectModules(self, item, pos)
            event.accept()
            return
        super().mousePressEvent(event)
        if item is not None and event.isAccepted() and item.isSelected():
            self.interaction = MoveModules(self)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.interaction is not None:
            self.interaction.mouse_move(event)
            if isinstance(self.interaction, ConnectModules):
                return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        interaction, self.interaction = self.interaction, None
        if not isinstance(interaction, ConnectModules):
            super().mouseReleaseEvent(event)
        if interaction is not None:
            interaction.mouse_release(event)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        item = self.module_at(event.scenePos())
        super().mouseDoubleClickEvent(event)
        if item is not None:
            self.module_activated.emit(item.module_id)

    def _end_interaction(self, cancel: bool) -> None:
        if self.interaction is not None and cancel:
            self.interaction.cancel()
        self.interaction = None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected_ids():
            self.delete_selected()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.interaction is not None:
            self._end_interaction(cancel=True)
            event.accept()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ drops

    def dragEnterEvent(self, event: QGraphicsSceneDragDropEvent) -> None:  # noqa: N802
        module_type = module_type_from(event.mimeData())
        if module_type is None:
            event.ignore()
            return
        self._drop = DropModule(self, module_type)
        self._drop.hover(event.scenePos())
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dragMoveEvent(self, event: QGraphicsSceneDragDropEvent) -> None:  # noqa: N802
        if self._drop is None:
            event.ignore()
            return
        self._drop.hover(event.scenePos())
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dragLeaveEvent(self, event: QGraphicsSceneDragDropEvent) -> None:  # noqa: N802
        if self._drop is not None:
            self._drop.leave()
            self._drop = None
        event.accept()

    def dropEvent(self, event: QGraphicsSceneDragDropEvent) -> None:  # noqa: N802
        module_type = module_type_from(event.mimeData())
        if module_type is None:
            event.ignore()
            return
        drop, self._drop = self._drop, None
        (drop or DropModule(self, module_type)).drop(event.scenePos())
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    # ------------------------------------------------------------------ menus

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:  # noqa: N802
        pos = event.scenePos()
        module = self.module_at(pos)
        menu: QMenu | None = None
        if module is not None:
            menu = self.module_menu(module.module_id)
        else:
            link = self.link_near(pos, 8)
            if link is not None:
                self.link_context_requested.emit(link.link, event.screenPos())
                menu = self.link_menu(link.link)
        if menu is None:
            super().contextMenuEvent(event)
            return
        event.accept()
        menu.exec(event.screenPos())
        menu.deleteLater()

    def link_menu(self, link: Link, parent: QWidget | None = None) -> QMenu:
        menu = QMenu(parent)
        if link.kind == "branch":
            menu.addAction("Set up the condition",
                           lambda: self.condition_requested.emit(link.source, link.index))
            menu.addAction(
                "Make this the Else branch",
                lambda: self.run_edit(self.document.set_else_branch, link.source, link.index),
            )
        elif link.kind not in ("merge", "onerror"):  # Make filters neither
            menu.addAction("Set up a filter", lambda: self.filter_requested.emit(link.target))
        if link.kind == "route":
            if link.fallback:
                menu.addAction(
                    "Unset fallback route",
                    lambda: self.run_edit(self.document.set_fallback, link.source, None),
                )
            else:
                menu.addAction(
                    "Set as fallback route",
                    lambda: self.run_edit(self.document.set_fallback, link.source, link.index),
                )
        menu.addSeparator()
        menu.addAction("Remove link", lambda: self.run_edit(self.document.disconnect, link))
        return menu

    def module_menu(self, module_id: int, parent: QWidget | None = None) -> QMenu:
        menu = QMenu(parent)
        handlers = menu.addMenu("Add error handler")
        for directive in DIRECTIVES:
            handlers.addAction(
                icons.app_icon(f"builtin:{directive}", 16),
                directive,
                lambda d=directive: self.run_edit(self.document.add_error_handler, module_id, d),
            )
        menu.addAction("Rename", lambda: self._rename(module_id))
        menu.addAction("Add a note", lambda: self._edit_note(module_id))
        menu.addSeparator()

        def delete() -> None:
            ids = self.selected_ids()
            self.run_edit(self.document.delete_modules, ids if module_id in ids else [module_id])

        menu.addAction("Delete", delete)
        return menu

    def _rename(self, module_id: int) -> None:
        item = self.modules[module_id]
        name = self.prompt_text("Rename module", "Name:", item.look.label, False)
        if name is not None:
            self.run_edit(self.document.rename_module, module_id, name.strip() or None)

    def _edit_note(self, module_id: int) -> None:
        current = next(
            (n.text for n in self.notes if n.module_id == module_id and not n.on_filter), ""
        )
        text = self.prompt_text("Note", "Note on this module:", current, True)
        if text is not None:
            self.run_edit(self.document.set_note, module_id, text.strip() or None)
