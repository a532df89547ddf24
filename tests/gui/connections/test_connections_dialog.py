"""The Connections dialog (File ▸ Connections…): add a connection from fields generated from
its app's declaration, see it listed with where its secret is kept, use it in `scenarist run`,
test it against the service, edit, delete (naming the scenarios that use it), OAuth 2.0 in
the browser without blocking the window (the standard flow, and an app's own steps), and the
master password where no keyring works."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from app.cli import main
from app.gui.main_window import MainWindow
from engine.connections import ConnectionStore
from tests.conftest import MemoryKeyring
from tests.connections.apps import Api, follow_authorize, serve_api
from tests.connections.own_flow_app import own_flow_app, serve_provider
from tests.connectors.test_gist import onboarding_blueprint
from tests.gui.connections.helpers import click, fill
from tests.secrets.scan import leaks
from tests.support.fake_gist import FakeGist


def cells(window: MainWindow, row: int = 0) -> list[str]:
    table = window.connections_dialog.table  # type: ignore[union-attr]
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_a_connection_added_in_the_dialog_is_listed_and_runs(
        window: MainWindow, workspace: Path, fake_gist: FakeGist,
        memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]) -> None:
    menu = next(a for a in window.menuBar().actions() if a.text() == "&File").menu()
    assert window.act_connections in menu.actions()
    window.act_connections.trigger()
    dialog = window.connections_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.store_note.text() == "Secrets are kept in the OS keyring (MemoryKeyring)."
    assert not dialog.unlock_button.isVisible()
    click(dialog.add_button)
    form = dialog.form
    assert form is not None and form.isVisible()
    assert "Gist (API key)" in [form.type_combo.itemText(i)
                                for i in range(form.type_combo.count())]
    form.choose_type("gist:apiKey")
    assert list(form.inputs) == ["apiKey"]  # Gist's declaration: one field, secret
    assert form.inputs["apiKey"].widget.echoMode() == QLineEdit.EchoMode.Password
    assert form.name.text() == "My Gist connection"  # as Make names a new one
    click(form.save_button)  # the key is required
    assert form.isVisible() and "Fill in: API Key" in form.status.text()
    fill(form, "Work", apiKey=fake_gist.api_key, base_url=fake_gist.url)
    click(form.save_button)
    assert not form.isVisible()

    assert dialog.names() == ["Work"]
    assert cells(window) == ["Work", "Gist", "API key", "", "not tested", "OS keyring"]
    [connection] = window.connections.list()
    assert connection.secret_fields == ["apiKey"] and connection.fields == {}
    assert connection.base_url_override == fake_gist.url
    assert list(memory_keyring.entries) == [("scenarist", connection.id)]

    path = workspace / "scenarios" / "Onboarding.blueprint.json"
    path.write_text(json.dumps(onboarding_blueprint(connection.id)))  # type: ignore[arg-type]
    code = main(["run", str(path), "--report", "json", "--data-dir", str(workspace)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["status"] == "success"
    assert {r.headers["authorization"] for r in fake_gist.requests} == {
        f"Bearer {fake_gist.api_key}"}
    texts = [("dialog", dialog.status.text()), ("report", out), ("stderr", err)]
    assert leaks([fake_gist.api_key], workspace, texts) == []


async def test_test_edit_and_a_failing_test(window: MainWindow, api: Api) -> None:
    dialog = window.show_connections()
    click(dialog.add_button)
    assert dialog.form is not None
    fill(dialog.form, "Work", type_key="keyed:key", base_url=api.url, apiKey=api.api_key)
    assert dialog.form.inputs["region"].value() == "eu"  # the declared default
    click(dialog.form.save_button)
    assert dialog.selected() is not None and dialog.selected().name == "Work"

    click(dialog.test_button)
    assert "Testing Work" in dialog.status.text() and not dialog.test_button.isEnabled()
    assert dialog.task is not None
    await dialog.task
    assert dialog.status.text() == "Work: it works: ada@example.com"
    assert cells(window)[3:5] == ["ada@example.com", "verified"]
    assert api.requests[-1].path == "/me"

    click(dialog.edit_button)
    form = dialog.form
    assert form is not None and form.editing is not None
    assert form.inputs["apiKey"].widget.text() == ""  # a secret is never shown again
    assert "unchanged" in form.inputs["apiKey"].widget.placeholderText()
    form.name.setText("Renamed")
    click(form.save_button)  # the key left empty: kept
    assert dialog.names() == ["Renamed"]
    click(dialog.test_button)
    await dialog.task
    assert "it works" in dialog.status.text()

    click(dialog.edit_button)
    dialog.form.set_value("apiKey", "wrong-key-7f3a")
    click(dialog.form.save_button)
    click(dialog.test_button)
    await dialog.task
    assert dialog.status.text() == "[401] bad key"
    assert "d1242f" in dialog.status.styleSheet()  # said as an error
    assert dialog.test_button.isEnabled()


def test_delete_asks_and_names_the_scenarios_using_it(
        window: MainWindow, workspace: Path, memory_keyring: MemoryKeyring,
        monkeypatch: pytest.MonkeyPatch) -> None:
    kind = window.connections.type_of("keyed:key")
    work = window.connections.add(kind, "Work", {"apiKey": "key-1-abcdef"}, make_id=4242)
    window.connections.add(kind, "Spare", {"apiKey": "key-2-abcdef"})
    (workspace / "scenarios" / "Uses it.blueprint.json").write_text(json.dumps(
        {"name": "Uses it", "flow": [{"id": 1, "module": "keyed:getMe",
                                      "parameters": {"__IMTCONN__": 4242}}]}))
    dialog = window.show_connections()
    assert dialog.names() == ["Work", "Spare"]
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]

    def question(_parent: Any, _title: str, text: str, *_rest: Any) -> Any:
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    dialog.select(work.id)
    click(dialog.delete_button)
    assert "• Uses it" in asked[-1] and dialog.names() == ["Work", "Spare"]
    answer[0] = QMessageBox.StandardButton.Yes
    click(dialog.delete_button)
    assert dialog.names() == ["Spare"]
    assert ("scenarist", work.id) not in memory_keyring.entries
    dialog.table.selectRow(0)
    click(dialog.delete_button)
    assert "No scenario in this workspace uses it" in asked[-1] and dialog.names() == []


async def test_oauth_is_authorized_in_the_browser_while_the_window_works(
        window: MainWindow) -> None:
    with serve_api() as api:
        opened: list[str] = []

        def browser(url: str) -> None:  # the user's browser, answering a moment later
            opened.append(url)
            threading.Thread(target=follow_authorize, args=(api, url), daemon=True).start()

        window.connections.open_browser = browser
        dialog = window.show_connections()
        click(dialog.add_button)
        form = dialog.form
        assert form is not None
        fill(form, "Things", type_key="oauthy:oauth2", clientId=api.client_id,
             clientSecret=api.client_secret, authorizeUri=f"{api.url}/authorize",
             tokenUri=f"{api.url}/token")
        assert form.inputs["clientSecret"].widget.echoMode() == QLineEdit.EchoMode.Password
        click(form.save_button)
        assert form.task is not None and not form.task.done()
        assert form.isVisible() and "authorize Scenarist in your browser" in form.status.text()
        assert not form.save_button.isEnabled()
        await form.task
        assert not form.isVisible() and opened and opened[0].startswith(f"{api.url}/authorize")
        assert cells(window)[:5] == ["Things", "Oauthy", "OAuth 2.0", "", "authorized"]
        connection = ConnectionStore(window.workspace).require(dialog.rows[0].id)
        assert connection.secret_data["accessToken"] == api.access[-1]

        click(dialog.authorize_button)  # again, from the list
        assert dialog.task is not None
        await dialog.task
        assert dialog.status.text() == "Things is authorized." and len(opened) == 2


async def test_a_cancelled_authorization_leaves_the_connection_unauthorized(
        window: MainWindow) -> None:
    with serve_api() as api:
        opened = asyncio.Event()
        window.connections.open_browser = lambda url: opened.set()  # nobody answers
        dialog = window.show_connections()
        click(dialog.add_button)
        form = dialog.form
        assert form is not None
        fill(form, "Things", type_key="oauthy:oauth2", clientId=api.client_id,
             authorizeUri=f"{api.url}/authorize", tokenUri=f"{api.url}/token")
        click(form.save_button)
        task = form.task
        assert task is not None
        await opened.wait()  # the loopback server listens, the browser shows the page
        form.cancel()
        await asyncio.wait([task])
        assert not form.isVisible() and cells(window)[4] == "not authorized"


def test_without_a_keyring_the_app_asks_for_the_master_password(
        window: MainWindow, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    answers = ["correct horse"]
    asked: list[str] = []

    def ask(message: str) -> str | None:
        asked.append(message)
        return answers.pop(0) if answers else None

    window.connections.ask_password = ask
    dialog = window.show_connections()
    assert "No OS keyring works here" in dialog.store_note.text()
    assert dialog.unlock_button.isVisible()
    click(dialog.add_button)
    fill(dialog.form, "Work", type_key="keyed:key", apiKey="key-live-7f3a9c")
    click(dialog.form.save_button)
    assert len(asked) == 1 and "encrypted file" in asked[0]
    assert (workspace / "secrets.enc").exists()
    assert "encrypted file" in dialog.store_note.text() and not dialog.unlock_button.isVisible()
    assert cells(window)[5] == "encrypted file"

    from engine.secrets import use_master_password

    use_master_password(None)  # the app starts again: locked until the password is given
    dialog.refresh()
    assert cells(window)[5] == "locked (master password)" and dialog.unlock_button.isVisible()
    answers[:] = ["wrong", "correct horse"]
    click(dialog.unlock_button)
    assert "does not open" in asked[-1] and len(asked) == 3
    assert cells(window)[5] == "encrypted file"
    assert ConnectionStore(workspace).require(dialog.rows[0].id).secrets == {
        "apiKey": "key-live-7f3a9c"}

    use_master_password(None)
    click(dialog.unlock_button)  # the user cancels: said, nothing breaks
    assert "no master password given" in dialog.status.text()


async def test_an_apps_own_oauth_steps_from_the_dialog(
        qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Discard)
    own_flow_app(workspace / "apps")
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    with serve_provider() as provider:
        window.connections.open_browser = lambda url: threading.Thread(
            target=provider.browser, args=(url,), daemon=True).start()
        dialog = window.show_connections()
        click(dialog.add_button)
        form = dialog.form
        assert form is not None
        form.choose_type("ownflow:oauth")
        assert list(form.inputs) == ["server", "clientId", "clientSecret", "scope"]
        fill(form, "Own", server=provider.url, clientId=provider.client_id,
             clientSecret=provider.client_secret)
        click(form.save_button)
        assert form.task is not None
        await form.task
        assert not form.isVisible()
        assert cells(window)[:5] == ["Own", "Ownflow", "OAuth 2.0", provider.email,
                                     "authorized"]
        monkeypatch.setattr(QMessageBox, "question",
                            lambda *_a: QMessageBox.StandardButton.Yes)
        dialog.table.selectRow(0)
        click(dialog.delete_button)
        assert window.connections.revoking is not None
        await window.connections.revoking  # the app's invalidate step, off the UI thread
    assert provider.revoked == [provider.access[-1]]
