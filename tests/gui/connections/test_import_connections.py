"""Importing a Make export whose modules name connection ids of the Make account it came
from: the window asks, for each id, for a local connection of the right type (or a new one,
or none), records the mapping as `connections add --make-id` does, then opens the scenario;
the run finds the connection by the export's own id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.gui.connections.import_mapping import SKIP
from app.gui.main_window import MainWindow
from tests.connectors.test_gist import onboarding_blueprint
from tests.gui.connections.helpers import click, fill
from tests.support.fake_gist import FakeGist


def export(tmp_path: Path, connection: int) -> Path:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(onboarding_blueprint(connection)))
    return path


def test_an_unknown_connection_id_is_mapped_to_a_new_connection_and_the_run_finds_it(
        window: MainWindow, workspace: Path, tmp_path: Path, fake_gist: FakeGist,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = window.workspace_panel.import_blueprint(export(tmp_path, 7))
    assert target is not None and target.exists()
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible()
    assert window.editors() == []  # the scenario opens once the ids are answered
    [row] = dialog.rows
    assert row.reference.reference == "7" and row.reference.connection_type == "gist:apiKey"
    assert row.combo.currentText() == SKIP  # nothing of that type here yet
    assert [i for i, _ in row.reference.modules] == [1, 2, 3]

    click(row.new)
    form = dialog.form
    assert form is not None and [t.key for t in form.types] == ["gist:apiKey"]
    fill(form, "Work", apiKey=fake_gist.api_key, base_url=fake_gist.url)
    click(form.save_button)
    [work] = window.connections.list()
    assert work.make_ids == ["7"]  # recorded as `connections add --make-id 7` does
    assert row.combo.currentText() == "Work"
    dialog.apply()
    assert not dialog.isVisible()
    [editor] = window.editors()
    assert editor.document.path == target
    assert editor.document.node(1).parameters["__IMTCONN__"] == 7  # Make's id, kept as is

    fake_gist.add_contact(email="old@example.com", user_id=1, tags=["beta"])
    code = main(["run", str(target), "--report", "json", "--data-dir", str(workspace)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["status"] == "success"


async def test_an_existing_connection_is_picked_and_run_once_in_the_window_finds_it(
        window: MainWindow, tmp_path: Path, fake_gist: FakeGist) -> None:
    gist = window.connections.type_of("gist:apiKey")
    window.connections.add(gist, "Other", {"apiKey": "k-other-123456"})
    work = window.connections.add(gist, "Work", {"apiKey": fake_gist.api_key},
                                  base_url=fake_gist.url)
    window.workspace_panel.import_blueprint(export(tmp_path, 4242))
    dialog = window.import_dialog
    assert dialog is not None
    row = dialog.row("4242")
    assert [row.combo.itemText(i) for i in range(row.combo.count())] == [SKIP, "Other", "Work"]
    dialog.choose("4242", work.id)
    dialog.apply()
    assert window.connections.resolve(4242).id == work.id  # type: ignore[union-attr]

    editor = window.current_editor()
    assert editor is not None
    session = editor.debugger  # type: ignore[attr-defined]
    window.run_once()
    result = await session.wait()
    assert result is not None and result.status == "success", result
    assert {r.headers["authorization"] for r in fake_gist.requests} == {
        f"Bearer {fake_gist.api_key}"}


def test_a_skipped_id_opens_the_scenario_and_the_run_names_it(
        window: MainWindow, workspace: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = window.workspace_panel.import_blueprint(export(tmp_path, 99))
    dialog = window.import_dialog
    assert dialog is not None
    dialog.reject()  # "Skip all"
    assert len(window.editors()) == 1 and window.connections.list() == []
    code = main(["run", str(target), "--data-dir", str(workspace)])
    out, err = capsys.readouterr()
    assert code != 0 and "uses connection 99, which is not in this workspace" in out + err


def test_an_import_whose_connections_are_known_opens_at_once(
        window: MainWindow, tmp_path: Path) -> None:
    gist = window.connections.type_of("gist:apiKey")
    window.connections.add(gist, "Work", {"apiKey": "k-work-123456"}, make_id=5)
    window.workspace_panel.import_blueprint(export(tmp_path, 5))
    assert window.import_dialog is None and len(window.editors()) == 1


def test_an_airtable_export_can_be_mapped_to_a_personal_access_token(
        window: MainWindow, tmp_path: Path) -> None:
    """Airtable's modules declare OAuth with a personal access token as the alternative
    (Make's altConnection): an export's id may be answered with either."""
    token = window.connections.add(window.connections.type_of("airtable:token"), "My token",
                                   {"token": "pat-4f8e2a9c1b7d"})
    window.connections.add(window.connections.type_of("gist:apiKey"), "Gist",
                           {"apiKey": "k-other-123456"})
    path = tmp_path / "airtable.json"
    path.write_text(json.dumps({"name": "Leads", "flow": [
        {"id": 1, "module": "airtable:ActionCreateRecord",
         "parameters": {"__IMTCONN__": 991}, "mapper": {}}]}))
    window.workspace_panel.import_blueprint(path)
    dialog = window.import_dialog
    assert dialog is not None
    [row] = dialog.rows
    assert row.reference.accepted == ["airtable:oauth", "airtable:token"]
    assert [row.combo.itemText(i) for i in range(row.combo.count())] == [SKIP, "My token"]
    assert row.combo.currentData() == token.id
    dialog.apply()
    assert window.connections.resolve(991).id == token.id
