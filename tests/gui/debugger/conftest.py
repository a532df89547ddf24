"""Fixtures for the debugger tests: a real main window and the shipped acceptance cases,
their HTTP modules pointed at a stub server the test starts on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.debugger import DebugSession
from app.gui.main_window import MainWindow

CASES = Path("/work/shared/acceptance/cases")
PLACEHOLDER_HOST = "https://stub.invalid"


def case_input(name: str, run: int = 0) -> dict[str, Any]:
    case = json.loads((CASES / name / "case.json").read_text())
    request: dict[str, Any] = case["runs"][run]["input"]
    return request


def write_case(name: str, folder: Path, stub_url: str) -> Path:
    text = (CASES / name / "blueprint.json").read_text().replace(PLACEHOLDER_HOST, stub_url)
    path = folder / f"{name}.blueprint.json"
    path.write_text(text)
    return path


@pytest.fixture
def window(qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[MainWindow]:
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Discard)
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    yield win  # qtbot closes it (the close prompt answers Discard)


@pytest.fixture
def open_case(window: MainWindow, tmp_path: Path) -> Callable[[str, str], DebugSession]:
    def opener(name: str, stub_url: str) -> DebugSession:
        editor = window.open_file(write_case(name, tmp_path, stub_url))
        assert editor is not None
        session: DebugSession = editor.debugger  # type: ignore[attr-defined]
        return session

    return opener
