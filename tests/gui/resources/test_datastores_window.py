"""The Data stores window (View ▸ Data stores…): a user makes a structure from a sample,
creates a store with it, adds a record (the form shows what is wrong under the field),
edits it in the table, and a scenario run reads what they typed; deleting a store asks and
names the scenarios that use it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from app.cli import main
from app.gui.resources import DataStoresWindow
from tests.gui.connections.helpers import click

READER = {"name": "Reader", "flow": [{
    "id": 1, "module": "datastore:GetRecord", "version": 1, "parameters": {"datastore": 1},
    "mapper": {"key": "ada"}, "metadata": {"designer": {"x": 0, "y": 0}}}],
    "metadata": {"version": 1, "scenario": {}}}


def make_structure(stores: DataStoresWindow) -> str:
    stores.tabs.setCurrentIndex(1)
    editor = stores.edit_structure(None)
    editor.name.setText("Contact")
    editor.sample.setPlainText(json.dumps({"email": "a@example.com", "score": 1}))
    click(editor.generate_button)
    assert [(f.name, f.type) for f in editor.fields()] == [("email", "text"),
                                                           ("score", "number")]
    click(editor.save_button)
    assert editor.structure_id is not None
    stores.tabs.setCurrentIndex(0)
    return editor.structure_id


def test_create_add_edit_and_a_scenario_reads_it(stores: DataStoresWindow, workspace: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    structure_id = make_structure(stores)
    click(stores.new_button)
    form = stores.store_form
    assert form is not None
    form.name.setText("Contacts")
    form.structure.setCurrentIndex(form.structure.findData(structure_id))
    click(form.save_button)
    assert stores.store_names() == ["Contacts"]
    browser = stores.browser
    assert browser is not None and browser.model.fields == ["email", "score"]

    click(browser.add_button)
    record = browser.form
    assert record is not None
    record.set_value("key", "ada")
    record.set_value("score", "many")
    click(record.save_button)
    assert record.problems() == {"score": "'many' is not a number"}
    assert browser.model.total == 0  # nothing stored while a problem remains
    record.set_value("email", "ada@example.com")
    record.set_value("score", "7")
    click(record.save_button)
    assert browser.form is None and browser.model.total == 1
    assert "1 records" in browser.info.text()

    # edit a cell as a user does: double-click, type, Enter
    table = browser.table
    cell = browser.model.index(0, 1)
    table.edit(cell)
    editor = table.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    QTest.keyClicks(editor, "ada@lovelace.org")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits in a queued call
    assert browser.model.data(cell) == "ada@lovelace.org"
    # a value the structure refuses is reported and not stored
    assert not browser.model.setData(browser.model.index(0, 2), "lots")
    assert browser.problem.text() == "score: 'lots' is not a number"

    blueprint = workspace / "reader.blueprint.json"
    blueprint.write_text(json.dumps(READER))
    capsys.readouterr()
    assert main(["run", str(blueprint), "--data-dir", str(workspace), "--report", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["modules"]["1"]["outputs"] == [{"email": "ada@lovelace.org", "score": 7}]


def test_delete_asks_and_names_the_scenarios_using_it(
        stores: DataStoresWindow, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    click(stores.new_button)
    assert stores.store_form is not None
    stores.store_form.name.setText("Seen")
    click(stores.store_form.save_button)
    (workspace / "scenarios").mkdir(exist_ok=True)
    (workspace / "scenarios" / "Reader.blueprint.json").write_text(json.dumps(READER))
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]

    def question(_parent: Any, _title: str, text: str, *_rest: Any) -> Any:
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    click(stores.delete_button)
    assert "• Reader" in asked[-1] and stores.store_names() == ["Seen"]
    answer[0] = QMessageBox.StandardButton.Yes
    click(stores.delete_button)
    assert stores.store_names() == []


def test_rename_and_size_limit(stores: DataStoresWindow) -> None:
    click(stores.new_button)
    assert stores.store_form is not None
    stores.store_form.name.setText("Old name")
    click(stores.store_form.save_button)
    click(stores.settings_button)
    form = stores.store_form
    assert form is not None and form.name.text() == "Old name"
    form.name.setText("New name")
    form.size_limit.setValue(5)
    click(form.save_button)
    assert stores.store_names() == ["New name"]
    assert stores.browser is not None and "of 5 MB" in stores.browser.info.text()
