"""Records of a keys-only store: the form takes the data as JSON and says when it is not an
object; Delete and Delete all ask first."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from app.gui.resources import DataStoresWindow
from engine.store.store_admin import create_store
from tests.gui.connections.helpers import click


def test_keys_only_records_and_deleting_them(stores: DataStoresWindow,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    sid = create_store(stores.engine, "Seen")
    stores.refresh(select=sid)
    browser = stores.browser
    assert browser is not None
    form = browser.add_record()
    form.set_value("key", "A-1")
    form.set_value("data", "[1, 2]")
    assert not form.save() and form.problems() == {"data": "must be a JSON object"}
    form.set_value("data", '{"total": 12.5}')
    assert form.save()
    for key in ("A-2", "A-3"):
        form = browser.add_record()
        form.set_value("key", key)
        click(form.save_button)
    assert browser.model.total == 3 and browser.model.fields == ["total"]
    asked: list[str] = []

    def question(_parent: Any, _title: str, text: str, *_rest: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    browser.table.selectRow(0)
    click(browser.delete_button)
    assert asked == ["Delete the record 'A-1'?"] and browser.model.total == 2
    click(browser.delete_all_button)
    assert asked[-1] == "Delete all 2 records of 'Seen'?" and browser.model.total == 0
    assert stores.stores.currentItem().text() == "Seen\n0 records · 0 B"
