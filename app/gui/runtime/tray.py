"""The tray icon of a window that runs scenarios in the background: Open, Pause all /
Resume, the recent background runs with their status, Quit; and desktop notifications.

Where the desktop has no tray (a bare X server), there is no icon: the window says so and
runs its scenarios while it stays open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from app.gui.history.history_panel import GLYPHS
from app.gui.runtime.host import RuntimeHost
from app.gui.runtime.icon import app_icon
from app.gui.runtime.panel import local_time

if TYPE_CHECKING:
    from engine.runtime import ScenarioStatus

NOTIFY_MS = 8000


def tray_available() -> bool:
    """Whether the desktop shows tray icons (tests replace this on the offscreen platform)."""
    return QSystemTrayIcon.isSystemTrayAvailable()


class Tray(QObject):
    open_requested = Signal()
    quit_requested = Signal()
    run_requested = Signal(str)  # the execution id of a recent run to open

    def __init__(self, host: RuntimeHost, parent: QWidget) -> None:
        super().__init__(parent)
        self.host = host
        self.icon = QSystemTrayIcon(app_icon(), parent)
        self.menu = QMenu(parent)
        self.act_open = self.menu.addAction("Open Scenarist")
        self.act_open.triggered.connect(lambda: self.open_requested.emit())
        self.menu.addSeparator()
        self.act_pause = self.menu.addAction("Pause all")
        self.act_pause.triggered.connect(self._pause_or_resume)
        self.recent_menu = self.menu.addMenu("Recent runs")
        self.menu.addSeparator()
        self.act_quit = self.menu.addAction("Quit Scenarist")
        self.act_quit.triggered.connect(lambda: self.quit_requested.emit())
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        host.changed.connect(lambda: self.update_menu())
        host.updated.connect(lambda: self.update_menu(host.snapshot))
        self.menu.aboutToShow.connect(lambda: self.update_menu())
        self.update_menu()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def notify(self, title: str, text: str, critical: bool = False) -> None:
        kind = (QSystemTrayIcon.MessageIcon.Critical if critical
                else QSystemTrayIcon.MessageIcon.Warning)
        self.icon.showMessage(title, text, kind, NOTIFY_MS)

    def update_menu(self, statuses: list[ScenarioStatus] | None = None) -> None:
        host = self.host
        paused = host.paused
        self.act_pause.setText("Resume" if paused else "Pause all")
        self.act_pause.setEnabled(host.owned)
        self.icon.setIcon(app_icon(paused))
        if statuses is None:
            statuses = host.statuses()
        active = sum(1 for s in statuses if s.active) if host.owned else 0
        state = "paused" if paused else f"{active} active scenario{'' if active == 1 else 's'}"
        self.icon.setToolTip(f"Scenarist — {state}")
        self._fill_recent()

    def recent_texts(self) -> list[str]:
        return [action.text() for action in self.recent_menu.actions()]

    def _fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        zone = self.host.settings().zone
        for started in list(self.host.running.values())[:5]:
            action = menu.addAction(f"{GLYPHS['running']} {started.scenario} · running")
            action.setEnabled(False)
        for recent in self.host.recent:
            finished = recent.finished
            action = QAction(f"{GLYPHS.get(finished.status, '')} {finished.scenario} · "
                             f"{finished.status} · {local_time(recent.at, zone)}", menu)
            action.triggered.connect(
                lambda _=False, run=finished.execution_id: self.run_requested.emit(run))
            menu.addAction(action)
        if menu.isEmpty():
            menu.addAction("No background runs yet").setEnabled(False)

    def _pause_or_resume(self) -> None:
        if self.host.paused:
            self.host.resume_all()
        else:
            self.host.pause_all()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()

