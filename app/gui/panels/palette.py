"""The palette: apps and their modules from the registry, searchable, draggable.

Dragging a module carries its type ("app:Name", UTF-8) under MODULE_MIME, which the canvas
accepts; double-clicking emits `module_chosen(type)`. Error-handler directives are not here:
they are added from a module's context menu, as in Make.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui import names
from app.gui.canvas.icons import app_icon as canvas_icon
from app.gui.canvas.mime import MODULE_MIME, module_mime_data
from engine.registry import Registry
from engine.spec import ModuleSpec

FLOW_CONTROL = names.APP_NAMES["builtin"]  # the group of routers, iterators, ...
FLOW_CONTROL_MODULES = (
    "builtin:BasicRouter",
    "builtin:BasicIfElse",
    "builtin:BasicMerge",
    "builtin:BasicFeeder",
    "builtin:BasicAggregator",
    "builtin:BasicRepeater",
)
# Modules a user never picks: error directives (context menu) and import placeholders.
_HIDDEN_KINDS = frozenset({"directive"})
_HIDDEN_MODULES = frozenset({"placeholder:Placeholder"})

KIND_NAMES = {
    "trigger": "trigger",
    "instant_trigger": "instant trigger",
    "action": "action",
    "search": "search",
    "transformer": "transformer",
    "iterator": "iterator",
    "aggregator": "aggregator",
    "router": "router",
    "responder": "responder",
    "flow": "flow control",
}
TYPE_ROLE = Qt.ItemDataRole.UserRole


app_name = names.app_name  # the window names apps in one place


def app_icon(module_type: str, size: int = 24) -> QIcon:
    """The round app icon the canvas draws too ("app:Name" or just "app")."""
    return canvas_icon(module_type, size)


@dataclass(frozen=True)
class PaletteEntry:
    type: str
    label: str
    app: str
    group: str
    kind: str

    def matches(self, query: str) -> bool:
        """Search by label, module id, or app (its display name or its id)."""
        words = query.lower().split()
        haystack = f"{self.label} {self.type} {self.app} {app_name(self.app)}".lower()
        return all(word in haystack for word in words)

    def rank(self, query: str) -> int:
        """How well the entry answers `query` (lower first): its exact name, then names
        starting with it, then names holding every word, then the rest that matches."""
        label, wanted = self.label.lower(), " ".join(query.lower().split())
        if label == wanted:
            return 0
        if label.startswith(wanted):
            return 1
        if all(word in label for word in wanted.split()):
            return 2
        return 3


def palette_entries(registry: Registry) -> list[PaletteEntry]:
    """Every module a user can add, flow control first, then apps alphabetically."""
    entries = [_entry(spec) for spec in registry.all() if _listed(spec)]
    order = {t: i for i, t in enumerate(FLOW_CONTROL_MODULES)}
    return sorted(
        entries,
        key=lambda e: (e.group != FLOW_CONTROL, e.group.lower(), order.get(e.type, 99), e.label),
    )


def _listed(spec: ModuleSpec) -> bool:
    if spec.id in FLOW_CONTROL_MODULES:
        return True
    return spec.kind not in _HIDDEN_KINDS and spec.id not in _HIDDEN_MODULES and (
        spec.app != "builtin"
    )


def _entry(spec: ModuleSpec) -> PaletteEntry:
    group = FLOW_CONTROL if spec.id in FLOW_CONTROL_MODULES else app_name(spec.app)
    return PaletteEntry(spec.id, spec.label, spec.app, group, KIND_NAMES.get(spec.kind, spec.kind))


class ModuleTree(QTreeWidget):
    """Groups of modules; a module item drags out as MODULE_MIME."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setIconSize(QSize(22, 22))
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setRootIsDecorated(True)
        # As wide as the dock, never wider: long labels are elided (the tooltip has them
        # whole, with the module id and kind), so there is no sideways scrolling.
        self.header().setStretchLastSection(True)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt override)
        return [MODULE_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:  # noqa: N802
        types = [t for item in items if (t := item.data(0, TYPE_ROLE))]
        return module_mime_data(types[0]) if types else QMimeData()

    def populate(self, entries: list[PaletteEntry]) -> None:
        self.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for entry in entries:
            group = groups.get(entry.group)
            if group is None:
                group = QTreeWidgetItem(self, [entry.group])
                group.setIcon(0, app_icon(entry.app))
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                groups[entry.group] = group
            item = QTreeWidgetItem(group, [entry.label])
            item.setIcon(0, app_icon(entry.type, 18))
            item.setData(0, TYPE_ROLE, entry.type)
            item.setToolTip(0, f"{entry.label}\n{entry.type} · {entry.kind}")
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
        self.expandAll()

    def module_items(self) -> list[QTreeWidgetItem]:
        return [
            self.topLevelItem(g).child(c)
            for g in range(self.topLevelItemCount())
            for c in range(self.topLevelItem(g).childCount())
        ]

    def apply_search(self, entries: list[PaletteEntry], query: str) -> None:
        """Show the modules that match, the best match first (its app's group first, and
        selected, so Enter adds it); without a query, every module in the usual order."""
        if not query:
            self.populate(entries)
            return
        found = [(e.rank(query), k, e) for k, e in enumerate(entries) if e.matches(query)]
        found.sort(key=lambda t: (t[0], t[1]))
        group_rank: dict[str, int] = {}
        for rank, k, entry in found:
            group_rank.setdefault(entry.group, rank * 10_000 + k)
        found.sort(key=lambda t: (group_rank[t[2].group], t[0], t[1]))
        self.populate([e for _, _, e in found])
        best = self.module_items()[0] if found else None
        if best is not None:
            self.setCurrentItem(best)


class Palette(QWidget):
    module_chosen = Signal(str)

    def __init__(self, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search apps and modules")
        self.search.setClearButtonEnabled(True)
        self.tree = ModuleTree(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.set_registry(registry)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._choose_best)
        self.tree.itemDoubleClicked.connect(self._chosen)

    def set_registry(self, registry: Registry) -> None:
        self._entries = palette_entries(registry)
        self.tree.populate(self._entries)
        self._filter(self.search.text())

    def visible_types(self) -> list[str]:
        return [
            item.data(0, TYPE_ROLE)
            for item in self.tree.module_items()
            if not item.isHidden() and not item.parent().isHidden()
        ]

    def item_for(self, module_type: str) -> QTreeWidgetItem | None:
        for item in self.tree.module_items():
            if item.data(0, TYPE_ROLE) == module_type:
                return item
        return None

    def _filter(self, query: str) -> None:
        self.tree.apply_search(self._entries, query.strip())

    def best_match(self) -> str | None:
        """The module a search ranks first (None without a query or a match)."""
        types = self.visible_types()
        return types[0] if self.search.text().strip() and types else None

    def _choose_best(self) -> None:
        best = self.best_match()
        if best is not None:
            self.module_chosen.emit(best)

    def _chosen(self, item: QTreeWidgetItem, _column: int) -> None:
        module_type = item.data(0, TYPE_ROLE)
        if module_type:
            self.module_chosen.emit(module_type)
