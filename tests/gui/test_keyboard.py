"""The window by keyboard alone: every toolbar button has a key, listed in the menus, and a
template can be opened, walked through, edited and run once without the mouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QToolBar, QWidgetAction
from pytestqt.qtbot import QtBot

from app.gui.keyboard_nav import step
from app.gui.main_window import MainWindow
from tests.gui.debugger.helpers import bubble_counts, until


@pytest.fixture
def window(qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Discard)
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    win.activateWindow()
    return win


def menu_shortcuts(window: MainWindow) -> dict[str, str]:
    """Each menu item's text (without its mnemonic) and the key shown beside it."""
    found: dict[str, str] = {}

    def walk(menu: QMenu) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu())  # type: ignore[arg-type]
            elif not action.shortcut().isEmpty():
                found[action.text().replace("&", "")] = action.shortcut().toString()

    for top in window.menuBar().actions():
        if isinstance(top.menu(), QMenu):
            walk(top.menu())  # type: ignore[arg-type]
    return found


def test_every_toolbar_action_has_a_key_listed_in_the_menus(window: MainWindow) -> None:
    listed = menu_shortcuts(window)
    missing = []
    for toolbar in window.findChildren(QToolBar):
        for action in toolbar.actions():
            if action.isSeparator():
                continue
            # The Scheduling switch is Background ▸ Schedule…; Undo and Redo buttons keep a
            # short label, the menu's says what would be undone.
            text = ("Schedule…" if isinstance(action, QWidgetAction)
                    else action.text().replace("&", ""))
            if not any(name == text or name.startswith(f"{text} ") for name in listed):
                missing.append(text)
    assert not missing, f"toolbar actions without a key in the menus: {missing}"
    assert listed["▶ Run once"] == "Ctrl+R"
    assert window.act_run_once.toolTip() == "▶ Run once (Ctrl+R)"  # hovering teaches the key


def test_next_and_previous_wrap_and_start_from_either_end() -> None:
    assert step([1, 2, 3], [], 1) == 1
    assert step([1, 2, 3], [], -1) == 3
    assert step([1, 2, 3], [3], 1) == 1
    assert step([1, 2, 3], [2], -1) == 1
    assert step([], [], 1) is None


async def test_a_template_opened_walked_and_run_once_by_keyboard_alone(
        window: MainWindow) -> None:
    welcome = window.welcome.page
    assert welcome.list.hasFocus() or QApplication.focusWidget() is None
    QTest.keyClick(welcome.list, Qt.Key.Key_Return)  # the first template: no account needed
    editor = window.current_editor()
    assert editor is not None

    for expected in (1, 2, 3):
        QTest.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
        assert editor.selection == [expected]
    QTest.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert editor.selection == [2]
    QTest.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    settings = editor.settings
    assert editor.settings_dock.isVisible() and settings.module_id == 2  # type: ignore[attr-defined]
    focused = QApplication.focusWidget()
    assert focused is not None and settings.isAncestorOf(focused)  # typing goes to a field

    QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    session = window.debugger()
    assert session is not None
    await until(lambda: session.state == "finished")
    assert bubble_counts(session) == {1: "1", 2: "1", 3: "3", 4: "1", 5: "1"}


def test_keys_never_clash(window: MainWindow) -> None:
    seen: dict[str, str] = {}
    clashes = []
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            name = key.toString()
            if name in seen and seen[name] != action.text():
                clashes.append(f"{name}: {seen[name]} / {action.text()}")
            seen[name] = action.text()
    assert not clashes
