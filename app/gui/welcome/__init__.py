"""First run: the welcome screen in place of the empty tab area, and scenarios created from
the shipped templates.

`attach_welcome(window)` puts the page beside the window's tabs (a stacked central widget)
and shows it when the workspace has no scenario yet; Help ▸ Welcome screen brings it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QStackedWidget

from app.gui.welcome.create import create_from_template
from app.gui.welcome.page import WelcomePage
from app.templates import Template

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow

__all__ = ["Welcome", "WelcomePage", "attach_welcome", "create_from_template"]


class Welcome:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.action: QAction | None = None  # Help ▸ Welcome screen
        self.page = WelcomePage()
        self.page.new_requested.connect(window.new_scenario)
        self.page.import_requested.connect(window.workspace_panel.import_blueprint)
        self.page.template_chosen.connect(self.use)
        self.page.back_requested.connect(self.hide)
        window.workspace_panel.open_requested.connect(lambda _path: self.hide())
        window.takeCentralWidget()  # the tabs, kept: they go into the stack
        self.stack = QStackedWidget()
        self.stack.addWidget(window.tabs)
        self.stack.addWidget(self.page)
        window.setCentralWidget(self.stack)
        window.tabs.currentChanged.connect(lambda _i: self._tabs_changed())

    @property
    def shown(self) -> bool:
        return self.stack.currentWidget() is self.page

    def show(self) -> None:
        self.page.back_button.setVisible(self.window.tabs.count() > 0)
        self.stack.setCurrentWidget(self.page)
        self.page.list.setFocus()

    def hide(self) -> None:
        self.stack.setCurrentWidget(self.window.tabs)

    def show_if_first_run(self) -> bool:
        """On a workspace with no scenario yet (the first launch), the welcome screen."""
        first = not self.window.workspace_panel.scenario_files() and not self.window.editors()
        if first:
            self.show()
        return first

    def use(self, chosen: Template) -> None:
        if create_from_template(self.window, chosen) is not None:
            self.hide()

    def _tabs_changed(self) -> None:
        if self.window.tabs.count():  # a scenario opened (from here or elsewhere)
            self.hide()


def attach_welcome(window: MainWindow) -> Welcome:
    welcome = Welcome(window)
    help_menu = window.menuBar().addMenu("&Help")
    welcome.action = help_menu.addAction("&Welcome screen", welcome.show)
    welcome.action.setShortcut("F1")
    window.addAction(welcome.action)
    welcome.show_if_first_run()
    return welcome
