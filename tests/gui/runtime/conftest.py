"""A real main window hosting the workspace's runtime on a free port (the `port` setting 0),
with real blueprints in the workspace and real HTTP to its webhooks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.runtime import RuntimeHost
from engine.runtime import Workspace, save_setting


def greeter(name: str = "Greeter", extra: list[dict[str, Any]] | None = None,
            max_errors: int = 3) -> dict[str, Any]:
    """Webhook -> Set variable -> Compose text (+ `extra`)."""
    return {
        "name": name,
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"hook": 7}},
            {"id": 2, "module": "util:SetVariable2",
             "mapper": {"name": "who", "scope": "roundtrip", "value": "{{1.name}}"}},
            {"id": 3, "module": "util:ComposeTransformer",
             "mapper": {"value": "Hello {{2.who}}"}},
            *(extra or []),
        ],
        "metadata": {"scenario": {"roundtrips": 1, "maxErrors": max_errors}},
    }


def failing(name: str = "Parser", max_errors: int = 3) -> dict[str, Any]:
    """Webhook -> Parse JSON of the request's `text`: fails on anything but JSON."""
    return {
        "name": name,
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "parameters": {}},
            {"id": 2, "module": "json:ParseJSON", "mapper": {"json": "{{1.text}}"}},
        ],
        "metadata": {"scenario": {"roundtrips": 1, "maxErrors": max_errors}},
    }


def write(workspace: Path, blueprint: dict[str, Any]) -> Path:
    folder = workspace / "scenarios"
    folder.mkdir(exist_ok=True)
    path = folder / f"{blueprint['name']}.blueprint.json"
    path.write_text(json.dumps(blueprint))
    return path


@pytest.fixture
def free_port(workspace: Path) -> None:
    """Webhooks on any free port (the default 8765 may be taken, and tests run in parallel)."""
    save_setting(Workspace(workspace).state, "port", 0)


@pytest.fixture
def app_decides_when_to_quit() -> Iterator[None]:
    """As in the app (application.run_app): closing the last window must not stop the loop
    under the test; the window decides when the app ends."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    yield
    app.setQuitOnLastWindowClosed(True)


@pytest.fixture
def new_window(qtbot: QtBot, workspace: Path, free_port: None, app_decides_when_to_quit: None,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Windows on the workspace; qtbot closes them, discarding (nothing is left to ask)."""
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Discard)

    def make() -> MainWindow:
        win = MainWindow(workspace)
        qtbot.addWidget(win)
        win.resize(1400, 900)
        win.show()
        return win

    yield make


@asynccontextmanager
async def hosting(window: MainWindow) -> AsyncIterator[RuntimeHost]:
    """The window's runtime, started, and stopped at the end whatever happened."""
    await window.background.start()
    try:
        yield window.background.host
    finally:
        await window.background.host.stop()
