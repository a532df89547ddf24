"""Module settings that name a workspace resource: a data store (`datastore`) or a data
structure (`udt`), picked from the workspace's list. An id the workspace does not know (an
imported Make id) is kept and shown as such; a data store of that id is made on first run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QWidget

from app.gui.panels.fields import CLEARED, FieldContext, FieldEditor, narrow_combo
from engine.runtime import Workspace
from engine.spec import FieldSpec
from engine.store.data_structures import list_structures
from engine.store.store_admin import list_stores


class ResourcePicker(FieldEditor):
    def __init__(self, spec: FieldSpec, ctx: FieldContext, workspace: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(spec, ctx, parent)
        self.workspace = Workspace(workspace)
        self.noun = "data store" if spec.type == "datastore" else "data structure"
        self.combo = narrow_combo(QComboBox(self))
        self.body.addWidget(self.combo, 1)
        self.combo.activated.connect(self._chosen)

    def choices(self) -> list[tuple[str, str]]:
        """(id, name) of what the workspace has."""
        engine = self.workspace.state
        if self.spec.type == "datastore":
            return [(s.id, s.name) for s in list_stores(engine)]
        return [(s.id, s.name) for s in list_structures(engine)]

    def _chosen(self, index: int) -> None:
        value = self.combo.itemData(index)
        self._emit((), CLEARED if value is None else _typed(value), False)

    def _show(self, value: Any) -> None:
        self.combo.clear()
        self.combo.addItem(f"Choose a {self.noun}", None)
        for resource_id, name in self.choices():
            self.combo.addItem(f"{name} ({resource_id})", resource_id)
        if value not in (None, ""):
            found = self.combo.findData(str(value))
            if found < 0:
                self.combo.addItem(f"{self.noun.capitalize()} {value} (not in this workspace)",
                                   str(value))
                found = self.combo.count() - 1
            self.combo.setCurrentIndex(found)


def _typed(resource_id: str) -> Any:
    """Make's ids are numbers in blueprints: keep them numbers."""
    return int(resource_id) if resource_id.isdigit() else resource_id
