"""The schedule dialog gives Make's choices as the engine's Schedule (Make's own JSON),
described in words as the user edits."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QTime
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.gui.runtime.schedule_dialog import ScheduleDialog
from engine.runtime import Schedule


def dialog(qtbot: QtBot, current: Schedule | None = None, instant: bool = False
           ) -> ScheduleDialog:
    found = ScheduleDialog("Report", current, "run_once", instant=instant, zone="Europe/Prague")
    qtbot.addWidget(found)
    found.show()
    return found


def choose(found: ScheduleDialog, kind: str) -> None:
    found.kind.setCurrentIndex(found.kind.findData(kind))


def ok(found: ScheduleDialog) -> bool:
    return found.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_every_choice_is_makes_json(qtbot: QtBot) -> None:
    found = dialog(qtbot)
    assert found.schedule().to_make() == {"type": "indefinitely", "interval": 900}
    assert "Every 15 minutes" in found.summary.text()

    choose(found, "weekly")
    found.weekdays[1].setChecked(True)
    found.weekdays[5].setChecked(True)
    found.time.setTime(QTime(8, 30))
    assert found.schedule().to_make() == {"type": "weekly", "time": "08:30", "days": [1, 5]}
    assert "Mondays and Fridays at 08:30" in found.summary.text()

    choose(found, "monthly")
    found.dates.setText("1, 15")
    assert found.schedule().to_make() == {"type": "monthly", "time": "08:30",
                                          "dates": [1, 15]}

    choose(found, "yearly")
    found.months[11].setChecked(True)
    found.dates.setText("24")
    found.time.setTime(QTime(18, 0))
    assert found.schedule().to_make() == {"type": "yearly", "time": "18:00", "dates": [24],
                                          "months": [12]}
    assert "24th of December at 18:00" in found.summary.text()

    choose(found, "once")
    found.once.setDateTime(QDateTime.fromString("2027-01-02T09:15", "yyyy-MM-ddTHH:mm"))
    assert found.schedule().to_make() == {"type": "once", "date": "2027-01-02T09:15"}

    choose(found, "daily")
    found.time.setTime(QTime(6, 0))
    found.end_on.setChecked(True)
    found.end.setDateTime(QDateTime.fromString("2027-06-30T23:00", "yyyy-MM-ddTHH:mm"))
    assert found.schedule().to_make() == {"type": "daily", "time": "06:00",
                                          "end": "2027-06-30T23:00"}
    assert "Every day at 06:00, until" in found.summary.text()

    choose(found, "cron")
    found.cron.setText("*/5 9-17 * * 1-5")
    assert found.schedule().to_make() == {"type": "cron", "expression": "*/5 9-17 * * 1-5",
                                          "end": "2027-06-30T23:00"}
    choose(found, "on-demand")
    found.end_on.setChecked(False)
    assert found.schedule().to_make() == {"type": "on-demand"}
    found.catch_up.setCurrentIndex(found.catch_up.findData("skip"))
    assert found.catch_up_policy() == "skip"


def test_an_incomplete_choice_says_what_is_missing_and_cannot_be_confirmed(
    qtbot: QtBot,
) -> None:
    found = dialog(qtbot)
    choose(found, "weekly")
    assert not ok(found)
    assert "choose at least one day of the week" in found.summary.text()
    found.weekdays[3].setChecked(True)
    assert ok(found)
    choose(found, "cron")
    found.cron.setText("61 * * * *")
    assert not ok(found)
    assert "⚠" in found.summary.text()
    choose(found, "monthly")
    found.dates.setText("1, x")
    assert not ok(found) and "'x' is not a day of the month" in found.summary.text()


def test_immediately_is_offered_only_to_webhooks(qtbot: QtBot) -> None:
    polling = dialog(qtbot)
    item = polling.kind.model().item(polling.kind.findData("immediately"))  # type: ignore[attr-defined]
    assert not item.isEnabled()
    webhook = dialog(qtbot, instant=True)
    assert webhook.kind.currentData() == "immediately"
    assert webhook.schedule().to_make() == {"type": "immediately"}


def test_an_imported_schedule_is_shown_and_keys_it_cannot_edit_are_kept(qtbot: QtBot) -> None:
    make = {"type": "indefinitely", "interval": 900,
            "restrict": [{"days": [1, 2, 3, 4, 5], "time": ["06:00", "06:01"]}]}
    found = dialog(qtbot, Schedule.from_make(make))
    assert found.kind.currentData() == "indefinitely"
    assert found.minutes.value() == 15
    found.minutes.setValue(30)
    assert found.schedule().to_make() == {**make, "interval": 1800}
