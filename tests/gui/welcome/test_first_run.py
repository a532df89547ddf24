"""First run as a new user meets it: the welcome screen on an empty workspace, a template
opened on the canvas, and Run once showing operation counts with no account at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.templates import FIRST_SCENARIO
from tests.gui.debugger.helpers import bubble_counts, until


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Discard)


def launch(qtbot: QtBot, workspace: Path) -> MainWindow:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    return window


def test_the_welcome_screen_greets_a_new_workspace_and_not_a_used_one(
        qtbot: QtBot, workspace: Path) -> None:
    first = launch(qtbot, workspace)
    page = first.welcome.page
    assert first.welcome.shown and page.isVisible()
    assert page.current() is not None and page.current().slug == FIRST_SCENARIO
    assert "Export Blueprint" in page.findChild(type(page.description),
                                                "make_export_guide").text()
    qtbot.mouseClick(page.use_button, Qt.MouseButton.LeftButton)
    assert not first.welcome.shown and first.tabs.isVisible()
    first.close()

    again = launch(qtbot, workspace)  # the workspace has a scenario now
    assert not again.welcome.shown
    again.welcome.action.trigger()  # Help ▸ Welcome screen brings it back
    assert again.welcome.page.isVisible() and not again.welcome.page.back_button.isVisible()
    again.workspace_panel.open_requested.emit(again.workspace_panel.scenario_files()[0])
    assert not again.welcome.shown and again.tabs.count() == 1
    again.welcome.action.trigger()
    back = again.welcome.page.back_button
    assert back.isVisible()  # a scenario is open behind the page: one click returns to it
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert not again.welcome.shown and again.current_editor() is not None


def test_a_template_opens_on_the_canvas_as_a_saved_scenario(
        qtbot: QtBot, workspace: Path) -> None:
    window = launch(qtbot, workspace)
    page = window.welcome.page
    page.select("iterator-aggregator")
    assert "Iterator" in page.description.text()
    assert '"items"' in page.sample.toPlainText()  # the sample payload it is tried with
    qtbot.mouseClick(page.use_button, Qt.MouseButton.LeftButton)
    editor = window.current_editor()
    assert editor is not None and editor.document.name == "Iterator and Aggregator"
    assert sorted(editor.canvas.modules) == [1, 2, 3, 4, 5]
    assert editor.document.path is not None and editor.document.path.parent == (
        workspace / "scenarios")
    assert not editor.document.dirty and not editor.document.problems()


async def test_run_once_on_the_no_account_example_shows_operation_counts(
        qtbot: QtBot, workspace: Path) -> None:
    window = launch(qtbot, workspace)
    qtbot.mouseClick(window.welcome.page.use_button, Qt.MouseButton.LeftButton)
    session = window.debugger()
    assert session is not None
    window.act_run_once.trigger()  # no trigger module: it runs at once, no dialog
    await until(lambda: session.state == "finished")
    assert bubble_counts(session) == {1: "1", 2: "1", 3: "3", 4: "1", 5: "1"}
    assert session.controller.record.status == "success"
    assert "7 operations" in window.run_status.text()


async def test_a_webhook_template_runs_with_its_sample_payload(
        qtbot: QtBot, workspace: Path) -> None:
    window = launch(qtbot, workspace)
    window.welcome.page.select("webhook-api-endpoint")
    window.welcome.page.use_current()
    session = window.debugger()
    assert session is not None
    window.act_run_once.trigger()
    await until(lambda: session.wait_dialog is not None and session.wait_dialog.isVisible())
    dialog = session.wait_dialog
    assert dialog is not None and "test@example.com" in dialog.payload.toPlainText()
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    await session.wait()
    assert bubble_counts(session) == {1: "1", 2: "1"}
    assert session.controller.record.status == "success"
