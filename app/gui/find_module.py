"""Ctrl+F: find a module of the open scenario by id or label, and centre the canvas on it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.document import ScenarioDocument
from app.gui.names import app_name, module_label


def module_entries(document: ScenarioDocument) -> list[tuple[int, str]]:
    """(id, "12  Label · App") for every module, in id order, named as on the canvas."""
    entries = []
    for module_id, view in sorted(document.graph().modules.items()):
        label = view.name or module_label(view.module, document.registry)
        entries.append((module_id, f"{module_id}  {label} · {app_name(view.app)}"))
    return entries


def matches(entry: str, module_id: int, query: str) -> bool:
    query = query.strip().lower()
    if not query:
        return True
    if query.isdigit():
        return str(module_id).startswith(query) or query in entry.lower()
    return all(word in entry.lower() for word in query.split())


class FindModuleDialog(QDialog):
    module_chosen = Signal(int)

    def __init__(self, document: ScenarioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find module")
        self.resize(420, 360)
        self.entries = module_entries(document)
        self.types = {i: v.module for i, v in document.graph().modules.items()}
        self.search = QLineEdit()
        self.search.setPlaceholderText("Module id or name…")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._choose_current)
        self.results.itemActivated.connect(self._choose)
        self._filter("")

    def _filter(self, query: str) -> None:
        self.results.clear()
        for module_id, entry in self.entries:
            if matches(f"{entry} {self.types[module_id]}", module_id, query):
                item = QListWidgetItem(entry)
                item.setData(Qt.ItemDataRole.UserRole, module_id)
                item.setToolTip(self.types[module_id])
                self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def _choose_current(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self._choose(item)

    def _choose(self, item: QListWidgetItem) -> None:
        self.module_chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
        self.accept()
