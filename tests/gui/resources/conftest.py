"""A real main window over an empty workspace, and its Data stores window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.resources import DataStoresWindow


@pytest.fixture
def window(qtbot: QtBot, workspace: Path) -> Iterator[MainWindow]:
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    yield win


@pytest.fixture
def stores(window: MainWindow) -> DataStoresWindow:
    view = next(a for a in window.menuBar().actions() if a.text() == "&View").menu()
    assert window.act_datastores in view.actions()
    window.act_datastores.trigger()
    found = window.datastores_window
    assert found is not None and found.isVisible()
    return found
