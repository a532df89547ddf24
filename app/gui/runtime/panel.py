"""The "Scenarios" panel: every scenario registered with the workspace's runtime, as Make's
scenario list shows them: an ON/OFF switch, the schedule in words, the next run, the webhook
URL (with a copy button), queued requests and the last run, live while runs come and go.

It reads state.db (engine.runtime.scenario_statuses) and the history's latest run of each
scenario: again after runtime events (at most four times a second) and every few seconds
(queued requests change without an event). Switching and scheduling are requests to the
window's activation controller, which asks what has to be asked first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.history.history_panel import GLYPHS, TONES
from app.gui.runtime.host import RuntimeHost
from app.gui.runtime.switch import ToggleSwitch
from engine.history.runs import HistoryReader, RunFilter, RunRow, fetch_page

if TYPE_CHECKING:
    from engine.runtime import ScenarioStatus

COLUMNS = ("", "Scenario", "Schedule", "Next run", "Webhook", "Queue", "Last run")
SWITCH, NAME, SCHEDULE, NEXT, HOOK, QUEUE, LAST = range(len(COLUMNS))
REFRESH_MS = 3000


def local_time(when: datetime, zone: str, now: datetime | None = None) -> str:
    """A moment as the user reads it, in the schedules' zone: the time alone today."""
    local = when.astimezone(ZoneInfo(zone))
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).date()
    return local.strftime("%H:%M:%S" if local.date() == today else "%Y-%m-%d %H:%M")


class ScenariosPanel(QWidget):
    open_requested = Signal(object)  # Path of the scenario's file
    toggle_requested = Signal(object, bool)  # ScenarioStatus, on
    schedule_requested = Signal(object)  # ScenarioStatus
    remove_requested = Signal(object)  # ScenarioStatus (switched off)
    message = Signal(str)

    def __init__(self, host: RuntimeHost, parent: QWidget | None = None, *,
                 later: Callable[[Callable[[], object]], None] | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.no_tray = False  # set by the window where the desktop has no tray
        self.statuses: list[ScenarioStatus] = []
        self.reader = HistoryReader(host.workspace.folder)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pause_button = QToolButton()
        self.pause_button.setCheckable(True)
        self.pause_button.clicked.connect(self._pause_clicked)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        self.table.cellDoubleClicked.connect(self._double_clicked)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HOOK, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("No scenario runs in the background yet: open one and switch "
                            "its scheduling ON (toolbar), or `scenarist activate FILE`.")
        self.empty.setStyleSheet("color: #6e6a7c;")
        self.empty.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.pause_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        host.changed.connect(self.refresh)
        host.updated.connect(lambda: self.refresh(host.snapshot))
        host.runs_recorded.connect(lambda _runs: self.refresh())
        self.destroyed.connect(lambda *_: self.reader.close())
        if later is not None:  # the window's first frame shows no scenario: read just after
            later(self.refresh)
        else:
            self.refresh()

    # ---------------------------------------------------------------- reading

    def _tick(self) -> None:
        if self.isVisible():  # hidden in the tray: nobody reads it
            self.refresh()

    def refresh(self, statuses: list[ScenarioStatus] | None = None) -> None:
        """Show the scenarios as state.db has them (or as `statuses` were just read)."""
        self.statuses = statuses if statuses is not None else self.host.statuses()
        self._update_header()
        names = [s.name for s in self.statuses]
        if names != self.names():
            self.table.setRowCount(0)
            self.table.setRowCount(len(names))
            for row, status in enumerate(self.statuses):
                self._build_row(row, status)
        zone = self.host.settings().zone
        for row, status in enumerate(self.statuses):
            self._fill_row(row, status, zone)
        self.table.setVisible(bool(names))
        self.empty.setVisible(not names)

    def names(self) -> list[str]:
        items = (self.table.item(row, NAME) for row in range(self.table.rowCount()))
        return [item.text() for item in items if item is not None]

    def row_of(self, name: str) -> int:
        return self.names().index(name)

    def switch(self, name: str) -> ToggleSwitch:
        holder = self.table.cellWidget(self.row_of(name), SWITCH)
        found = holder.findChild(ToggleSwitch) if holder is not None else None
        assert found is not None
        return found

    def text(self, name: str, column: int) -> str:
        row = self.row_of(name)
        if column == HOOK:
            holder = self.table.cellWidget(row, HOOK)
            label = holder.findChild(QLabel) if holder is not None else None
            return label.text() if label is not None else ""
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _last_run(self, name: str) -> RunRow | None:
        engine = self.reader.engine()
        if engine is None:
            return None
        rows = fetch_page(engine, RunFilter(name), 0, 1)
        return rows[0] if rows else None

    # ------------------------------------------------------------------- rows

    def _build_row(self, row: int, status: ScenarioStatus) -> None:
        switch = ToggleSwitch()
        switch.clicked.connect(
            lambda checked, name=status.name: self._switched(name, checked))
        self.table.setCellWidget(row, SWITCH, _centred(switch))
        url = QLabel()
        url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        copy = QToolButton()
        copy.setText("Copy")
        copy.setToolTip("Copy the webhook URL")
        copy.clicked.connect(lambda _=False, label=url: self.copy_url(label.text()))
        holder = QWidget()
        line = QHBoxLayout(holder)
        line.setContentsMargins(4, 0, 4, 0)
        line.addWidget(url, 1)
        line.addWidget(copy)
        self.table.setCellWidget(row, HOOK, holder)
        for column in (NAME, SCHEDULE, NEXT, QUEUE, LAST):
            self.table.setItem(row, column, QTableWidgetItem())

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        assert item is not None  # every row is built with its items
        return item

    def _fill_row(self, row: int, status: ScenarioStatus, zone: str) -> None:
        holder = self.table.cellWidget(row, SWITCH)
        switch = holder.findChild(ToggleSwitch) if holder is not None else None
        if switch is not None:
            switch.set_quietly(status.active)
            switch.setToolTip("Switch the scenario's scheduling " +
                              ("OFF" if status.active else "ON"))
        name = self._item(row, NAME)
        name.setText(status.name)
        name.setToolTip(str(status.file))
        schedule = self._item(row, SCHEDULE)
        schedule.setText(status.schedule_text)
        nxt = self._item(row, NEXT)
        nxt.setToolTip("")
        if not status.active:
            reason = status.deactivated_reason
            nxt.setText(f"off: {reason.split(' (')[0]}" if reason else "off")
            nxt.setToolTip(f"Switched off: {reason}" if reason else "")
        elif self.host.paused:
            nxt.setText("paused")
        elif status.next_run is not None:
            nxt.setText(local_time(status.next_run, zone))
        else:
            nxt.setText("as data arrives" if status.webhook_url and (
                status.schedule or {}).get("type", "immediately") == "immediately" else "—")
        hook = self.table.cellWidget(row, HOOK)
        label = hook.findChild(QLabel) if hook is not None else None
        button = hook.findChild(QToolButton) if hook is not None else None
        if label is not None and button is not None:
            label.setText(status.webhook_url or "")
            button.setVisible(bool(status.webhook_url))
        queue = self._item(row, QUEUE)
        queue.setText(str(status.queue) if status.queue else "")
        queue.setToolTip(f"{status.queue} request(s) waiting" if status.queue else "")
        self._fill_last(self._item(row, LAST), status)

    def _fill_last(self, item: QTableWidgetItem, status: ScenarioStatus) -> None:
        running = self.host.running_count(status.name)
        if running:
            item.setText(f"{GLYPHS['running']} running" + (f" ×{running}" if running > 1
                                                          else ""))
            item.setForeground(_colour("running"))
            return
        last = self._last_run(status.name)
        if last is None:
            item.setText("")
            return
        when = local_time(last.started_at, self.host.settings().zone)
        item.setText(f"{GLYPHS.get(last.status, '')} {last.status} · {when}")
        item.setForeground(_colour(last.status))
        item.setToolTip(f"{last.operations} operations · {last.trigger}" + (
            f" · {status.consecutive_errors} consecutive errors"
            if status.consecutive_errors else ""))

    def _update_header(self) -> None:
        host = self.host
        active = sum(1 for s in self.statuses if s.active)
        total = len(self.statuses)
        count = f"{active} of {total} scenario{'' if total == 1 else 's'} active"
        if host.busy is not None:
            text = (f"These scenarios run in {host.owner_text()}, which owns this workspace: "
                    "this window shows them and switches them on and off; Run once works "
                    "here too.")
        elif host.problem is not None:
            text = f"⚠ {host.problem}"
        elif host.owned:
            state = ("<b>Paused</b>: no new runs until you resume (webhook requests are "
                     "queued)" if host.paused else "<b>Running in the background</b>")
            text = f"{state} · {count}"
            if host.port is not None:
                text += f" · webhooks at {host.settings().hook_base(host.port)}"
            if self.no_tray:
                text += ("<br>No system tray on this desktop: active scenarios run while "
                         "this window is open.")
        else:
            text = f"Background runtime not started · {count}"
        self.header.setText(text)
        self.pause_button.setVisible(host.owned)
        self.pause_button.setChecked(host.paused)
        self.pause_button.setText("Resume" if host.paused else "Pause all")

    # ---------------------------------------------------------------- actions

    def copy_url(self, url: str) -> None:
        QGuiApplication.clipboard().setText(url)
        self.message.emit(f"Copied {url}")

    def status(self, name: str) -> ScenarioStatus | None:
        return next((s for s in self.statuses if s.name == name), None)

    def _switched(self, name: str, on: bool) -> None:
        status = self.status(name)
        if status is not None:
            self.switch(name).set_quietly(status.active)  # the controller's answer decides
            self.toggle_requested.emit(status, on)

    def _pause_clicked(self, checked: bool) -> None:
        if checked:
            self.host.pause_all()
        else:
            self.host.resume_all()

    def _double_clicked(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.statuses):
            self.open_requested.emit(Path(self.statuses[row].file))

    def _menu(self, position: object) -> None:
        row = self.table.rowAt(position.y())  # type: ignore[attr-defined]
        if not 0 <= row < len(self.statuses):
            return
        status = self.statuses[row]
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.open_requested.emit(Path(status.file)))
        menu.addAction("Schedule…", lambda: self.schedule_requested.emit(status))
        copy = menu.addAction("Copy webhook URL",
                              lambda: self.copy_url(status.webhook_url or ""))
        copy.setEnabled(bool(status.webhook_url))
        remove = menu.addAction("Remove from the background",
                                lambda: self.remove_requested.emit(status))
        remove.setEnabled(not status.active)
        menu.popup(self.table.viewport().mapToGlobal(position))  # type: ignore[call-overload]


def _centred(widget: QWidget) -> QWidget:
    holder = QWidget()
    line = QHBoxLayout(holder)
    line.setContentsMargins(4, 2, 4, 2)
    line.addWidget(widget, 0, Qt.AlignmentFlag.AlignCenter)
    return holder


def _colour(status: str) -> QBrush:
    return QBrush(QColor(TONES.get(status, "#1f1d2b")))
