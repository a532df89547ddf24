"""The window's look: light (Make's), dark, or the desktop's choice (`system`), applied to
the running app at once. The canvas stays a light sheet in every theme: its modules, labels
and links are drawn in Make's colours, made for a light background."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

LIGHT_STYLE = """
QMainWindow { background: #fafafc; }
QTabBar::tab:selected { color: #6d00cc; }
QToolBar { spacing: 4px; border: none; }
QDockWidget::title { padding: 4px; background: #f1ecf8; color: #3d0073; }
"""
DARK_STYLE = """
QMainWindow { background: #1b1a22; }
QTabBar::tab:selected { color: #c9a3ff; }
QToolBar { spacing: 4px; border: none; }
QDockWidget::title { padding: 4px; background: #2b2838; color: #e2d4ff; }
"""

_DARK = {
    "Window": "#24222d", "WindowText": "#e8e6f0", "Base": "#1b1a22",
    "AlternateBase": "#2b2838", "Text": "#e8e6f0", "Button": "#2e2b3a",
    "ButtonText": "#e8e6f0", "Highlight": "#8a3ffc", "HighlightedText": "#ffffff",
    "ToolTipBase": "#2e2b3a", "ToolTipText": "#e8e6f0", "Link": "#c9a3ff",
    "PlaceholderText": "#8d8a9c", "BrightText": "#ffffff", "Light": "#3a3648",
    "Midlight": "#322f3f", "Mid": "#2a2734", "Dark": "#15141a", "Shadow": "#000000",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for name, colour in _DARK.items():
        palette.setColor(getattr(QPalette.ColorRole, name), QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(disabled, role, QColor("#6c6979"))
    return palette


def effective(theme: str) -> str:
    """`light` or `dark`: what `system` means on this desktop now."""
    if theme != "system":
        return "dark" if theme == "dark" else "light"
    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def palette_for(theme: str) -> QPalette:
    if effective(theme) == "dark":
        return dark_palette()
    from app.gui.application import light_palette  # the app's start-up palette

    return light_palette()


def apply_theme(window: QWidget, theme: str) -> None:
    """Repaint the app in `theme` (the palette is the application's: dialogs follow)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setPalette(palette_for(theme))
    window.setStyleSheet(DARK_STYLE if effective(theme) == "dark" else LIGHT_STYLE)
    window.update()


class SystemThemeFollower(QObject):
    """With the `system` theme, the window follows the desktop switching light and dark
    (a child of the window: the connection ends with it)."""

    def __init__(self, window: QWidget, theme: Callable[[], str]) -> None:
        super().__init__(window)
        self.window, self.theme = window, theme
        QGuiApplication.styleHints().colorSchemeChanged.connect(self.follow)

    def follow(self, _scheme: object = None) -> None:
        if self.theme() == "system":
            apply_theme(self.window, "system")
