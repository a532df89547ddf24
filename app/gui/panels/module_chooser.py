"""A small popup to pick a module: the "+" after a module and "insert on link".

Same entries and search as the palette, as a flat list. `chosen(type)` fires on Enter,
click or double-click; `ModuleChooser.choose(...)` waits for the answer (None if dismissed).
"""

from __future__ import annotations

from PySide6.QtCore import QEventLoop, QPoint, Qt, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.gui.panels.palette import TYPE_ROLE, app_icon, palette_entries
from engine.registry import Registry


class ModuleChooser(QFrame):
    chosen = Signal(str)
    dismissed = Signal()

    def __init__(self, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.resize(320, 380)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search modules")
        self.list = QListWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self._entries = palette_entries(registry)
        for entry in self._entries:
            item = QListWidgetItem(app_icon(entry.type, 18), f"{entry.label}  ·  {entry.group}")
            item.setData(TYPE_ROLE, entry.type)
            item.setToolTip(f"{entry.type} · {entry.kind}")
            self.list.addItem(item)
        self.result: str | None = None
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._accept_current)
        self.list.itemActivated.connect(self._accept)
        self.list.itemClicked.connect(self._accept)
        self.search.installEventFilter(self)
        self._filter("")

    def visible_types(self) -> list[str]:
        return [
            self.list.item(i).data(TYPE_ROLE)
            for i in range(self.list.count())
            if not self.list.item(i).isHidden()
        ]

    def popup(self, global_pos: QPoint) -> None:
        self.result = None
        self.move(global_pos)
        self.show()
        self.search.setFocus()

    @classmethod
    def choose(cls, registry: Registry, parent: QWidget | None, global_pos: QPoint) -> str | None:
        chooser = cls(registry, parent)
        loop = QEventLoop()
        chooser.chosen.connect(loop.quit)
        chooser.dismissed.connect(loop.quit)
        chooser.popup(global_pos)
        loop.exec()
        chooser.deleteLater()
        return chooser.result

    def _filter(self, query: str) -> None:
        first = None
        for i, entry in enumerate(self._entries):
            item = self.list.item(i)
            item.setHidden(not entry.matches(query))
            if first is None and not item.isHidden():
                first = item
        self.list.setCurrentItem(first)

    def _accept_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self._accept(item)

    def _accept(self, item: QListWidgetItem) -> None:
        self.result = item.data(TYPE_ROLE)
        self.hide()
        self.chosen.emit(self.result)

    def eventFilter(self, watched: object, event: object) -> bool:  # noqa: N802 (Qt override)
        # Up/Down in the search box move through the list, as in Make's module search.
        if watched is self.search and isinstance(event, QKeyEvent) and event.type() == (
            QKeyEvent.Type.KeyPress
        ) and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.list.keyPressEvent(event)
            return True
        return super().eventFilter(watched, event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        if self.result is None:
            self.dismissed.emit()
