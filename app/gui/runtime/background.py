"""The window's side of the background runtime, wired in one place: the runtime host, the
Scenarios dock, the toolbar's scheduling switch, the Background menu, the tray icon,
notifications, start at login, and what closing the window means while scenarios are
active.

Closing the window with active scenarios asks once whether to keep them running in the tray
(the answer is the `keep_running_in_tray` setting); kept, the window hides and the tray's
Quit ends the app. Where the desktop has no tray, the window says so, and closing it asks
before stopping the active scenarios. Quitting stops the runtime (running runs get a grace
period, then are kept as incomplete executions) and releases the workspace.

While another runtime (`scenarist serve`, another window) owns the workspace, the window
looks every few seconds whether it is still there; once it has gone, the window takes the
workspace over and runs its active scenarios, so they never stop because the owner quit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu, QMessageBox

from app.gui.debugger import gc_policy
from app.gui.runtime import autostart
from app.gui.runtime import tray as system_tray
from app.gui.runtime.activation import ActivationController
from app.gui.runtime.host import RuntimeHost
from app.gui.runtime.icon import app_icon
from app.gui.runtime.notifications import Notifier
from app.gui.runtime.panel import ScenariosPanel
from app.gui.runtime.tray import Tray
from engine.runtime.events import BackgroundRunFinished, ScenarioProblem
from engine.store.peek import any_scenario_registered

if TYPE_CHECKING:
    from app.gui.first_frame import FirstFrame
    from app.gui.main_window import MainWindow

PANEL_HEIGHT = 200
TAKEOVER_MS = 3000  # how often a window that doesn't own the workspace looks for its owner
Button = QMessageBox.StandardButton


def _now(fn: Callable[[], object]) -> None:
    fn()

class Background(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.host = RuntimeHost(window.workspace, self)
        self.tray: Tray | None = None
        self.no_tray = False  # the desktop has no tray (found when the runtime started)
        self.quitting = False  # the user asked to quit (not just to close the window)
        self.told_hidden = False
        self._shutdown: asyncio.Task[None] | None = None
        self._first_shown: Callable[[], object] | None = None
        self._takeover = QTimer(self)
        self._takeover.setInterval(TAKEOVER_MS)
        self._takeover.timeout.connect(self._owner_check)
        self._taking_over: asyncio.Task[bool] | None = None
        window.setWindowIcon(app_icon())
        # While no scenario is registered, the runtime's reads would show nothing the first
        # frame does not (an empty, hidden panel; the switch off): they wait for that frame.
        first_frame: FirstFrame | None = getattr(window, "first_frame", None)
        self.reads_wait = bool(first_frame is not None and first_frame.waiting
                               and any_scenario_registered(window.workspace) is False)
        self.later: Callable[[Callable[[], object]], None] = (
            first_frame.later if first_frame is not None and self.reads_wait else _now)
        menu_later = first_frame.later if first_frame is not None else _now

        self.panel = ScenariosPanel(self.host, later=self.later if self.reads_wait else None)
        dock = QDockWidget("Scenarios", window)
        dock.setObjectName("scenarios_dock")
        dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        window.resizeDocks([dock], [PANEL_HEIGHT], Qt.Orientation.Vertical)
        self.dock = dock

        self.activation = ActivationController(
            self.host, window.current_editor, window.editor_for, window.save, window)
        self.activation.message.connect(window.show_message)
        self.activation.changed.connect(self.panel.refresh)
        self.panel.toggle_requested.connect(self.activation.panel_toggle)
        self.panel.schedule_requested.connect(self.activation.panel_schedule)
        self.panel.remove_requested.connect(self.activation.panel_remove)
        self.panel.open_requested.connect(lambda path: window.open_file(path))
        self.panel.message.connect(window.show_message)
        window.tabs.currentChanged.connect(lambda _i: self.later(self.activation.update))

        self.notifier = Notifier(self.host, self.notify, self)
        self.host.happened.connect(self._on_event)
        self.host.runs_recorded.connect(self._refresh_history)
        self._build_menu()
        menu_later(self._update_menu)  # and whenever the menu opens
        self.later(self.activation.update)

    # ------------------------------------------------------------------- menu

    def _build_menu(self) -> None:
        window = self.window
        menu = window.menuBar().addMenu("&Background")
        schedule = menu.addAction("Schedule…", lambda: self.activation.start(
            self.activation.reschedule_current()))
        schedule.setShortcut("Ctrl+Shift+R")  # the toolbar's Scheduling switch, by key
        self.act_pause = self._check(menu, "Pause all background runs", self._set_paused)
        menu.addSeparator()
        self.act_notify = self._check(
            menu, "Notify me of failed runs",
            lambda on: self._set("notifications", on))
        self.act_keep = self._check(
            menu, "Keep running in the tray when the window closes",
            lambda on: self._set("keep_running_in_tray", on))
        self.act_login = self._check(menu, "Start at login", self.set_start_at_login)
        menu.addSeparator()
        menu.addAction(self.dock.toggleViewAction())
        menu.aboutToShow.connect(self._update_menu)
        self.menu = menu

    def _check(self, menu: QMenu, text: str, slot: Callable[[bool], object]) -> QAction:
        action = QAction(text, menu)
        menu.addAction(action)
        action.setCheckable(True)
        action.triggered.connect(slot)
        return action

    def _update_menu(self) -> None:
        settings = self.host.settings()
        self.act_pause.setEnabled(self.host.owned)
        self.act_pause.setChecked(self.host.paused)
        self.act_notify.setChecked(settings.notifications)
        self.act_keep.setChecked(bool(settings.keep_running_in_tray))
        self.act_keep.setEnabled(not self.no_tray)
        self.act_login.setChecked(settings.start_at_login)

    def _set(self, key: str, value: Any) -> bool:
        from engine.runtime import SettingsError

        try:
            self.host.save_setting(key, value)
        except SettingsError as exc:
            self.window.show_error(str(exc))
            return False
        return True

    def _set_paused(self, on: bool) -> None:
        if on:
            self.host.pause_all()
        else:
            self.host.resume_all()

    def set_start_at_login(self, on: bool) -> None:
        if not self._set("start_at_login", on):
            return
        try:
            where = autostart.apply(on, self.host.workspace.folder)
        except OSError as exc:
            self.window.show_error(f"Start at login: {exc}")
            return
        self.window.show_message(
            f"Scenarist starts at login, in the tray{f' ({where})' if where else ''}"
            if on else "Scenarist no longer starts at login")

    # ------------------------------------------------------------------- life

    async def start(self) -> bool:
        """Own the workspace and run its active scenarios (the tray icon appears); else say
        who owns it. Everything else in the window works either way."""
        if self.host.owned:
            return True
        owned = await self.host.start()
        window = self.window
        if self.host.busy is not None:
            window.show_message(f"Background runs: this workspace is run by "
                                f"{self.host.owner_text()}")
            if not self.quitting:
                self._takeover.start()
        elif self.host.problem is not None:
            window.show_error(self.host.problem)
        if owned:
            self._takeover.stop()
            if system_tray.tray_available():
                self.tray = Tray(self.host, window)
                self.tray.open_requested.connect(self.show_window)
                self.tray.quit_requested.connect(window.quit)
                self.tray.run_requested.connect(self.open_run)
                self.tray.show()
            else:
                self.no_tray = self.panel.no_tray = True
                window.show_message("No system tray on this desktop: active scenarios run "
                                    "while this window is open")
            self._sync_autostart()
        self.panel.refresh()
        self.activation.update()
        self._update_menu()
        return owned

    def _owner_check(self) -> None:
        """The owner has gone (quit or crashed): take the workspace over."""
        if (self.quitting or self._shutdown is not None or self.host.owned
                or self._taking_over is not None):
            return
        gone = self.host.busy
        if self.host.workspace.owner() is not None:
            return
        self.host.busy = None

        async def take_over() -> bool:
            try:
                owned = await self.start()
            finally:
                self._taking_over = None
            if owned:
                what = gone.describe() if gone is not None else "its owner"
                self.window.show_message(
                    f"Background runs: {what} stopped; this window runs the active "
                    "scenarios now")
            return owned

        self._taking_over = asyncio.ensure_future(take_over())

    def _sync_autostart(self) -> None:
        """A start-at-login entry that says what this installation is (it may have moved)."""
        if self.host.settings().start_at_login:
            try:
                autostart.enable(self.host.workspace.folder)
            except OSError:
                pass

    def may_close(self) -> bool:
        """Closing the window: False when it went to the tray instead, or the user cancelled
        (the close event is then ignored)."""
        if self.quitting or not self.host.owned:
            return True
        active = self.host.active_count()
        if active == 0:
            return True
        what = f"{active} active scenario{'' if active == 1 else 's'}"
        if self.tray is None:
            answer = QMessageBox.question(
                self.window, "Stop the active scenarios?",
                f"This desktop has no system tray, so closing the window stops {what} "
                "(their webhooks and schedules). Quit anyway?",
                Button.Yes | Button.No, Button.No)
            return bool(answer == Button.Yes)
        keep = self.host.settings().keep_running_in_tray
        if keep is None:
            answer = QMessageBox.question(
                self.window, "Keep running in the tray?",
                f"{what.capitalize()} run in the background. Keep them running in the tray "
                "when the window closes? (Asked once: Background → Keep running in the "
                "tray changes it.)",
                Button.Yes | Button.No | Button.Cancel, Button.Yes)
            if answer == Button.Cancel:
                return False
            keep = answer == Button.Yes
            self._set("keep_running_in_tray", keep)
        if not keep:
            return True
        self.hide_to_tray(what)
        return False

    def hide_to_tray(self, what: str = "Active scenarios") -> None:
        self.window.hide()
        gc_policy.release()  # nobody watches a run now: free what the debugger froze
        if self.tray is not None and not self.told_hidden:
            self.told_hidden = True
            self.tray.notify("Scenarist keeps running",
                             f"{what.capitalize()} keep running in the background. "
                             "Quit from this icon's menu.")

    def show_window(self) -> None:
        window = self.window
        window.show()
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
        window.raise_()
        window.activateWindow()
        first, self._first_shown = self._first_shown, None
        if first is not None:
            first()

    def when_first_shown(self, then: Callable[[], object]) -> None:
        """Call `then` when the tray first opens the window (restoring autosaved changes
        asks the user, who isn't there while the app starts hidden)."""
        self._first_shown = then

    def shut_down(self, then: Callable[[], object]) -> None:
        """The window closed for good: stop the runtime (if it runs), then `then()`."""
        self._takeover.stop()
        if self.tray is not None:
            self.tray.hide()
        if not self.host.owned:
            then()
            return

        async def stop() -> None:
            try:
                await self.host.stop()
            finally:
                then()

        self._shutdown = asyncio.ensure_future(stop())

    async def stopped(self) -> None:
        """Until the runtime stopped after the window closed."""
        if self._shutdown is not None:
            await asyncio.shield(self._shutdown)

    # ----------------------------------------------------------------- events

    def notify(self, title: str, text: str, critical: bool = False) -> None:
        if self.tray is not None:
            self.tray.notify(title, text, critical)
        else:
            self.window.show_message(f"{title}: {text}")

    def _on_event(self, event: object) -> None:
        if isinstance(event, ScenarioProblem):
            self.window.show_error(f"“{event.scenario}” cannot run: {event.message}")

    def _refresh_history(self, runs: list[BackgroundRunFinished]) -> None:
        """Background runs are in history.db: the History panels of their scenarios show
        them."""
        scenarios = {run.scenario for run in runs}
        for editor in self.window.editors():
            history = getattr(editor, "history", None)
            if history is not None and editor.document.name in scenarios:
                history.refresh()

    def open_run(self, execution_id: str) -> None:
        from app.gui.history.scenario_history import open_past_run

        self.show_window()
        window = self.window
        asyncio.ensure_future(open_past_run(window.workspace, execution_id, window.tabs,
                                            window.registry, window.show_message))


def attach_background(window: MainWindow) -> Background:
    return Background(window)
