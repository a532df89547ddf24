"""After importing a Make export: which local data store each of its store ids means.

Each id the workspace does not know gets a row: create a new store (under the Make id, so
the blueprint stays as exported) or use one of the workspace's stores (the imported file's
modules are pointed at it). Not modal: the window stays usable; `finished` follows either
button.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.gui.document import write_atomic
from engine.runtime import Workspace
from engine.store.store_admin import create_store, list_stores
from engine.store.store_refs import remap_stores, store_references

CREATE = "create"


def unknown_stores(workspace: Workspace, blueprint_file: Path) -> dict[str, list[int]]:
    """The store ids of an imported file the workspace has no store for."""
    references = store_references(orjson.loads(blueprint_file.read_bytes()))
    known = {s.id for s in list_stores(workspace.state)}
    return {sid: modules for sid, modules in references.items() if sid not in known}


class ImportStoresDialog(QDialog):
    def __init__(self, workspace: Workspace, blueprint_file: Path,
                 missing: dict[str, list[int]], describe: Callable[[int], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Data stores of the imported scenario")
        self.workspace, self.blueprint_file = workspace, blueprint_file
        self.choices: dict[str, QComboBox] = {}
        stores = list_stores(workspace.state)
        form = QFormLayout()
        for sid, modules in missing.items():
            combo = QComboBox()
            combo.addItem(f"Create a new data store (id {sid})", CREATE)
            for store in stores:
                combo.addItem(f"Use {store.name} ({store.id})", store.id)
            used = ", ".join(describe(m) for m in modules)
            form.addRow(QLabel(f"Make data store {sid}\nused by {used}"), combo)
            self.choices[sid] = combo
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("This scenario uses data stores of your Make team. Choose the "
                                "local store each one means:"))
        layout.addLayout(form)
        layout.addWidget(buttons)

    def choose(self, make_id: str, store_id: str | None) -> None:
        """Pick a local store for a Make id (None: create one)."""
        combo = self.choices[make_id]
        combo.setCurrentIndex(combo.findData(CREATE if store_id is None else store_id))

    def apply(self) -> None:
        mapping: dict[str, str] = {}
        for make_id, combo in self.choices.items():
            choice = str(combo.currentData())
            if choice == CREATE:
                create_store(self.workspace.state, f"Data store {make_id}", store_id=make_id)
            else:
                mapping[make_id] = choice
        if mapping:
            data = orjson.loads(self.blueprint_file.read_bytes())
            remap_stores(data, mapping)
            write_atomic(self.blueprint_file, orjson.dumps(data, option=orjson.OPT_INDENT_2))
        self.accept()
