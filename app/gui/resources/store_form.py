"""The form of a data store's settings: name, data structure (or keys only), size limit.
Used to create a store and to rename it or change its structure or limit."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.runtime import Workspace
from engine.store.data_structures import list_structures
from engine.store.store_admin import StoreError, StoreInfo, create_store, update_store

KEYS_ONLY = "Keys only (no data structure)"


class StoreForm(QWidget):
    saved = Signal(str)  # the store's id
    cancelled = Signal()

    def __init__(self, workspace: Workspace, store: StoreInfo | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.store = workspace.state, store
        self.name = QLineEdit(store.name if store else "")
        self.name.setPlaceholderText("Data store name")
        self.structure = QComboBox()
        self.structure.addItem(KEYS_ONLY, None)
        for structure in list_structures(self.engine):
            self.structure.addItem(f"{structure.name} ({structure.id})", structure.id)
        if store is not None and store.structure_id is not None:
            found = self.structure.findData(store.structure_id)
            if found < 0:
                self.structure.addItem(f"Structure {store.structure_id} (not in this "
                                       "workspace)", store.structure_id)
                found = self.structure.count() - 1
            self.structure.setCurrentIndex(found)
        self.size_limit = QSpinBox()
        self.size_limit.setRange(0, 1_000_000)
        self.size_limit.setSpecialValueText("No limit")
        self.size_limit.setSuffix(" MB")
        self.size_limit.setValue(store.max_size_mb or 0 if store else 0)
        self.message = QLabel()
        self.message.setStyleSheet("color: #c62828;")
        self.save_button = QPushButton("Create" if store is None else "Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.cancelled.emit)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Data structure", self.structure)
        form.addRow("Size limit", self.size_limit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        title = QLabel("New data store" if store is None else f"Data store {store.id}")
        title.setStyleSheet("font-weight: bold;")
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def save(self) -> str | None:
        limit = self.size_limit.value() or None
        try:
            if self.store is None:
                sid = create_store(self.engine, self.name.text(),
                                   structure_id=self.structure.currentData(), max_size_mb=limit)
            else:
                sid = self.store.id
                update_store(self.engine, sid, name=self.name.text(),
                             structure_id=self.structure.currentData(), max_size_mb=limit)
        except StoreError as exc:
            self.message.setText(str(exc))
            return None
        self.saved.emit(sid)
        return sid
