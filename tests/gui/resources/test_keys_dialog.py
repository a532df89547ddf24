"""File ▸ Keys and certificates…: a client certificate keychain added in the dialog (its PEM
texts pasted whole, several lines) is listed with where its secret is kept, and a run of
`http:ActionSendDataClientCertAuth` naming it presents it to a real HTTPS server that demands
one; keychains are renamed and deleted there, and other connections are not listed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QPlainTextEdit
from pytestqt.qtbot import QtBot

from app.cli import main
from app.gui.main_window import MainWindow
from engine.connections import ConnectionStore, create_connection, find_type
from tests.conftest import MemoryKeyring
from tests.gui.connections.helpers import click, fill
from tests.support.tls import https_server, make_certificates


@pytest.fixture
def window(qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[MainWindow]:
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.show()
    yield win


def cells(window: MainWindow, row: int = 0) -> list[str]:
    table = window.keys_dialog.table  # type: ignore[union-attr]
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_a_client_certificate_added_in_the_dialog_is_presented_by_a_run(
        window: MainWindow, workspace: Path, memory_keyring: MemoryKeyring,
        capsys: pytest.CaptureFixture[str]) -> None:
    create_connection(ConnectionStore(workspace), find_type("http:oauth2", None), "OAuth",
                      {"authorizeUri": "http://127.0.0.1:9/a", "tokenUri": "http://127.0.0.1:9/t",
                       "clientId": "x"})
    menu = next(a for a in window.menuBar().actions() if a.text() == "&File").menu()
    assert window.act_keys in menu.actions()
    window.act_keys.trigger()
    dialog = window.keys_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.table.rowCount() == 0  # the OAuth connection is no keychain
    assert not dialog.test_button.isVisible() and not dialog.authorize_button.isVisible()

    click(dialog.add_button)
    form = dialog.form
    assert form is not None and form.isVisible()
    offered = [form.type_combo.itemData(i) for i in range(form.type_combo.count())]
    assert offered == ["http:basicauth", "http:apikeyauth", "http:clientcertauth", "pgp:pgp"]
    form.choose_type("http:clientcertauth")
    assert isinstance(form.inputs["certificate"].widget, QPlainTextEdit)
    assert not form.base_url.isVisible()
    assert form.name.text() == "My client certificate"
    certs = make_certificates()
    fill(form, "Bank", certificate=certs.client.cert, privateKey=certs.client.key)
    click(form.save_button)
    assert not form.isVisible()
    assert cells(window) == ["Bank", "Client certificate", "", "OS keyring"]
    [kept] = [c for c in ConnectionStore(workspace).list() if c.name == "Bank"]
    assert kept.fields["certificate"] == certs.client.cert  # every line of the PEM
    assert ConnectionStore(workspace).get(kept.id).secrets["privateKey"] == certs.client.key
    assert any(kept.id in name for _service, name in memory_keyring.entries)  # kept there
    assert b"PRIVATE KEY" not in (workspace / "state.db").read_bytes()

    with https_server(certs, require_client=True) as (url, seen):
        blueprint = workspace / "cert.blueprint.json"
        blueprint.write_text(json.dumps({"name": "Cert", "flow": [{
            "id": 1, "module": "http:ActionSendDataClientCertAuth", "version": 3,
            "parameters": {"key": kept.id, "handleErrors": True},
            "mapper": {"url": url + "/", "method": "get", "parseResponse": True,
                       "ca": certs.ca.cert}}]}))
        code = main(["run", str(blueprint), "--report", "json", "--data-dir", str(workspace)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["modules"]["1"]["outputs"][0]["data"] == {"ok": True}
    assert seen.client_subject == "test client"

    dialog.table.selectRow(0)
    form = dialog.edit()
    assert form is not None
    assert form.inputs["privateKey"].widget.placeholderText().startswith("unchanged")
    form.name.setText("Bank (2027)")
    click(form.save_button)
    assert cells(window)[0] == "Bank (2027)"
    assert ConnectionStore(workspace).get(kept.id).secrets["privateKey"] == certs.client.key

    dialog.table.selectRow(0)
    assert dialog.delete()
    assert dialog.table.rowCount() == 0
    assert not any(kept.id in name for _service, name in memory_keyring.entries)
