"""When a scenario runs, with Make's choices: Immediately (webhooks only), At regular
intervals, Once, Every day, Days of the week, Days of the month, Specified dates, On demand,
plus cron; advanced start and end dates; what to do with runs missed while the computer
slept. The result is the engine's Schedule (Make's own scheduling JSON), described in words
as the user edits it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDateTime, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from engine.runtime import Schedule, ScheduleError, describe

KINDS = (
    ("immediately", "Immediately, as data arrives"),
    ("indefinitely", "At regular intervals"),
    ("once", "Once"),
    ("daily", "Every day"),
    ("weekly", "Days of the week"),
    ("monthly", "Days of the month"),
    ("yearly", "Specified dates"),
    ("on-demand", "On demand"),
    ("cron", "Cron expression"),
)
CATCH_UP = (("run_once", "Run a missed run once"), ("skip", "Skip missed runs"))
WEEKDAYS = (("Mon", 1), ("Tue", 2), ("Wed", 3), ("Thu", 4), ("Fri", 5), ("Sat", 6), ("Sun", 0))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO = "yyyy-MM-ddTHH:mm"
NOTES = {"immediately": "The scenario runs as soon as a request reaches its webhook.",
         "on-demand": "The scenario runs only when you run it."}


def _clock(edit: QTimeEdit) -> str:
    return edit.time().toString("HH:mm")


def _numbers(text: str) -> list[int]:
    """"1, 15 28" as [1, 15, 28]; ValueError names what isn't a number."""
    found = []
    for part in text.replace(",", " ").split():
        if not part.isdigit():
            raise ValueError(f"{part!r} is not a day of the month")
        found.append(int(part))
    return found


class ScheduleDialog(QDialog):
    def __init__(self, name: str, current: Schedule | None, catch_up: str, *, instant: bool,
                 zone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Schedule — {name}")
        self.zone = zone
        self.original = current
        now = QDateTime.currentDateTime()

        self.kind = QComboBox()
        for key, label in KINDS:
            self.kind.addItem(label, key)
        if not instant:  # Make offers "Immediately" only to instant triggers (webhooks)
            self.kind.model().item(0).setEnabled(False)  # type: ignore[attr-defined]
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 366 * 24 * 60)
        self.minutes.setValue(15)
        self.minutes.setSuffix(" minutes")
        self.once = QDateTimeEdit(now.addSecs(3600))
        self.once.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.once.setCalendarPopup(True)
        self.time = QTimeEdit(QTime(9, 0))
        self.time.setDisplayFormat("HH:mm")
        self.weekdays = {day: QCheckBox(label) for label, day in WEEKDAYS}
        self.dates = QLineEdit("1")
        self.dates.setPlaceholderText("days of the month, e.g. 1, 15")
        self.months = [QCheckBox(label) for label in MONTHS]
        self.cron = QLineEdit("*/15 * * * *")
        self.cron.setPlaceholderText("minute hour day month weekday")

        self.start_on = QCheckBox("Start")
        self.start = QDateTimeEdit(now)
        self.end_on = QCheckBox("End")
        self.end = QDateTimeEdit(now.addDays(30))
        for edit in (self.start, self.end):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
        advanced = QGroupBox("Advanced scheduling")
        grid = QGridLayout(advanced)
        grid.addWidget(self.start_on, 0, 0)
        grid.addWidget(self.start, 0, 1)
        grid.addWidget(self.end_on, 1, 0)
        grid.addWidget(self.end, 1, 1)
        self.catch_up = QComboBox()
        for key, label in CATCH_UP:
            self.catch_up.addItem(label, key)
        self.catch_up.setToolTip("After the computer slept or Scenarist was closed")
        self.catch_up.setCurrentIndex(max(0, self.catch_up.findData(catch_up)))

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Run scenario", self.kind)
        self._build_rows(form)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(advanced)
        catch_row = QFormLayout()
        catch_row.addRow("Missed runs", self.catch_up)
        layout.addLayout(catch_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

        default = "immediately" if instant else "indefinitely"
        self._show(current if current is not None else Schedule(type=default, interval=900)
                   if default == "indefinitely" else Schedule(type=default))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        for signal in (self.minutes.valueChanged, self.once.dateTimeChanged,
                       self.time.timeChanged, self.dates.textChanged, self.cron.textChanged,
                       self.start.dateTimeChanged, self.end.dateTimeChanged,
                       self.start_on.toggled, self.end_on.toggled):
            signal.connect(self._update)
        for box in [*self.weekdays.values(), *self.months]:
            box.toggled.connect(self._update)
        self._kind_changed()

    # ------------------------------------------------------------------ layout

    def _build_rows(self, form: QFormLayout) -> None:
        """One form; each choice shows only its rows."""

        def row(*widgets: QWidget) -> QWidget:
            holder = QWidget()
            line = QHBoxLayout(holder)
            line.setContentsMargins(0, 0, 0, 0)
            for widget in widgets:
                line.addWidget(widget)
            line.addStretch(1)
            return holder

        months = QWidget()
        grid = QGridLayout(months)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, box in enumerate(self.months):
            grid.addWidget(box, i // 6, i % 6)
        self.note = QLabel()
        self.note.setWordWrap(True)
        rows: list[tuple[str, QWidget, tuple[str, ...]]] = [
            ("", self.note, ("immediately", "on-demand")),
            ("Every", self.minutes, ("indefinitely",)),
            ("Date", self.once, ("once",)),
            ("Months", months, ("yearly",)),
            ("Days", row(*self.weekdays.values()), ("weekly",)),
            ("Days", self.dates, ("monthly", "yearly")),
            ("Time", self.time, ("daily", "weekly", "monthly", "yearly")),
            ("Expression", self.cron, ("cron",)),
        ]
        self._rows: list[tuple[int, tuple[str, ...]]] = []
        for label, field, kinds in rows:
            form.addRow(label, field)
            self._rows.append((form.rowCount() - 1, kinds))
        self.form = form

    # ------------------------------------------------------------------ values

    def _show(self, schedule: Schedule) -> None:
        index = self.kind.findData(schedule.type)
        self.kind.setCurrentIndex(max(0, index))
        if schedule.interval:
            self.minutes.setValue(max(1, schedule.interval // 60))
        if schedule.date:
            self.once.setDateTime(QDateTime.fromString(schedule.date[:16], _ISO))
        times = schedule.clock_times()
        if times:
            self.time.setTime(QTime(times[0].hour, times[0].minute))
        for day, box in self.weekdays.items():
            box.setChecked(day in (schedule.days or []))
        if schedule.dates:
            self.dates.setText(", ".join(str(d) for d in schedule.dates))
        for month, box in enumerate(self.months, start=1):
            box.setChecked(month in (schedule.months or []))
        if schedule.expression:
            self.cron.setText(schedule.expression)
        for text, on, edit in ((schedule.start, self.start_on, self.start),
                               (schedule.end, self.end_on, self.end)):
            on.setChecked(bool(text))
            if text:
                edit.setDateTime(QDateTime.fromString(text[:16], _ISO))

    def data(self) -> dict[str, Any]:
        """Make's scheduling JSON for what the dialog shows (ValueError: not complete)."""
        key = self.kind.currentData()
        data: dict[str, Any] = {"type": key}
        original = self.original
        if original is not None and original.type == key:
            data = original.to_make()  # keys this dialog doesn't edit (restrict) are kept
            for field in ("start", "end"):
                data.pop(field, None)
        if key == "indefinitely":
            data["interval"] = self.minutes.value() * 60
        elif key == "once":
            data["date"] = self.once.dateTime().toString(_ISO)
        elif key in ("daily", "weekly", "monthly", "yearly"):
            data["time"] = _clock(self.time)
        if key == "weekly":
            data["days"] = [day for day, box in self.weekdays.items() if box.isChecked()]
            if not data["days"]:
                raise ValueError("choose at least one day of the week")
        if key in ("monthly", "yearly"):
            data["dates"] = _numbers(self.dates.text())
            if not data["dates"]:
                raise ValueError("give at least one day of the month")
        if key == "yearly":
            data["months"] = [m for m, box in enumerate(self.months, 1) if box.isChecked()]
            if not data["months"]:
                raise ValueError("choose at least one month")
        if key == "cron":
            data["expression"] = self.cron.text().strip()
        if self.start_on.isChecked():
            data["start"] = self.start.dateTime().toString(_ISO)
        if self.end_on.isChecked():
            data["end"] = self.end.dateTime().toString(_ISO)
        return data

    def schedule(self) -> Schedule:
        """The chosen schedule; ScheduleError (or ValueError) says what is missing."""
        return Schedule.from_make(self.data())

    def catch_up_policy(self) -> str:
        return str(self.catch_up.currentData())

    # ----------------------------------------------------------------- updates

    def _kind_changed(self) -> None:
        key = str(self.kind.currentData())
        for row, kinds in self._rows:
            self.form.setRowVisible(row, key in kinds)
        self.note.setText(NOTES.get(key, ""))
        self._update()
        self.adjustSize()

    def _update(self) -> None:
        self.start.setEnabled(self.start_on.isChecked())
        self.end.setEnabled(self.end_on.isChecked())
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            text = describe(self.schedule(), self.zone)
        except (ScheduleError, ValueError) as exc:
            self.summary.setText(f"<span style='color:#e5484d'>⚠ {exc}</span>")
            ok.setEnabled(False)
            return
        self.summary.setText(f"<b>{text}</b> <span style='color:#6e6a7c'>({self.zone})</span>")
        ok.setEnabled(True)
