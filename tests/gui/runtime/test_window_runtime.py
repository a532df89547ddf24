"""The window runs the workspace's scenarios in the background: switched on from the
toolbar, listed in the Scenarios panel with their webhook URL, run by real HTTP requests,
shown in History as they finish, switched off from the panel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.runtime.panel import HOOK, LAST, NEXT, SCHEDULE
from engine.runtime import Workspace, activate_file, parse_schedule_option
from engine.runtime.registry import find
from tests.gui.debugger.helpers import until
from tests.gui.runtime.conftest import greeter, hosting, write


async def post(url: str, payload: dict[str, object]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(url, json=payload)


async def test_switched_on_from_the_toolbar_a_post_runs_it_and_history_shows_it(
    qtbot: QtBot, new_window: Callable[[], MainWindow], workspace: Path
) -> None:
    path = write(workspace, greeter())
    window = new_window()
    editor = window.open_file(path)
    assert editor is not None
    history = editor.history.panel  # type: ignore[attr-defined]
    async with hosting(window) as host:
        assert host.owned and host.port
        controls = window.background.activation
        assert not controls.switch.isChecked()
        qtbot.mouseClick(controls.switch, Qt.MouseButton.LeftButton)
        await until(lambda: controls.dialog is not None)
        dialog = controls.dialog
        assert dialog is not None
        assert dialog.kind.currentData() == "immediately"  # a webhook runs as data arrives
        dialog.accept()
        assert await controls.task is True
        assert controls.switch.isChecked()
        assert controls.schedule_button.text() == "Immediately, as data arrives"

        panel = window.background.panel
        assert panel.names() == ["Greeter"]
        assert panel.switch("Greeter").isChecked()
        url = panel.text("Greeter", HOOK)
        assert url.startswith(f"http://127.0.0.1:{host.port}/hook/")
        assert panel.text("Greeter", SCHEDULE) == "Immediately, as data arrives"
        assert panel.text("Greeter", NEXT) == "as data arrives"
        assert history.model.total == 0

        assert host.runtime is not None
        await until(lambda: host.runtime.runnable("Greeter") is not None)  # type: ignore[union-attr]
        answer = await post(url, {"name": "Ada"})
        assert (answer.status_code, answer.text) == (200, "Accepted")
        await until(lambda: history.model.total == 1)  # refreshed when the run was recorded
        assert history.model.data(history.model.index(0, 5)) == "webhook"
        panel.refresh()
        assert panel.text("Greeter", LAST).startswith("✓ success")
        finished = host.recent[0].finished
        assert (finished.scenario, finished.status, finished.operations) == (
            "Greeter", "success", 3)


async def test_the_panel_switch_turns_a_scenario_off_in_state_db(
    qtbot: QtBot, new_window: Callable[[], MainWindow], workspace: Path
) -> None:
    ws = Workspace(workspace)
    activate_file(ws, write(workspace, greeter()))
    window = new_window()
    async with hosting(window):
        panel = window.background.panel
        switch = panel.switch("Greeter")
        assert switch.isChecked()
        qtbot.mouseClick(switch, Qt.MouseButton.LeftButton)
        assert await window.background.activation.task is True
        entry = find(ws.state, "Greeter")
        assert entry is not None and not entry.active
        assert not panel.switch("Greeter").isChecked()
        assert panel.text("Greeter", NEXT) == "off"

        qtbot.mouseClick(panel.switch("Greeter"), Qt.MouseButton.LeftButton)  # back ON
        assert await window.background.activation.task is True
        entry = find(ws.state, "Greeter")
        assert entry is not None and entry.active
        assert panel.switch("Greeter").isChecked()


async def test_a_scheduled_scenario_shows_its_next_run(
    new_window: Callable[[], MainWindow], workspace: Path
) -> None:
    blueprint = {"name": "Ticker", "flow": [
        {"id": 1, "module": "util:ComposeTransformer", "mapper": {"value": "tick"}}],
        "metadata": {"scenario": {"roundtrips": 1, "maxErrors": 3}}}
    activate_file(Workspace(workspace), write(workspace, blueprint),
                  schedule=parse_schedule_option("every 15m"))
    window = new_window()
    async with hosting(window):
        panel = window.background.panel
        await until(lambda: (panel.refresh(), panel.text("Ticker", NEXT))[1] not in (
            "—", ""))
        assert panel.text("Ticker", SCHEDULE) == "Every 15 minutes"
        assert ":" in panel.text("Ticker", NEXT)  # a time, planned by the runtime
        assert panel.text("Ticker", HOOK) == ""


async def test_a_blueprint_with_problems_is_not_switched_on_and_says_why(
    qtbot: QtBot, new_window: Callable[[], MainWindow], workspace: Path
) -> None:
    broken = greeter("Broken")
    broken["flow"][2]["module"] = "nosuchapp:Nothing"
    window = new_window()
    editor = window.open_file(write(workspace, broken))
    assert editor is not None and editor.document.problems()
    async with hosting(window) as host:
        controls = window.background.activation
        qtbot.mouseClick(controls.switch, Qt.MouseButton.LeftButton)
        assert await controls.task is False
        warning = controls.warning
        assert warning is not None and warning.isVisible()
        assert "“Broken” has problems" in warning.text()
        assert "nosuchapp:Nothing" in warning.text()
        warning.close()
        assert host.statuses() == []
        assert not controls.switch.isChecked()


async def test_unsaved_changes_are_saved_first_when_asked(
    qtbot: QtBot, new_window: Callable[[], MainWindow], workspace: Path
) -> None:
    path = write(workspace, greeter())
    window = new_window()
    editor = window.open_file(path)
    assert editor is not None
    editor.document.move_modules({3: (777.0, 55.0)})
    assert editor.document.dirty
    async with hosting(window) as host:
        controls = window.background.activation
        qtbot.mouseClick(controls.switch, Qt.MouseButton.LeftButton)
        asked = await _question(window)
        assert "Save it now?" in asked.text()
        qtbot.mouseClick(asked.button(QMessageBox.StandardButton.Save),
                         Qt.MouseButton.LeftButton)
        await until(lambda: controls.dialog is not None)
        controls.dialog.accept()  # type: ignore[union-attr]
        assert await controls.task is True
        assert not editor.document.dirty
        saved = json.loads(path.read_text())["flow"][2]["metadata"]["designer"]
        assert (saved["x"], saved["y"]) == (777, 55)
        assert [s.name for s in host.statuses() if s.active] == ["Greeter"]


async def test_declining_to_save_leaves_the_scenario_off(
    qtbot: QtBot, new_window: Callable[[], MainWindow], workspace: Path
) -> None:
    window = new_window()
    editor = window.open_file(write(workspace, greeter()))
    assert editor is not None
    editor.document.move_modules({3: (777.0, 55.0)})
    async with hosting(window) as host:
        controls = window.background.activation
        qtbot.mouseClick(controls.switch, Qt.MouseButton.LeftButton)
        asked = await _question(window)
        qtbot.mouseClick(asked.button(QMessageBox.StandardButton.Cancel),
                         Qt.MouseButton.LeftButton)
        assert await controls.task is False
        assert editor.document.dirty
        assert host.statuses() == []


async def _question(window: MainWindow) -> QMessageBox:
    def shown() -> QMessageBox | None:
        return next((box for box in window.findChildren(QMessageBox) if box.isVisible()), None)

    await until(shown)
    box = shown()
    assert box is not None
    await asyncio.sleep(0)
    return box
