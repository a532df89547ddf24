"""Importing a Make export whose modules name a data store of the Make team: the user
picks a local store for each id (the imported file then names it) or creates one."""

from __future__ import annotations

import json
from pathlib import Path

from app.gui.main_window import MainWindow
from engine.runtime import Workspace
from engine.store.store_admin import create_store, list_stores

DEDUPE = Path("/work/shared/acceptance/cases/datastore-dedupe/blueprint.json")


def export_naming(tmp_path: Path, store_id: int) -> Path:
    data = json.loads(DEDUPE.read_text())
    for module in data["flow"]:
        if module["module"].startswith("datastore:"):
            module["parameters"]["datastore"] = store_id
    source = tmp_path / "export.json"
    source.write_text(json.dumps(data))
    return source


def stores_named(path: Path) -> list[object]:
    flow = json.loads(path.read_text())["flow"]
    return [m["parameters"]["datastore"] for m in flow if m["module"].startswith("datastore:")]


def test_an_imported_store_id_is_mapped_to_a_local_store(window: MainWindow, workspace: Path,
                                                         tmp_path: Path) -> None:
    mine = create_store(Workspace(workspace).state, "Seen orders")
    target = window.workspace_panel.import_blueprint(export_naming(tmp_path, 48211))
    dialog = window.import_stores_dialog
    assert target is not None and dialog is not None and dialog.isVisible()
    assert list(dialog.choices) == ["48211"]
    dialog.choose("48211", mine)
    dialog.ok_button.click()
    assert stores_named(target) == [int(mine), int(mine)]
    assert window.editor_for(target) is not None  # then it opens, as any import


def test_or_a_store_is_created_under_the_make_id(window: MainWindow, workspace: Path,
                                                 tmp_path: Path) -> None:
    target = window.workspace_panel.import_blueprint(export_naming(tmp_path, 48211))
    dialog = window.import_stores_dialog
    assert target is not None and dialog is not None
    dialog.choose("48211", None)
    dialog.ok_button.click()
    assert stores_named(target) == [48211, 48211]
    assert [(s.id, s.name) for s in list_stores(Workspace(workspace).state)] == [
        ("48211", "Data store 48211")]
