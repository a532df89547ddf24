"""The canvas without a mouse: select the next or previous module (in the order the flow
runs them, routes after their router), open the selected module's settings with the focus
in its first field. Run once already has its key (Ctrl+R); these join the Edit menu, where
their keys are listed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

if TYPE_CHECKING:
    from app.gui.editor import ScenarioEditor
    from app.gui.main_window import MainWindow

NEXT_KEY, PREVIOUS_KEY, SETTINGS_KEY = "Alt+Right", "Alt+Left", "Alt+Return"


def step(order: list[int], selected: list[int], by: int) -> int | None:
    """The module `by` places from the selected one (wrapping); the first (or last) when
    nothing is selected."""
    if not order:
        return None
    if len(selected) != 1 or selected[0] not in order:
        return order[0] if by > 0 else order[-1]
    return order[(order.index(selected[0]) + by) % len(order)]


def select_step(editor: ScenarioEditor, by: int) -> int | None:
    chosen = step(list(editor.document.graph().modules), editor.selection, by)
    if chosen is not None:
        editor.center_on_module(chosen)  # selects it and brings it into view
        editor.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
    return chosen


def open_settings(editor: ScenarioEditor) -> bool:
    """The selected module's settings, the focus in its first field (Tab moves on)."""
    if len(editor.selection) != 1:
        return False
    editor._on_activated(editor.selection[0])
    panel = editor.settings_dock.widget()
    panel.setFocus(Qt.FocusReason.ShortcutFocusReason)
    panel.focusNextChild()
    return True


def attach_keyboard_navigation(window: MainWindow) -> list[QAction]:
    def on_editor(work: object) -> None:
        editor = window.current_editor()
        if editor is not None:
            work(editor)  # type: ignore[operator]

    made = []
    for text, key, tip, work in (
        ("Select &next module", NEXT_KEY, "Select the module after the selected one",
         lambda e: select_step(e, 1)),
        ("Select pre&vious module", PREVIOUS_KEY, "Select the module before the selected one",
         lambda e: select_step(e, -1)),
        ("Open module settin&gs", SETTINGS_KEY, "Edit the selected module's fields",
         open_settings),
    ):
        action = QAction(text, window)
        action.setShortcut(QKeySequence(key))
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False, w=work: on_editor(w))
        window.addAction(action)
        made.append(action)
    edit = next((a.menu() for a in window.menuBar().actions() if a.text() == "&Edit"), None)
    if isinstance(edit, QMenu):
        edit.insertSeparator(window.act_find)
        for action in made:
            edit.insertAction(window.act_find, action)
    keys_in_tooltips(window)
    return made


def keys_in_tooltips(window: MainWindow) -> None:
    """A toolbar button's tooltip names its key, so hovering teaches it."""
    for toolbar in window.findChildren(QToolBar):
        for action in toolbar.actions():
            key = action.shortcut()
            shown = key.toString(QKeySequence.SequenceFormat.NativeText)
            tip = action.toolTip()  # its own words, else its text
            if shown and shown not in tip:
                action.setToolTip(f"{tip} ({shown})")
