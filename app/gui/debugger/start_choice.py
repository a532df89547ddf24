"""Make's "Choose where to start" for polling triggers: from now on, since a date, all, or
the last N items. The choice reaches modules as `call.run.start_from` (engine.context); an
app's polling trigger follows it until it has a cursor of its own (engine.apps.modules)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from engine.context import RunServices


class DebugRunServices(RunServices):
    """RunServices plus the debugger's start choice for polling triggers."""

    def __init__(self, *, start_from: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # {"mode": "all"} | {"mode": "since", "date": datetime} | {"mode": "last", "count": N}
        self.start_from = start_from


class StartChoiceDialog(QDialog):
    def __init__(self, current: dict[str, Any] | None = None, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose where to start")
        grid = QGridLayout(self)
        self.from_now = QRadioButton("From now on")
        self.since = QRadioButton("Since a specific date")
        self.all = QRadioButton("All")
        self.last = QRadioButton("Choose the last")
        self.date = QDateTimeEdit(QDateTime.currentDateTime())
        self.date.setCalendarPopup(True)
        self.count = QSpinBox()
        self.count.setRange(1, 100_000)
        self.count.setValue(1)
        self.group = QButtonGroup(self)
        for row, button in enumerate((self.from_now, self.since, self.all, self.last)):
            self.group.addButton(button)
            grid.addWidget(button, row, 0)
        grid.addWidget(self.date, 1, 1)
        grid.addWidget(self.count, 3, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        grid.addWidget(buttons, 4, 0, 1, 2)
        self.set_choice(current)

    def set_choice(self, choice: dict[str, Any] | None) -> None:
        mode = (choice or {}).get("mode")
        if mode == "since" and isinstance(choice, dict) and choice.get("date"):
            self.since.setChecked(True)
            self.date.setDateTime(QDateTime(choice["date"]))
        elif mode == "all":
            self.all.setChecked(True)
        elif mode == "last" and isinstance(choice, dict):
            self.last.setChecked(True)
            self.count.setValue(int(choice.get("count") or 1))
        else:  # None (never chosen) and "now"
            self.from_now.setChecked(True)

    def choice(self) -> dict[str, Any] | None:
        if self.since.isChecked():
            when = self.date.dateTime().toPython()
            if isinstance(when, datetime) and when.tzinfo is None:
                when = when.astimezone(UTC)
            return {"mode": "since", "date": when}
        if self.all.isChecked():
            return {"mode": "all"}
        if self.last.isChecked():
            return {"mode": "last", "count": self.count.value()}
        return {"mode": "now"}
