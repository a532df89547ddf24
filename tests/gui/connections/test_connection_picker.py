"""The connection field of module settings: the workspace's connections of the type the
module needs, "Add…" opening the connection form and picking the new one, every choice one
undoable edit of `__IMTCONN__` (or the HTTP modules' keychain parameters)."""

from __future__ import annotations

from typing import Any

from app.gui.editor import ScenarioEditor
from app.gui.main_window import MainWindow
from app.gui.panels.connection_picker import NO_CONNECTION, ConnectionPicker
from app.gui.resources.pickers import ResourcePicker
from tests.gui.connections.helpers import click, fill


def module_settings(window: MainWindow, module: str) -> tuple[ScenarioEditor, int]:
    editor = window.new_scenario()
    module_id = editor.document.add_module(module, 0, 0)
    editor.select_modules([module_id])
    return editor, module_id


def picker(editor: ScenarioEditor, name: str = "__IMTCONN__") -> ConnectionPicker:
    found = editor.settings.editor_for("parameters", name)  # type: ignore[attr-defined]
    assert isinstance(found, ConnectionPicker), found
    return found


def items(combo: Any) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def parameters(editor: ScenarioEditor, module_id: int) -> dict[str, Any]:
    return dict(editor.document.node(module_id).parameters or {})


def test_pick_a_connection_and_undo(window: MainWindow) -> None:
    gist = window.connections.type_of("gist:apiKey")
    work = window.connections.add(gist, "Work", {"apiKey": "k-work-123456"})
    home = window.connections.add(gist, "Home", {"apiKey": "k-home-123456"})
    window.connections.add(window.connections.type_of("keyed:key"), "Other app",
                           {"apiKey": "k-other-123456"})
    editor, module_id = module_settings(window, "gist:createUser")
    field = picker(editor)
    assert field.type_key == "gist:apiKey"
    assert items(field.combo) == [NO_CONNECTION, "Work", "Home"]  # Gist's only
    assert field.problem() == "This field is required."

    field.choose(work.id)
    assert parameters(editor, module_id)["__IMTCONN__"] == work.id
    field = picker(editor)
    field.choose(home.id)
    assert parameters(editor, module_id)["__IMTCONN__"] == home.id
    assert editor.document.undo_stack.count() == 3  # the module, then one step per choice
    # the undo entry names the field as the form does, not `__IMTCONN__`
    assert editor.document.undo_stack.undoText() == f"Edit {field.spec.label}"

    editor.document.undo_stack.undo()
    assert parameters(editor, module_id)["__IMTCONN__"] == work.id
    assert picker(editor).combo.currentText() == "Work"  # the form follows the undo
    editor.document.undo_stack.undo()
    assert "__IMTCONN__" not in parameters(editor, module_id)
    assert picker(editor).combo.currentText() == NO_CONNECTION
    editor.document.undo_stack.redo()
    assert parameters(editor, module_id)["__IMTCONN__"] == work.id


def test_add_from_the_picker_selects_the_new_connection(window: MainWindow) -> None:
    editor, module_id = module_settings(window, "keyed:getMe")
    field = picker(editor)
    assert items(field.combo) == [NO_CONNECTION]
    click(field.add_button)
    form = field.form
    assert form is not None and form.isVisible()
    assert [t.key for t in form.types] == ["keyed:key"] and not form.type_combo.isEnabled()
    fill(form, "Fresh", apiKey="key-fresh-7f3a9c")
    click(form.save_button)
    assert not form.isVisible()
    [fresh] = window.connections.list()
    assert parameters(editor, module_id)["__IMTCONN__"] == fresh.id
    assert picker(editor).combo.currentText() == "Fresh"
    editor.document.undo_stack.undo()  # picking is undoable; the connection stays
    assert "__IMTCONN__" not in parameters(editor, module_id)
    assert items(picker(editor).combo) == [NO_CONNECTION, "Fresh"]


def test_an_imported_make_id_shows_as_its_connection(window: MainWindow) -> None:
    gist = window.connections.type_of("gist:apiKey")
    work = window.connections.add(gist, "Work", {"apiKey": "k-work-123456"}, make_id=4242)
    editor, module_id = module_settings(window, "gist:createUser")
    editor.document.set_field(module_id, "parameters", ("__IMTCONN__",), 4242)
    field = picker(editor)
    assert field.combo.currentText() == "Work"
    field.choose(work.id)  # the same connection: the export's id is kept
    assert parameters(editor, module_id)["__IMTCONN__"] == 4242
    editor.document.set_field(module_id, "parameters", ("__IMTCONN__",), 99)
    assert picker(editor).combo.currentText() == "Connection 99 (not in this workspace)"


def test_http_keychains_list_connections_of_their_kind(window: MainWindow) -> None:
    basic = window.connections.add(window.connections.type_of("http:basicauth"), "Login",
                                   {"username": "ada", "password": "pw-123456789"})
    window.connections.add(window.connections.type_of("http:apikeyauth"), "Key",
                           {"key": "k-123456789"})
    editor, module_id = module_settings(window, "http:ActionSendDataBasicAuth")
    field = picker(editor, "key")
    assert items(field.combo) == [NO_CONNECTION, "Login"]
    field.choose(basic.id)
    assert parameters(editor, module_id)["key"] == basic.id

    editor, module_id = module_settings(window, "http:MakeRequest")
    assert picker(editor, "apiKeyKeychain").type_key == "http:apikeyauth"
    assert items(picker(editor, "apiKeyKeychain").combo) == [NO_CONNECTION, "Key"]
    assert items(picker(editor, "basicAuthKeychain").combo) == [NO_CONNECTION, "Login"]
    # A data store is not a connection: it is picked from the workspace's data stores.
    editor, _ = module_settings(window, "datastore:AddRecord")
    assert isinstance(editor.settings.editor_for(  # type: ignore[attr-defined]
        "parameters", "datastore"), ResourcePicker)


def test_a_module_with_an_alternative_connection_offers_both_types(window: MainWindow) -> None:
    """Airtable's modules take its OAuth connection or, as Make's altConnection, a personal
    access token: the picker lists connections of both types and Add offers both."""
    connections = window.connections
    token = connections.add(connections.type_of("airtable:token"), "My token",
                            {"token": "pat-4f8e2a9c1b7d"})
    connections.add(window.connections.type_of("gist:apiKey"), "Gist", {"apiKey": "k-123456"})
    editor, module_id = module_settings(window, "airtable:ActionCreateRecord")
    field = picker(editor)
    assert field.type_keys == ["airtable:oauth", "airtable:token"]
    assert items(field.combo) == [NO_CONNECTION, "My token"]  # not Gist's
    field.choose(token.id)
    assert parameters(editor, module_id)["__IMTCONN__"] == token.id
    assert picker(editor).combo.currentText() == "My token"  # not "not a ... connection"

    click(field.add_button)
    form = field.form
    assert [t.key for t in form.types] == ["airtable:oauth", "airtable:token"]
    assert form.type_combo.isEnabled()
    form.reject()
