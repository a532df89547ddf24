"""A scenario's history (Make's "History" tab): its executions newest first, with status,
start, duration, operations, data transfer and trigger; filters by status and date range;
check runs hidden unless asked. Double-click a run to open it as it was.

Rows reach the table in pages (fetchMore as the user scrolls), so thousands of runs cost one
page; `refresh()` re-reads the first page only (after each run, when the tab gets focus).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.debugger.session import format_bytes
from engine.history.runs import (
    HistoryReader,
    RunFilter,
    RunRow,
    count_runs,
    fetch_page,
    quick_page,
)

PAGE = 200
COLUMNS = ("", "Started", "Duration", "Operations", "Data transfer", "Trigger")
STATUSES = ("success", "warning", "error", "interrupted", "running")
GLYPHS = {"success": "✓", "warning": "⚠", "error": "✗", "interrupted": "⏹", "running": "⏵"}
TONES = {"success": "#1f9d63", "warning": "#f0a020", "error": "#e5484d",
         "interrupted": "#9c98a8", "running": "#6d00cc"}
ID_ROLE = Qt.ItemDataRole.UserRole + 1
_TOP = QModelIndex()
Index = QModelIndex | QPersistentModelIndex


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s"


def format_started(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def trigger_text(row: RunRow) -> str:
    text = row.trigger
    if row.kind in ("retry", "replay"):
        text += f" · {row.kind}"
    if row.check_run:
        text += " · check run"
    return text


class RunsModel(QAbstractTableModel):
    """The executions matching a filter, fetched a page at a time."""

    def __init__(self, reader: HistoryReader, parent: Any = None) -> None:
        super().__init__(parent)
        self.reader = reader
        self.filter: RunFilter | None = None
        self.rows: list[RunRow] = []
        self.total = 0

    def reload(self, run_filter: RunFilter) -> None:
        """Read the first page (and the count) again."""
        engine = self.reader.engine()
        self.beginResetModel()
        self.filter = run_filter
        if engine is None:
            self.rows, self.total = [], 0
        else:
            self.rows = fetch_page(engine, run_filter, 0, PAGE)
            self.total = count_runs(engine, run_filter) if len(self.rows) == PAGE \
                else len(self.rows)
        self.endResetModel()

    def reload_quickly(self, run_filter: RunFilter) -> bool:
        """The first page read with sqlite3 alone (for the window's first frame, before
        SQLAlchemy loads); False when that cannot be done. `filter` stays unset: the next
        `reload` reads as usual."""
        found = quick_page(self.reader.workspace, run_filter, PAGE)
        if found is None:
            return False
        self.beginResetModel()
        self.rows, self.total = found
        self.endResetModel()
        return True

    def canFetchMore(self, parent: Index = _TOP) -> bool:  # noqa: N802
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: Index = _TOP) -> None:  # noqa: N802
        engine = self.reader.engine()
        if parent.isValid() or engine is None or self.filter is None:
            return
        more = fetch_page(engine, self.filter, len(self.rows), PAGE)
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(_TOP, len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def rowCount(self, parent: Index = _TOP) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = _TOP) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.DisplayRole:
            return (GLYPHS.get(row.status, "?"), format_started(row.started_at),
                    format_duration(row.duration_s), f"{row.operations:,}",
                    format_bytes(row.data_transfer), trigger_text(row))[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return QBrush(QColor(TONES.get(row.status, "#333333")))
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{row.status} · execution {row.id}"
            if row.resumed_from:
                tip += f"\n{row.kind} of {row.resumed_from}"
            return tip + "\nDouble-click to open the run as it was"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def ids(self) -> list[str]:
        return [row.id for row in self.rows]


class _DateBound(QWidget):
    """A checkbox and a date: a date-range end that can be left open."""

    changed = Signal()

    def __init__(self, label: str) -> None:
        super().__init__()
        self.check = QCheckBox(label)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.date)
        self.check.toggled.connect(self.date.setEnabled)
        self.check.toggled.connect(lambda _on: self.changed.emit())
        self.date.dateChanged.connect(self._date_changed)

    def _date_changed(self, _day: QDate) -> None:
        if self.check.isChecked():
            self.changed.emit()

    def set(self, day: QDate | None) -> None:
        self.check.setChecked(day is not None)
        if day is not None:
            self.date.setDate(day)

    def local_midnight(self, days_after: int = 0) -> datetime | None:
        """The chosen day's start in local time (aware), moved by `days_after`."""
        if not self.check.isChecked():
            return None
        chosen: date = self.date.date().toPython()  # type: ignore[assignment]
        return datetime.combine(chosen + timedelta(days=days_after), time()).astimezone()


class HistoryPanel(QWidget):
    open_requested = Signal(str)  # an execution id

    def __init__(self, reader: HistoryReader, scenario: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # When reads may happen: at once, or (the window's first frame) just after it.
        self.later: Callable[[Callable[[], object]], None] = lambda fn: fn()
        self._quick = False  # read_quickly() read the first page
        self.reader = reader
        self._scenario = scenario

        self.status = QComboBox()
        self.status.addItem("All statuses", None)
        for status in STATUSES:
            self.status.addItem(f"{GLYPHS[status]} {status}", status)
        self.since = _DateBound("From")
        self.until = _DateBound("to")
        self.check_runs = QCheckBox("Show check runs")
        self.check_runs.setToolTip("Runs where a polling trigger found nothing (hidden in Make)")
        self.count = QLabel("")
        filters = QHBoxLayout()
        for widget in (self.status, self.since, self.until, self.check_runs):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.count)

        self.model = RunsModel(reader, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._activated)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

        self.status.currentIndexChanged.connect(lambda _i: self.refresh())
        self.since.changed.connect(self.refresh)
        self.until.changed.connect(self.refresh)
        self.check_runs.toggled.connect(lambda _on: self.refresh())

    def run_filter(self) -> RunFilter:
        return RunFilter(
            scenario=self._scenario(), status=self.status.currentData(),
            since=self.since.local_midnight(), until=self.until.local_midnight(days_after=1),
            check_runs=self.check_runs.isChecked(),
        )

    def set_status_filter(self, status: str | None) -> None:
        self.status.setCurrentIndex(max(0, self.status.findData(status)))

    def refresh(self) -> None:
        self.model.reload(self.run_filter())
        self._show_count()

    def _show_count(self) -> None:
        shown = self.model.total
        self.count.setText(f"{shown:,} run{'' if shown == 1 else 's'}")

    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.data(index, ID_ROLE) if index.isValid() else None

    def _activated(self, index: QModelIndex) -> None:
        execution_id = self.model.data(index, ID_ROLE)
        if execution_id:
            self.open_requested.emit(execution_id)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        # The tab (or the dock) came forward: runs may have happened meanwhile.
        self.later(self.refresh)
        self.read_quickly()

    def read_quickly(self) -> None:
        """Until the first usual read (the window's first frame): the first page read
        without SQLAlchemy, once."""
        if self.model.filter is None and not self._quick:
            self._quick = self.model.reload_quickly(self.run_filter())
            if self._quick:
                self._show_count()
