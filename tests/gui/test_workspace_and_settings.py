"""The window around the canvas as a Make user expects it: scenario settings, each scenario's
status in the workspace list, tabs and recent files that come back, a toolbar that stays put.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QToolBar, QToolButton
from pytestqt.qtbot import QtBot

from app.gui.debugger import DebugSession
from app.gui.main_window import MainWindow
from app.gui.scenario_settings import NUMBERS, SWITCHES
from engine.runtime import Workspace, activate_file
from tests.gui.debugger.helpers import until


@pytest.fixture
def window(qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[MainWindow]:
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Discard)
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    yield win


def test_scenario_settings_dialog_has_every_make_setting_in_one_undo_step(
        window: MainWindow) -> None:
    editor = window.new_scenario()
    window.act_scenario_settings.trigger()
    dialog = window.scenario_settings_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    labels = {box.text() for box in dialog.switches.values()}
    assert labels == {"Sequential processing", "Data is confidential",
                      "Allow storing of incomplete executions", "Enable data loss",
                      "Auto commit", "Commit trigger last"}
    assert set(dialog.numbers) == {"roundtrips", "maxErrors"}
    assert len(SWITCHES) + len(NUMBERS) == 8
    dialog.switches["dlq"].click()
    dialog.switches["sequential"].click()
    dialog.numbers["roundtrips"].setValue(3)
    dialog.numbers["maxErrors"].setValue(7)
    steps = editor.document.undo_stack.count()
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    settings = editor.document.blueprint.metadata.scenario
    assert (settings.dlq, settings.sequential, settings.roundtrips, settings.maxErrors) == (
        True, True, 3, 7)
    assert editor.document.undo_stack.count() == steps + 1
    window.act_undo.trigger()
    assert (settings.dlq, settings.sequential, settings.roundtrips) == (False, False, 1)


async def test_workspace_list_shows_status_and_last_run(window: MainWindow,
                                                        workspace: Path) -> None:
    editor = window.new_scenario()
    path = editor.document.path
    assert path is not None
    editor.document.add_module("util:SetVariable2", 0, 0)
    editor.document.set_field(1, "mapper", ("name",), "greeting")
    editor.document.set_field(1, "mapper", ("value",), "hello")
    window.save()
    panel = window.workspace_panel
    assert panel.state_text(path) == "○ OFF · no runs yet"
    session: DebugSession = editor.debugger  # type: ignore[attr-defined]
    window.act_run_once.trigger()
    await session.wait()
    await until(lambda: "✓ success" in panel.state_text(path))
    activate_file(Workspace.of(workspace), path)
    panel.refresh_states()
    assert panel.state_text(path).startswith("● ON · ✓ success")
    assert panel.names() == [path.name.removesuffix(".blueprint.json")]


def test_open_tabs_and_recent_files_come_back(qtbot: QtBot, window: MainWindow,
                                              workspace: Path) -> None:
    first = window.new_scenario()
    second = window.new_scenario()
    assert first.document.path is not None and second.document.path is not None
    window.tabs.setCurrentWidget(first)
    window.discard_and_close()

    again = MainWindow(workspace)
    qtbot.addWidget(again)
    assert again.restore_session() == 2
    assert [e.document.path for e in again.editors()] == [first.document.path,
                                                          second.document.path]
    current = again.current_editor()
    assert current is not None and current.document.path == first.document.path
    assert set(again.recent_files()) == {first.document.path, second.document.path}
    again._fill_recent_menu()
    texts = [a.text() for a in again.recent_menu.actions()]
    assert first.document.path.name.removesuffix(".blueprint.json") in texts
    again.discard_and_close()


def test_the_toolbar_does_not_move_when_the_undo_label_changes(window: MainWindow) -> None:
    toolbar = window.findChild(QToolBar, "main_toolbar")
    assert toolbar is not None
    editor = window.new_scenario()
    button = toolbar.widgetForAction(window.act_run_once)
    assert isinstance(button, QToolButton)
    before = button.x()
    editor.document.add_module("util:SetVariable2", 0, 0)
    editor.document.set_field(1, "mapper", ("name",), "a long variable name for the label")
    assert "Undo" in window.act_undo.text() and window.act_undo.text() != "&Undo"
    assert window.act_undo_tool.text() == "Undo" and window.act_undo_tool.isEnabled()
    assert "Variable name" in window.act_undo_tool.toolTip() or "Edit" in \
        window.act_undo_tool.toolTip()
    toolbar.layout().activate()
    assert button.x() == before
    window.act_undo_tool.trigger()
    assert editor.document.node(1).mapper.get("name") is None
