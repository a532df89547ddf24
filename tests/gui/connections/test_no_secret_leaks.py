"""What the desktop app writes about connections holds no secret: a key typed into the
connection form, tested against a service that echoes it, picked in a module's settings,
saved with the scenario and used by Run once in the window, is found nowhere in the
workspace (state.db, history, the saved blueprint, the encrypted file's bytes) nor in
anything the window shows (tests/secrets/scan.py searches), with the keyring or the
encrypted file."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QLabel, QLineEdit, QTableWidget

from app.gui.main_window import MainWindow
from app.gui.panels.connection_picker import ConnectionPicker
from tests.connections.apps import Api, serve_api
from tests.gui.connections.helpers import click, fill
from tests.secrets.scan import leaks

SECRET = "key-live-7f3a9c-e1d2-gui"


def shown(window: MainWindow) -> list[tuple[str, str]]:
    """Every text the window and its dialogs show (labels, cells, line edits)."""
    out = []
    widgets = [window, *window.findChildren(QTableWidget)]
    for top in widgets:
        out += [(f"label {w.objectName()}", w.text()) for w in top.findChildren(QLabel)]
        out += [(f"line {w.objectName()}", w.text()) for w in top.findChildren(QLineEdit)
                if w.echoMode() == QLineEdit.EchoMode.Normal]
    for table in window.findChildren(QTableWidget):
        out += [(f"cell {r},{c}", table.item(r, c).text())
                for r in range(table.rowCount()) for c in range(table.columnCount())
                if table.item(r, c) is not None]
    out.append(("status bar", window.statusBar().currentMessage()))
    return out


@pytest.mark.parametrize("store", ["keyring", "encrypted file"])
async def test_a_secret_typed_in_the_app_reaches_no_file_and_no_widget(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch, store: str) -> None:
    if store == "encrypted file":
        monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
        window.connections.ask_password = lambda _message: "correct horse battery"
    with serve_api(Api(api_key=SECRET, echo=True)) as api:
        dialog = window.show_connections()
        click(dialog.add_button)
        assert dialog.form is not None
        fill(dialog.form, "Echo", type_key="keyed:key", base_url=api.url, apiKey=SECRET)
        click(dialog.form.save_button)
        click(dialog.test_button)
        assert dialog.task is not None
        await dialog.task
        assert "it works" in dialog.status.text()
        [connection] = window.connections.list()

        editor = window.new_scenario()
        getter = editor.document.add_module("keyed:getMe", 0, 0)
        compose = editor.document.append_after(getter, "util:ComposeTransformer")
        editor.document.set_field(compose, "mapper", ("value",),
                                  "seen {{1.headers.`x-api-key`}}")
        editor.select_modules([getter])
        picker = editor.settings.editor_for("parameters", "__IMTCONN__")  # type: ignore[attr-defined]
        assert isinstance(picker, ConnectionPicker)
        picker.choose(connection.id)
        assert window.save(editor)

        window.run_once()
        result = await editor.debugger.wait()  # type: ignore[attr-defined]
        assert result is not None and result.status == "success", result
        assert api.requests[-1].headers["x-api-key"] == SECRET  # the service did get it
        click(dialog.edit_button)  # the edit form shows no secret either
        texts = shown(window)
        assert dialog.form is not None
        dialog.form.cancel()
    assert ("cell 0,0", "Echo") in texts and ("label result", "Echo: it works: ada@example.com"
                                               ) in texts  # the scan reads what is shown
    assert (window.workspace / "secrets.enc").exists() == (store == "encrypted file")
    assert leaks([SECRET], window.workspace, texts) == []
