"""Edit ▸ Settings: the app's settings, stored in the workspace (engine.runtime.settings) and
applied as they change: the theme repaints, the webhook server moves to the new port or
binding, a shorter history is pruned at once, start at login writes or removes its entry.
The workspace folder itself is remembered per user (engine.store.workspace) and opens from
the next start: this window's runs, tabs and connections belong to the one it has.

Each field saves itself (no OK button, as desktop preferences do); a value the workspace
refuses is shown under the fields with what to do instead.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from app.gui.theme import SystemThemeFollower, apply_theme
from engine.store.peek import stored_setting

if TYPE_CHECKING:  # the dialog's modules (SQLAlchemy among them) load when it first opens
    from app.gui.main_window import MainWindow
    from engine.runtime.settings import RuntimeSettings

THEME_LABELS = {"light": "Light", "dark": "Dark", "system": "Same as the system"}
DEFAULT_THEME = "light"  # RuntimeSettings' default
LAN_BINDING = "0.0.0.0"  # engine.runtime.settings.LAN_HOST
BINDINGS = {"127.0.0.1": "This computer only (127.0.0.1)",
            LAN_BINDING: "Every network interface (0.0.0.0)"}


class AppSettingsDialog(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.host = window.background.host
        self.setWindowTitle("Settings")
        self.task: asyncio.Task[Any] | None = None  # a webhook rebind under way
        settings = self.host.settings()
        form = QFormLayout()

        self.theme = QComboBox()
        for key, label in THEME_LABELS.items():
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        self.theme.currentIndexChanged.connect(lambda _i: self.set_theme(self.theme.currentData()))
        form.addRow("Theme", self.theme)

        where = QHBoxLayout()
        self.workspace = QLabel(str(window.workspace))
        self.workspace.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.workspace.setToolTip("Scenarios, connections, history and these settings live "
                                  "in this folder.")
        self.workspace.setWordWrap(True)
        where.addWidget(self.workspace, 1)
        self.change_workspace_button = QPushButton("Change…")
        self.change_workspace_button.clicked.connect(lambda: self.change_workspace())
        where.addWidget(self.change_workspace_button)
        form.addRow("Workspace", where)
        self.next_workspace = QLabel("")
        self.next_workspace.setWordWrap(True)
        form.addRow("", self.next_workspace)
        self._show_next_workspace()

        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText("any free port")
        self.port.setValue(settings.port)
        self.port.setKeyboardTracking(False)  # applied once the number is complete
        self.port.valueChanged.connect(lambda value: self.set_listen("port", value))
        form.addRow("Webhook port", self.port)
        self.binding = QComboBox()
        for key, label in BINDINGS.items():
            self.binding.addItem(label, key)
        if self.binding.findData(settings.host) < 0:
            self.binding.addItem(settings.host, settings.host)
        self.binding.setCurrentIndex(self.binding.findData(settings.host))
        self.binding.currentIndexChanged.connect(
            lambda _i: self.set_listen("host", self.binding.currentData()))
        form.addRow("Webhooks listen on", self.binding)

        self.history_days = QSpinBox()
        self.history_days.setRange(0, 3650)
        self.history_days.setSuffix(" days")
        self.history_days.setSpecialValueText("no age limit")
        self.history_days.setValue(settings.history_days)
        self.history_days.setKeyboardTracking(False)  # never prune on a half-typed number
        self.history_days.valueChanged.connect(self.set_history_days)
        form.addRow("Keep run history", self.history_days)

        self.start_at_login = QCheckBox("Start Scenarist at login (in the tray)")
        self.start_at_login.setChecked(settings.start_at_login)
        self.start_at_login.toggled.connect(window.background.set_start_at_login)
        form.addRow("", self.start_at_login)
        self.notifications = QCheckBox("Notify me when a background run fails")
        self.notifications.setChecked(settings.notifications)
        self.notifications.toggled.connect(lambda on: self.save("notifications", on))
        form.addRow("", self.notifications)

        self.timezone = QComboBox()
        from zoneinfo import available_timezones

        from engine.runtime.settings import local_zone_name

        self.timezone.addItem(f"This computer's ({local_zone_name()})", None)
        for zone in sorted(available_timezones()):
            self.timezone.addItem(zone, zone)
        self.timezone.setCurrentIndex(max(0, self.timezone.findData(settings.timezone)))
        self.timezone.currentIndexChanged.connect(
            lambda _i: self.save("timezone", self.timezone.currentData()))
        form.addRow("Default time zone", self.timezone)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("settings_status")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        self.close_button: QPushButton = buttons.button(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    # ------------------------------------------------------------------ saving

    def save(self, key: str, value: Any) -> RuntimeSettings | None:
        from engine.runtime import SettingsError

        try:
            settings = self.host.save_setting(key, value)
        except SettingsError as exc:
            self.say(f"⚠ {exc}", problem=True)
            return None
        self.say("")
        return settings

    def say(self, text: str, problem: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #c0392b;" if problem else "")
        if text:
            (self.window_.show_error if problem else self.window_.show_message)(
                text.removeprefix("⚠ "))

    def set_theme(self, theme: str) -> None:
        if self.save("theme", theme) is not None:
            apply_theme(self.window_, theme)

    def set_listen(self, key: str, value: Any) -> None:
        settings = self.save(key, value)
        if settings is None:
            return
        warnings = settings.warnings()
        if warnings:
            self.say(f"Note: {warnings[0]}")
        if self.host.owned:  # else the runtime listens there when it starts
            self.task = asyncio.ensure_future(self._rebind(settings))

    async def _rebind(self, settings: RuntimeSettings) -> None:
        try:
            port = await self.host.rebind()
        except OSError as exc:
            self.say(f"⚠ Webhooks cannot listen on {settings.host}:{settings.port} "
                     f"({exc.strerror or exc}): choose another port. They still listen on "
                     f"the previous one.", problem=True)
            return
        if port is not None:
            self.window_.show_message(f"Webhooks now listen on {settings.host}:{port}")

    def change_workspace(self, folder: Path | None = None) -> None:
        """The workspace of the next starts (this window keeps its own: its runs, open tabs
        and connections belong to it)."""
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self, "Workspace folder",
                                                      str(self.window_.workspace))
            if not chosen:
                return
            folder = Path(chosen)
        from engine.store.workspace import choose_workspace, default_workspace

        try:
            choose_workspace(None if folder.resolve() == default_workspace().resolve()
                             else folder)
        except OSError as exc:
            self.say(f"⚠ Cannot remember {folder}: {exc.strerror or exc}", problem=True)
            return
        self._show_next_workspace()

    def _show_next_workspace(self) -> None:
        from engine.store.workspace import HOME_ENV, chosen_workspace, default_workspace

        current = self.window_.workspace.resolve()
        following = (chosen_workspace() or default_workspace()).resolve()
        if os.environ.get(HOME_ENV):
            text = (f"SCENARIST_HOME is set ({os.environ[HOME_ENV]}): it decides the "
                    "workspace while it is.")
        elif following != current:
            text = f"From the next start, Scenarist opens {following}."
        else:
            text = ""
        self.next_workspace.setText(text)
        self.next_workspace.setVisible(bool(text))

    def set_history_days(self, days: int) -> None:
        if self.save("history_days", days) is None:
            return
        from engine.history.retention import prune_workspace

        removed = prune_workspace(self.window_.workspace)
        if removed:
            self.say(f"Removed {removed} run{'' if removed == 1 else 's'} older than "
                     f"{days} days from the history")


def attach_app_settings(window: MainWindow) -> None:
    """Edit ▸ Settings… (Ctrl+,; the application menu's Preferences on macOS); the stored
    theme applies now."""
    from PySide6.QtGui import QAction, QKeySequence

    action = QAction("S&ettings…", window)
    action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Preferences),
                         QKeySequence("Ctrl+,")])
    action.setMenuRole(QAction.MenuRole.PreferencesRole)
    action.setStatusTip("Theme, workspace, webhook port, history, start at login, "
                        "notifications, time zone")
    action.triggered.connect(lambda _checked=False: show_app_settings(window))
    window.addAction(action)
    edit = next((a.menu() for a in window.menuBar().actions() if a.text() == "&Edit"), None)
    if isinstance(edit, QMenu):
        edit.addSeparator()
        edit.addAction(action)
    window.act_app_settings = action
    host = window.background.host
    apply_theme(window, stored_theme(window))
    SystemThemeFollower(window, lambda: host.settings().theme)


def stored_theme(window: MainWindow) -> str:
    """The workspace's theme, for the first frame: read from state.db without SQLAlchemy
    (engine.store.peek) while the runtime has not started, else the usual way."""
    host = window.background.host
    if host.runtime is None:
        peeked = stored_setting(host.workspace.folder, "theme")
        if peeked == (False, None):
            return DEFAULT_THEME
        if peeked is not None and peeked[1] in THEME_LABELS:
            return str(peeked[1])
    return host.settings().theme


def show_app_settings(window: MainWindow) -> AppSettingsDialog:
    dialog = window.app_settings_dialog
    if dialog is None:
        dialog = AppSettingsDialog(window)
        dialog.finished.connect(lambda _r: setattr(window, "app_settings_dialog", None))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.app_settings_dialog = dialog
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
