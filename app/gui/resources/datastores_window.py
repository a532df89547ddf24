"""The "Data stores" window (View ▸ Data stores…): the workspace's stores on the left with
their record counts and sizes, the chosen store's records on the right (`StoreBrowser`), and
a "Data structures" tab to create and edit structures.

Every change is a short transaction on the workspace's state.db, so the window can stay
open while scenarios run and write the same stores.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.gui.debugger.session import format_bytes
from app.gui.resources.store_browser import StoreBrowser
from app.gui.resources.store_form import StoreForm
from app.gui.resources.structure_editor import StructureEditor
from engine.runtime import Workspace
from engine.store.data_structures import delete_structure, get_structure, list_structures
from engine.store.store_admin import (
    delete_store,
    list_stores,
    scenarios_using,
    store_info,
)

_ID = Qt.ItemDataRole.UserRole


class DataStoresWindow(QWidget):
    message = Signal(str)

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Data stores")
        self.workspace = workspace
        self.ws = Workspace(workspace)
        self.engine = self.ws.state
        self.browser: StoreBrowser | None = None
        self.store_form: StoreForm | None = None
        self.structure_editor: StructureEditor | None = None

        self.stores = QListWidget()
        self.stores.currentItemChanged.connect(lambda item, _old: self._show_store(item))
        self.new_button = QPushButton("New data store")
        self.new_button.clicked.connect(lambda: self.open_store_form(None))
        self.settings_button = QPushButton("Rename / settings")
        self.settings_button.clicked.connect(lambda: self.open_store_form(self.current_store()))
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_current)
        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(self.stores, 1)
        for button in (self.new_button, self.settings_button, self.delete_button):
            column.addWidget(button)
        self.right = QStackedWidget()
        self.right.addWidget(QWidget())
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.right)
        split.setSizes([220, 780])

        self.tabs = QTabWidget()
        self.tabs.addTab(split, "Data stores")
        self.tabs.addTab(self._structures_tab(), "Data structures")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.resize(1100, 640)
        self.refresh()

    # -- stores --

    def refresh(self, select: str | None = None) -> None:
        select = select or self.current_store()
        self.stores.blockSignals(True)
        self.stores.clear()
        for store in list_stores(self.engine):
            item = QListWidgetItem(f"{store.name}\n{store.records:,} records · "
                                   f"{format_bytes(store.size)}")
            item.setData(_ID, store.id)
            item.setToolTip(f"Data store {store.id}")
            self.stores.addItem(item)
            if store.id == select:
                self.stores.setCurrentItem(item)
        self.stores.blockSignals(False)
        if self.stores.currentItem() is None and self.stores.count():
            self.stores.setCurrentRow(0)
        elif select is not None and self.browser is None and self.stores.currentItem():
            self._show_store(self.stores.currentItem())

    def store_names(self) -> list[str]:
        return [self.stores.item(i).text().split("\n")[0] for i in range(self.stores.count())]

    def current_store(self) -> str | None:
        item = self.stores.currentItem()
        return None if item is None else str(item.data(_ID))

    def select_store(self, store_id: str) -> StoreBrowser | None:
        for i in range(self.stores.count()):
            if self.stores.item(i).data(_ID) == store_id:
                self.stores.setCurrentRow(i)
        return self.browser

    def _show_store(self, item: QListWidgetItem | None) -> None:
        self._drop(self.browser)
        self.browser = None
        if item is None:
            return
        self.browser = StoreBrowser(self.ws, str(item.data(_ID)))
        self.browser.changed.connect(self._counts_changed)
        self.browser.message.connect(self.message.emit)
        self.right.addWidget(self.browser)
        self.right.setCurrentWidget(self.browser)

    def _counts_changed(self) -> None:
        for i in range(self.stores.count()):
            item = self.stores.item(i)
            if item.data(_ID) == self.current_store():
                info = store_info(self.engine, item.data(_ID))
                item.setText(f"{info.name}\n{info.records:,} records · "
                             f"{format_bytes(info.size)}")

    def _drop(self, widget: QWidget | None) -> None:
        if widget is not None:
            self.right.removeWidget(widget)
            widget.deleteLater()

    def open_store_form(self, store_id: str | None) -> StoreForm:
        self._drop(self.store_form)
        info = store_info(self.engine, store_id) if store_id is not None else None
        self.store_form = StoreForm(self.ws, info)
        self.store_form.saved.connect(self._store_saved)
        self.store_form.cancelled.connect(self._close_store_form)
        self.right.addWidget(self.store_form)
        self.right.setCurrentWidget(self.store_form)
        return self.store_form

    def _store_saved(self, store_id: str) -> None:
        self._close_store_form()
        self._drop(self.browser)
        self.browser = None
        self.refresh(select=store_id)
        self.select_store(store_id)
        if self.browser is None and self.stores.currentItem() is not None:
            self._show_store(self.stores.currentItem())

    def _close_store_form(self) -> None:
        self._drop(self.store_form)
        self.store_form = None
        if self.browser is not None:
            self.right.setCurrentWidget(self.browser)

    def delete_current(self) -> bool:
        sid = self.current_store()
        if sid is None:
            return False
        info = store_info(self.engine, sid)
        users = scenarios_using(self.workspace, sid)
        used = ("It is used by:\n" + "\n".join(f"• {name}" for name in users)
            if users else "No scenario in this workspace uses it.")
        answer = QMessageBox.question(
            self, "Delete data store",
            f"Delete {info.name!r} and its {info.records:,} records?\n\n{used}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        delete_store(self.engine, sid)
        self._drop(self.browser)
        self.browser = None
        self.refresh()
        return True

    # -- structures --

    def _structures_tab(self) -> QWidget:
        self.structures = QListWidget()
        self.structures.currentItemChanged.connect(
            lambda item, _old: self.edit_structure(None if item is None else item.data(_ID)))
        new = QPushButton("New data structure")
        new.clicked.connect(lambda: self.edit_structure(None))
        remove = QPushButton("Delete")
        remove.clicked.connect(self._delete_structure)
        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(self.structures, 1)
        column.addWidget(new)
        column.addWidget(remove)
        self.structure_pane = QHBoxLayout()
        right = QWidget()
        right.setLayout(self.structure_pane)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([220, 780])
        self._fill_structures()
        return split

    def _fill_structures(self, select: str | None = None) -> None:
        self.structures.blockSignals(True)
        self.structures.clear()
        for structure in list_structures(self.engine):
            item = QListWidgetItem(f"{structure.name}\n{len(structure.spec)} fields")
            item.setData(_ID, structure.id)
            self.structures.addItem(item)
            if structure.id == select:
                self.structures.setCurrentItem(item)
        self.structures.blockSignals(False)

    def edit_structure(self, structure_id: str | None) -> StructureEditor:
        if self.structure_editor is not None:
            self.structure_pane.removeWidget(self.structure_editor)
            self.structure_editor.deleteLater()
        structure = get_structure(self.engine, structure_id) if structure_id else None
        self.structure_editor = StructureEditor(self.ws, structure)
        self.structure_editor.saved.connect(self._structure_saved)
        self.structure_pane.addWidget(self.structure_editor)
        return self.structure_editor

    def _structure_saved(self, structure_id: str) -> None:
        self._fill_structures(select=structure_id)
        self.message.emit("Data structure saved")
        if self.browser is not None:
            self.browser.model.reload()  # its columns may have changed

    def _delete_structure(self) -> None:
        item = self.structures.currentItem()
        if item is not None:
            delete_structure(self.engine, item.data(_ID))
            self._fill_structures()
            self.edit_structure(None)
