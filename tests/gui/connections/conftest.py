"""A real main window over a workspace with two small apps (`keyed`: an API key checked by
its service; `oauthy`: OAuth 2.0) beside the shipped Gist app, an in-memory keyring, and the
local fakes of their services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from tests.connections.apps import Api, keyed_app, oauth_app, serve_api
from tests.support import fake_gist as gist_support

fake_gist = gist_support.fake_gist


@pytest.fixture
def window(qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[MainWindow]:
    keyed_app(workspace / "apps")
    oauth_app(workspace / "apps")
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Discard)
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    yield win


@pytest.fixture
def api() -> Iterator[Api]:
    with serve_api() as running:
        yield running
