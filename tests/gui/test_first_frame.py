"""`scenarist open` shows its window before reading the databases (issue #15: first window
≤ 1 s warm): what the first frame shows needs none of them, or reads them with sqlite3
alone. These check that the usual reads come just after that frame, and that what the
first frame shows from the workspace (its theme, the history list, the workspace list's
status lines; the Scenarios panel and the scheduling switch while scenarios are registered)
is already right in it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.theme import palette_for
from engine.runtime import Workspace, activate_file, save_setting

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "hello-world.json"


@pytest.fixture
def scenario(workspace: Path) -> Path:
    """The example in the workspace's list, run once (history.db and state.db exist)."""
    folder = workspace / "scenarios"
    folder.mkdir()
    path = folder / "Hello world.blueprint.json"
    shutil.copy(EXAMPLE, path)
    done = subprocess.run([sys.executable, "-m", "app", "run", str(path), "--data-dir",
                           str(workspace)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def light_again() -> Iterator[None]:
    yield
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setPalette(palette_for("light"))


def test_the_databases_are_read_just_after_the_first_frame(
        qtbot: QtBot, workspace: Path, scenario: Path) -> None:
    window = MainWindow(workspace, quick_start=True)
    qtbot.addWidget(window)
    editor = window.open_file(scenario)
    assert editor is not None
    history = editor.history  # type: ignore[attr-defined]
    assert window.first_frame.waiting
    assert history.panel.model.filter is None  # not read the usual way yet ...
    assert history.panel.model.rowCount() == 1  # ... but with sqlite3 alone
    assert history.panel.count.text() == "1 run"
    first = window.workspace_panel.list.item(0).text()  # read with sqlite3 alone
    assert first.startswith("Hello world\n○ OFF · ✓ success")
    assert window.background.dock.isHidden()  # no scenario registered: nothing to show

    window.show()  # the first paint lets the reads run
    qtbot.waitUntil(lambda: not window.first_frame.waiting, timeout=5000)
    assert history.panel.model.filter is not None  # read the usual way now
    assert history.panel.model.rowCount() == 1
    assert history.panel.count.text() == "1 run"
    assert window.workspace_panel.list.item(0).text() == first  # as the usual read has it
    assert window.background.dock.isHidden()

    # Later reads happen at once, as in a window built without quick_start.
    window.first_frame.later(lambda: setattr(window, "read_now", True))
    assert getattr(window, "read_now", False)


def test_without_quick_start_everything_is_read_at_once(
        qtbot: QtBot, workspace: Path, scenario: Path) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    editor = window.open_file(scenario)
    assert editor is not None and not window.first_frame.waiting
    assert editor.history.panel.model.rowCount() == 1  # type: ignore[attr-defined]
    assert window.workspace_panel.list.item(0).text().startswith("Hello world\n○ OFF")


def test_registered_scenarios_show_in_the_first_frame(
        qtbot: QtBot, workspace: Path, scenario: Path) -> None:
    activate_file(Workspace(workspace), scenario)
    window = MainWindow(workspace, quick_start=True)
    qtbot.addWidget(window)
    window.open_file(scenario)
    assert window.first_frame.waiting
    assert not window.background.reads_wait  # the runtime's state is read before the frame
    assert [s.name for s in window.background.panel.statuses] == ["Hello world"]
    assert not window.background.dock.isHidden()
    assert window.background.activation.switch.isChecked()  # ON in the toolbar
    assert window.workspace_panel.list.item(0).text().startswith("Hello world\n● ON · ✓")


def test_the_stored_theme_is_in_the_first_frame(
        qtbot: QtBot, workspace: Path, light_again: None) -> None:
    save_setting(Workspace(workspace).state, "theme", "dark")
    window = MainWindow(workspace, quick_start=True)
    qtbot.addWidget(window)
    assert window.first_frame.waiting
    assert "#1b1a22" in window.styleSheet()  # dark before anything was painted
