"""Selects whose options an app RPC answers, filled from the local fake Gist with the
module's connection: loading state, an inline error, the refresh button, asked again when
the connection changes; and an RPC that reads another field (OpnForm's forms of a
workspace) waits for it and follows it."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.connections import rpc_call
from app.gui.connections.rpc_call import call_rpc
from app.gui.editor import ScenarioEditor
from app.gui.main_window import MainWindow
from app.gui.panels.rpc_select import LOADING, RpcSelectField
from tests.apps.fakes import CORPUS, Request, fake_service
from tests.gui.connections.helpers import click
from tests.support.fake_gist import FakeGist

SECRET = "wrong-key-5e1d2c9a"


def rpc_field(editor: ScenarioEditor, section: str, name: str) -> RpcSelectField:
    found = editor.settings.editor_for(section, name)  # type: ignore[attr-defined]
    assert isinstance(found, RpcSelectField), found
    return found


def labels(field: RpcSelectField) -> list[str]:
    return [field.combo.itemText(i) for i in range(1, field.combo.count())]


async def test_tag_names_come_from_gist_with_the_chosen_connection(
        window: MainWindow, fake_gist: FakeGist, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("Onboarded", "beta", "VIP"):
        fake_gist.add_tag(name)
    gist = window.connections.type_of("gist:apiKey")
    good = window.connections.add(gist, "Work", {"apiKey": fake_gist.api_key},
                                  base_url=fake_gist.url)
    bad = window.connections.add(gist, "Stale", {"apiKey": SECRET}, base_url=fake_gist.url)
    editor = window.new_scenario()
    module_id = editor.document.add_module("gist:tagUntagUsersOrLeads", 0, 0)
    editor.select_modules([module_id])
    field = rpc_field(editor, "mapper", "name")
    assert field.state.text() == "Choose a connection first." and field.loading is None
    assert fake_gist.requests == []

    called_from: list[threading.Thread] = []

    async def spy(*args: Any) -> list[Any]:
        called_from.append(threading.current_thread())
        return await call_rpc(*args)

    monkeypatch.setattr(rpc_call, "call_rpc", spy)
    editor.document.set_field(module_id, "parameters", ("__IMTCONN__",), good.id)
    field = rpc_field(editor, "mapper", "name")
    assert field.state.text() == LOADING and not field.refresh_button.isEnabled()
    assert field.loading is not None
    await field.loading
    assert labels(field) == ["Onboarded", "beta", "VIP"]
    assert field.state.text() == "3 options from the service"
    assert field.refresh_button.isEnabled()
    [listing] = fake_gist.calls("GET", "/tags")
    assert listing.headers["authorization"] == f"Bearer {fake_gist.api_key}"
    assert len(called_from) == 1 and called_from[0] is not threading.main_thread()

    field.combo.activated.emit(2)  # the user picks "beta"
    assert editor.document.node(module_id).mapper["name"] == "beta"
    field = rpc_field(editor, "mapper", "name")
    assert field.loading is None or field.loading.done()  # its own value is no reason to ask
    assert len(fake_gist.calls("GET", "/tags")) == 1

    fake_gist.add_tag("New tag")
    click(field.refresh_button)
    assert field.loading is not None
    await field.loading
    assert labels(field) == ["Onboarded", "beta", "VIP", "New tag"]
    assert field.combo.currentText() == "beta"

    editor.document.set_field(module_id, "parameters", ("__IMTCONN__",), bad.id)
    field = rpc_field(editor, "mapper", "name")  # asked again: the connection changed
    assert field.loading is not None
    await field.loading
    assert field.state.text().startswith("Could not load the options: [401] The API key "
                                         "was refused")
    assert SECRET not in field.state.text() and field.refresh_button.isEnabled()
    assert field.combo.currentText() == "beta"  # the value stays, shown as it is


async def test_an_rpc_reading_another_field_waits_for_it_and_follows_it(
        qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question",  # closing: discard the unsaved scenario
                        lambda *_a: QMessageBox.StandardButton.Discard)
    shutil.copytree(CORPUS / "opnform", workspace / "apps" / "opnform")
    window = MainWindow(workspace)  # a real app of the corpus, in the workspace's apps/
    qtbot.addWidget(window)
    window.show()

    def opnform(request: Request) -> tuple[int, Any]:
        if request.headers.get("authorization") != "Bearer opn-key-123456":
            return 401, {"message": "Unauthenticated."}
        if request.path == "/open/workspaces":
            return 200, [{"id": 7, "name": "Main"}, {"id": 8, "name": "Side"}]
        if request.path.startswith("/open/workspaces/"):
            workspace_id = request.path.split("/")[3]
            return 200, {"data": [{"id": int(workspace_id) * 10, "title": f"Form {workspace_id}"}],
                         "links": {"next": None}}
        return 404, {"message": "Not found"}

    with fake_service(opnform) as fake:
        kind = window.connections.type_of("opnform-65ly55:apiKeyAuth")
        conn = window.connections.add(kind, "Forms", {"apiKey": "opn-key-123456",
                                                      "baseUrl": fake.url})
        editor = window.new_scenario()
        module_id = editor.document.add_module("opnform-65ly55:watchNewSubmissions", 0, 0)
        editor.document.set_field(module_id, "parameters", ("__IMTCONN__",), conn.id)
        editor.select_modules([module_id])
        workspaces = rpc_field(editor, "parameters", "workspaceId")
        forms = rpc_field(editor, "parameters", "formId")
        assert forms.state.text() == "Choose Workspace first."
        assert workspaces.loading is not None
        await workspaces.loading
        assert labels(workspaces) == ["Main", "Side"]

        workspaces.combo.activated.emit(1)  # Main
        forms = rpc_field(editor, "parameters", "formId")
        assert forms.loading is not None
        await forms.loading
        assert labels(forms) == ["Form 7"]
        assert fake.requests[-1].path == "/open/workspaces/7/forms"

        workspaces = rpc_field(editor, "parameters", "workspaceId")
        if workspaces.loading is not None:
            await workspaces.loading
        workspaces.combo.activated.emit(2)  # Side: the forms are asked again
        forms = rpc_field(editor, "parameters", "formId")
        assert forms.loading is not None
        await forms.loading
        assert labels(forms) == ["Form 8"]



async def test_locked_secrets_wait_for_the_refresh_button_to_ask(
        window: MainWindow, fake_gist: FakeGist, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    from engine.secrets import use_master_password

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    asked: list[str] = []
    window.connections.ask_password = lambda message: asked.append(message) or "pw-123"
    fake_gist.add_tag("beta")
    work = window.connections.add(window.connections.type_of("gist:apiKey"), "Work",
                                  {"apiKey": fake_gist.api_key}, base_url=fake_gist.url)
    assert len(asked) == 1
    use_master_password(None)  # the app started again: the file is locked
    editor = window.new_scenario()
    module_id = editor.document.add_module("gist:tagUntagUsersOrLeads", 0, 0)
    editor.document.set_field(module_id, "parameters", ("__IMTCONN__",), work.id)
    editor.select_modules([module_id])
    field = rpc_field(editor, "mapper", "name")
    assert field.loading is None and len(asked) == 1  # showing the form asks nothing
    assert "locked" in field.state.text()
    click(field.refresh_button)
    assert len(asked) == 2 and field.loading is not None
    await field.loading
    assert labels(field) == ["beta"]
