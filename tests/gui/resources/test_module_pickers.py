"""Data store modules pick their store from the workspace's list, and what they output is
the store's data structure, in the mapping picker before any run."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.gui.document import ScenarioDocument
from app.gui.panels.mapping_picker import declared_outputs
from app.gui.panels.settings import SettingsPanel
from app.gui.resources.pickers import ResourcePicker
from engine.runtime import Workspace
from engine.store.data_structures import create_structure
from engine.store.store_admin import create_store


def test_a_store_is_picked_by_name_and_its_fields_are_mappable(qtbot: QtBot,
                                                              workspace: Path) -> None:
    engine = Workspace(workspace).state
    structure = create_structure(engine, "Contact", [
        {"name": "email", "type": "text"},
        {"name": "address", "type": "collection", "spec": [{"name": "zip", "type": "text"}]}])
    create_store(engine, "Keys only")
    contacts = create_store(engine, "Contacts", structure_id=structure.id)
    doc = ScenarioDocument()
    doc.workspace = workspace
    get = doc.add_module("datastore:GetRecord", 0, 0)
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_module(get)
    picker = panel.editor_for("parameters", "datastore")
    assert isinstance(picker, ResourcePicker)
    names = [picker.combo.itemText(i) for i in range(picker.combo.count())]
    assert names == ["Choose a data store", "Keys only (1)", "Contacts (2)"]
    picker.combo.activated.emit(picker.combo.findData(contacts))
    assert doc.node(get).parameters["datastore"] == 2
    fields = declared_outputs(doc, get, {})
    assert [f.name for f in fields] == ["email", "address"]
    assert [c.name for c in fields[1].children] == ["zip"]


def test_an_imported_store_id_is_kept(qtbot: QtBot, workspace: Path) -> None:
    doc = ScenarioDocument()
    doc.workspace = workspace
    add = doc.add_module("datastore:AddRecord", 0, 0)
    doc.node(add).parameters["datastore"] = 48211
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.show_module(add)
    picker = panel.editor_for("parameters", "datastore")
    assert isinstance(picker, ResourcePicker)
    assert picker.combo.currentText() == "Data store 48211 (not in this workspace)"
