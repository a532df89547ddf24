"""Switching scenarios ON and OFF from the window, as Make's scenario editor does: a
"Scheduling ON/OFF" switch and the schedule in words on the toolbar (for the open scenario),
and the same requests from the Scenarios panel.

Before a scenario is switched on, the window asks what has to be asked: a blueprint with
problems cannot run in the background (the problems are named); unsaved changes are saved
first (the background runs the file); a scenario never scheduled before gets the schedule
dialog. Everything is written through engine.runtime (activate_file / deactivate_scenario);
the runtime that owns the workspace picks it up within a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from app.gui.runtime.asking import Button, ask, warn
from app.gui.runtime.host import RuntimeHost
from app.gui.runtime.schedule_dialog import ScheduleDialog
from app.gui.runtime.switch import ToggleSwitch
from engine.errors import ScenaristError

if TYPE_CHECKING:
    from engine.runtime import ScenarioStatus, Schedule

Editor = Any  # app.gui.editor.ScenarioEditor (with its debugger attached)


class ActivationController(QObject):
    message = Signal(str)
    changed = Signal()  # a scenario was switched or rescheduled

    def __init__(self, host: RuntimeHost, current_editor: Callable[[], Editor | None],
                 editor_for: Callable[[Path], Editor | None], save: Callable[[Editor], bool],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.host = host
        self.window = parent
        self.current_editor = current_editor
        self.editor_for = editor_for
        self.save = save
        self.task: asyncio.Task[Any] | None = None
        self.dialog: ScheduleDialog | None = None
        self.warning: QMessageBox | None = None  # the last one shown (tests read it)

        self.switch = ToggleSwitch()
        self.switch.clicked.connect(lambda on: self.start(self.switch_current(on)))
        self.schedule_button = QToolButton()
        self.schedule_button.setAutoRaise(True)
        self.schedule_button.setToolTip("When the scenario runs in the background: click to "
                                        "change it")
        self.schedule_button.clicked.connect(lambda: self.start(self.reschedule_current()))
        holder = QWidget()
        line = QHBoxLayout(holder)
        line.setContentsMargins(6, 0, 6, 0)
        line.addWidget(QLabel("Scheduling"))
        line.addWidget(self.switch)
        line.addWidget(self.schedule_button)
        self.toolbar_action = QWidgetAction(parent)
        self.toolbar_action.setDefaultWidget(holder)
        host.changed.connect(lambda: self.update())
        host.updated.connect(lambda: self.update(host.snapshot))

    def start(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
        """Run one request at a time (a second click while a dialog is open does nothing)."""
        if self.task is not None and not self.task.done():
            coroutine.close()
            self.update()
            return None
        self.task = asyncio.ensure_future(coroutine)
        self.task.add_done_callback(lambda _t: self.update())
        return self.task

    # ----------------------------------------------------------------- toolbar

    def update(self, statuses: list[ScenarioStatus] | None = None) -> None:
        """The toolbar shows the current tab's scenario as the workspace has it."""
        editor = self.current_editor()
        path = editor.document.path if editor is not None else None
        status = None
        if path is not None:
            target = path.resolve()
            found = statuses if statuses is not None else self.host.statuses()
            status = next((s for s in found if s.file == target), None)
        self.switch.setEnabled(editor is not None)
        self.schedule_button.setEnabled(editor is not None)
        self.switch.set_quietly(status is not None and status.active)
        self.schedule_button.setText(status.schedule_text if status is not None
                                     else "Schedule…")

    async def switch_current(self, on: bool) -> bool:
        editor = self.current_editor()
        if editor is None:
            return False
        if not on:
            path = editor.document.path
            status = self.host.status_of(path) if path is not None else None
            return status is not None and await self.switch_off(status)
        return await self.switch_on_editor(editor)

    async def reschedule_current(self) -> bool:
        editor = self.current_editor()
        if editor is None or not await self._ready(editor):
            return False
        path = editor.document.path
        assert path is not None
        status = self.host.status_of(path)
        return await self._schedule(path, editor.document.name, status,
                                    instant=_instant(editor))

    # ------------------------------------------------------------------ panel

    def panel_toggle(self, status: ScenarioStatus, on: bool) -> None:
        self.start(self.switch_status(status, on))

    def panel_schedule(self, status: ScenarioStatus) -> None:
        self.start(self.reschedule_status(status))

    async def reschedule_status(self, status: ScenarioStatus) -> bool:
        editor = self.editor_for(status.file)
        if editor is not None and not await self._ready(editor):
            return False
        return await self._schedule(status.file, status.name, status,
                                    instant=status.webhook_url is not None)

    def panel_remove(self, status: ScenarioStatus) -> None:
        from engine.runtime import remove_scenario

        try:
            remove_scenario(self.host.workspace, status.name)
        except ScenaristError as exc:
            self._warn("Cannot remove", str(exc))
            return
        self.message.emit(f"“{status.name}” no longer runs in the background "
                          "(its file and history stay)")
        self.changed.emit()

    async def switch_status(self, status: ScenarioStatus, on: bool) -> bool:
        if not on:
            return await self.switch_off(status)
        editor = self.editor_for(status.file)
        if editor is not None:
            return await self.switch_on_editor(editor)
        return await self._activate(status.file, status.name, None, None)

    # -------------------------------------------------------------- switching

    async def switch_on_editor(self, editor: Editor) -> bool:
        if not await self._ready(editor):
            return False
        path = editor.document.path
        assert path is not None
        status = self.host.status_of(path)
        if status is None or status.schedule is None:  # never scheduled: ask when
            return await self._schedule(path, editor.document.name, status,
                                        instant=_instant(editor), activate=True)
        return await self._activate(path, editor.document.name, None, None)

    async def switch_off(self, status: ScenarioStatus) -> bool:
        try:
            await self.host.deactivate(status.name)
        except ScenaristError as exc:
            self._warn("Cannot switch it off", str(exc))
            return False
        self.message.emit(f"“{status.name}” is OFF: it no longer runs in the background")
        self.changed.emit()
        return True

    async def _ready(self, editor: Editor) -> bool:
        """No problems, and saved (asked): the background runs the file."""
        document = editor.document
        problems = document.problems()
        if problems:
            listing = "\n".join(f"• {p.describe()}" for p in problems[:10])
            self._warn("Cannot run in the background",
                       f"“{document.name}” has problems to fix before it can run in the "
                       f"background:\n{listing}")
            return False
        if document.path is None or document.dirty:
            answer = await ask(
                self.window, "Save first?",
                f"The background runs the saved file of “{document.name}”. Save it now?",
                Button.Save | Button.Cancel, Button.Save)
            if answer != Button.Save or not self.save(editor):
                self.message.emit(f"“{document.name}” was not switched on: not saved")
                return False
        return document.path is not None

    async def _schedule(self, file: Path, name: str, status: ScenarioStatus | None, *,
                        instant: bool, activate: bool = False) -> bool:
        from engine.runtime import Schedule

        current = Schedule.from_make(status.schedule) if status and status.schedule else None
        dialog = ScheduleDialog(name, current, self.host.settings().catch_up, instant=instant,
                                zone=self.host.settings().zone, parent=self.window)
        if activate:
            dialog.buttons.button(dialog.buttons.StandardButton.Ok).setText("Switch ON")
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def finished(result: int) -> None:
            if not answer.done():
                answer.set_result(result)

        dialog.finished.connect(finished)
        self.dialog = dialog
        dialog.open()
        try:
            accepted = await answer == QDialog.DialogCode.Accepted
        finally:
            self.dialog = None
            dialog.deleteLater()
        if not accepted:
            return False
        on = activate or (status is not None and status.active)
        return await self._activate(file, name, dialog.schedule(), dialog.catch_up_policy(),
                                    active=on)

    async def _activate(self, file: Path, name: str, schedule: Schedule | None,
                        catch_up: str | None, *, active: bool = True) -> bool:
        try:
            done = await self.host.activate(file, schedule=schedule, catch_up=catch_up,
                                            active=active)
        except (ScenaristError, ValueError) as exc:
            self._warn("Cannot run in the background", f"“{name}”: {exc}")
            self.changed.emit()
            return False
        status = self.host.status_of(file)
        when = status.schedule_text if status is not None else ""
        text = f"“{done.entry.name}” is {'ON' if done.entry.active else 'OFF'}: {when}"
        if status is not None and status.webhook_url:
            text += f" · webhook {status.webhook_url}"
        if self.host.busy is not None:
            text += f" (run by {self.host.owner_text()})"
        self.message.emit(text)
        self.changed.emit()
        return True

    def _warn(self, title: str, text: str) -> None:
        self.warning = warn(self.window, title, text)


def _instant(editor: Editor) -> bool:
    session = getattr(editor, "debugger", None)
    return bool(session is not None and session.is_webhook_started())
