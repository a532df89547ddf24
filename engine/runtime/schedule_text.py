"""Schedules in words: ``describe`` for the window and CLI, ``parse_schedule_option`` for the
CLI's ``--schedule`` flag ("every 15m", "daily 09:00", "weekly mon,fri 08:30",
"monthly 1,15 07:00", "yearly dec 24 18:00", "once 2026-12-24T18:00", "cron '*/5 * * * *'",
"on-demand", "immediately"; any of them may end with "from <date>" and/or "until <date>")."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from datetime import time as WallTime
from typing import Any

from engine.runtime.schedule import zone_of
from engine.runtime.schedule_model import (
    MIN_INTERVAL_SECONDS,
    RestrictWindow,
    Schedule,
    ScheduleError,
    parse_clock,
    parse_instant,
)

_PLURAL_DAYS = ("Sundays", "Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_UNITS = {
    name: size
    for size, names in ((1, "s sec secs second seconds"), (60, "m min mins minute minutes"),
                        (3600, "h hr hrs hour hours"), (86400, "d day days"))
    for name in names.split()
}
_WEEKDAY_NAMES = {
    name: i
    for i, full in enumerate(("sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
                              "saturday"))
    for name in (full, full[:3])
}
_MONTH_KEYS = {
    name: i + 1 for i, full in enumerate(_MONTH_NAMES) for name in (full.lower(), full[:3].lower())
}
_EXAMPLES = ("'every 15m', 'daily 09:00', 'weekly mon,fri 08:30', 'monthly 1,15 07:00', "
             "'yearly dec 24 18:00', 'once 2026-12-24T18:00', \"cron '*/5 * * * *'\", "
             "'on-demand', 'immediately'")


def describe(schedule: Schedule, tz: str) -> str:
    """One line for people: "Every 15 minutes", "Mondays and Fridays at 08:30", …"""
    zone = zone_of(tz)
    times = _join([_clock(t) for t in schedule.clock_times()])
    match schedule.type:
        case "immediately":
            text = "Immediately, as data arrives"
        case "on-demand":
            text = "On demand"
        case "indefinitely":
            text = _describe_interval(schedule.interval or 0, schedule.restrict or [])
        case "once":
            text = f"Once on {_local(schedule.date, zone)}"
        case "daily":
            text = f"Every day at {times}"
        case "weekly":
            text = f"{_weekdays(schedule.days or [])} at {times}"
        case "monthly":
            text = f"On the {_ordinals(schedule.dates)} of every month at {times}"
        case "yearly":
            months = _join([_MONTH_NAMES[m - 1] for m in sorted(set(schedule.months or []))])
            text = f"Every year on the {_ordinals(schedule.dates)} of {months} at {times}"
        case _:
            text = f"Cron '{schedule.expression}'"
    if schedule.start:
        text += f", from {_local(schedule.start, zone)}"
    if schedule.end:
        text += f", until {_local(schedule.end, zone)}"
    return text


def parse_schedule_option(text: str, *, min_interval: int = MIN_INTERVAL_SECONDS) -> Schedule:
    """The ``--schedule`` flag's value as a Schedule; errors say what is wrong and show a form."""

    def fail(problem: str) -> ScheduleError:
        return ScheduleError(f"--schedule {text!r}: {problem}")

    try:
        words = shlex.split(text)
    except ValueError as error:
        raise fail(f"{error} (quote a cron expression once: cron '*/5 * * * *')") from None
    if not words:
        raise ScheduleError(f"--schedule is empty; use one of {_EXAMPLES}")
    data: dict[str, Any] = {}
    while len(words) >= 3 and words[-2].lower() in ("from", "until"):
        key, value = ("start" if words[-2].lower() == "from" else "end"), words[-1]
        try:
            parse_instant(value, UTC)
        except ValueError as error:
            raise fail(f"{words[-2]} {error}") from None
        if key == "end" and "T" not in value and " " not in value:
            value += "T23:59:59"  # "until 2026-06-30" includes that day
        data.setdefault(key, value)
        words = words[:-2]
    kind, args = words[0].lower(), words[1:]

    def expect(count: int, form: str) -> None:
        if len(args) != count:
            got = repr(" ".join(args)) if args else "nothing"
            example = f"{kind} {_FORMS[kind]}".strip()
            raise fail(f"'{kind}' takes {form}, got {got}; e.g. '{example}'")

    try:
        if kind in ("immediately", "instant"):
            expect(0, "nothing")
            data["type"] = "immediately"
        elif kind in ("on-demand", "ondemand", "manual") or (
            kind == "on" and [w.lower() for w in args] == ["demand"]
        ):
            if kind != "on":
                expect(0, "nothing")
            data["type"] = "on-demand"
        elif kind == "every":
            data |= {"type": "indefinitely", "interval": _seconds(" ".join(args), min_interval)}
        elif kind == "daily":
            expect(1, "a time of day (HH:MM, several with commas)")
            data |= {"type": "daily", "time": _times(args[0])}
        elif kind == "weekly":
            expect(2, "days of the week and a time")
            data |= {"type": "weekly", "days": _days(args[0]), "time": _times(args[1])}
        elif kind == "monthly":
            expect(2, "days of the month and a time")
            data |= {"type": "monthly", "dates": _numbers(args[0], 1, 31, "day of the month"),
                     "time": _times(args[1])}
        elif kind == "yearly":
            expect(3, "months, days of the month and a time")
            data |= {"type": "yearly", "months": _months(args[0]),
                     "dates": _numbers(args[1], 1, 31, "day of the month"),
                     "time": _times(args[2])}
        elif kind == "once":
            expect(1, "an ISO date-time")
            parse_instant(args[0], UTC)
            data |= {"type": "once", "date": args[0]}
        elif kind == "cron":
            if not args:
                raise fail("'cron' takes an expression; e.g. cron '*/5 * * * *'")
            data |= {"type": "cron", "expression": " ".join(args)}
        else:
            raise fail(f"unknown schedule {kind!r}; use one of {_EXAMPLES}")
        return Schedule.from_make(data)
    except ScheduleError as error:
        if str(error).startswith("--schedule"):
            raise
        raise fail(str(error).removeprefix("scheduling: ")) from None
    except ValueError as error:
        raise fail(str(error)) from None


_FORMS = {
    "immediately": "", "instant": "", "on-demand": "", "ondemand": "", "manual": "",
    "daily": "09:00", "weekly": "mon,fri 08:30",
    "monthly": "1,15 07:00", "yearly": "dec 24 18:00", "once": "2026-12-24T18:00",
}


def _seconds(text: str, minimum: int) -> int:
    found = re.fullmatch(r"(\d+)\s*([a-z]*)", text.strip().lower())
    if not found:
        raise ValueError(f"'every' takes a number and a unit, like 15m or 2h, not {text!r}")
    amount, unit = int(found[1]), found[2]
    if not unit:
        raise ValueError(f"'every {amount}' needs a unit: s, m, h or d (e.g. 'every {amount}m')")
    if unit not in _UNITS:
        raise ValueError(f"unknown unit {unit!r}; use s, m, h or d")
    seconds = amount * _UNITS[unit]
    if seconds < minimum:
        shortest = _amount(minimum)
        raise ValueError(f"every {amount}{unit} is too often; the shortest interval is {shortest}")
    return seconds


def _times(text: str) -> str | list[str]:
    values = [part.strip() for part in text.split(",")]
    for value in values:
        parse_clock(value)
    return values[0] if len(values) == 1 else values


def _expand(text: str, names: dict[str, int], low: int, high: int, what: str) -> list[int]:
    found: set[int] = set()

    def one(part: str) -> int:
        key = part.strip().lower()
        value = names.get(key)
        if value is None:
            if not key.isdigit():
                raise ValueError(f"{part!r} is not a {what}")
            value = int(key)
        if not low <= value <= high:
            raise ValueError(f"{what} {value} is outside {low}-{high}")
        return value

    for item in text.split(","):
        left, dash, right = item.partition("-")
        first, last = one(left), one(right) if dash else one(left)
        if first > last:
            raise ValueError(f"range {item!r} runs backwards")
        found.update(range(first, last + 1))
    return sorted(found)


def _days(text: str) -> list[int]:
    presets = {"weekdays": "mon-fri", "weekends": "sat,sun", "daily": "sun-sat", "all": "sun-sat"}
    days = _expand(presets.get(text.lower(), text), _WEEKDAY_NAMES, 0, 7, "day of the week")
    return sorted({d % 7 for d in days})


def _months(text: str) -> list[int]:
    return _expand(text, _MONTH_KEYS, 1, 12, "month")


def _numbers(text: str, low: int, high: int, what: str) -> list[int]:
    return _expand(text, {}, low, high, what)


# -- words --------------------------------------------------------------------------------


def _describe_interval(seconds: int, windows: list[RestrictWindow]) -> str:
    if not windows:
        return _interval_words(seconds)
    if all(_window_minutes(w) * 60 <= seconds for w in windows):  # one run per window
        return "; ".join(f"{_weekdays(w.days)} at {_clock(w.opens())}{_in_months(w)}"
                         for w in windows)
    parts = [f"{_clock(w.opens())}–{_clock(w.closes() or WallTime(0))} "
             f"{_on_days(w.days)}{_in_months(w)}" for w in windows]
    return f"{_interval_words(seconds)}, {'; '.join(parts)}"


def _window_minutes(window: RestrictWindow) -> int:
    opens, closes = window.opens(), window.closes()
    start = opens.hour * 60 + opens.minute
    stop = 24 * 60 if closes is None else closes.hour * 60 + closes.minute
    return (stop - start) % (24 * 60) or 24 * 60


def _interval_words(seconds: int) -> str:
    amount = _amount(seconds)
    return f"Every {amount.removeprefix('1 ')}" if amount.startswith("1 ") else f"Every {amount}"


def _amount(seconds: int) -> str:
    """3600 -> "1 hour", 900 -> "15 minutes"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"


def _weekdays(days: list[int] | None) -> str:
    chosen = set(range(7) if days is None else days)
    named = {frozenset(range(7)): "Every day", frozenset(range(1, 6)): "Weekdays",
             frozenset({0, 6}): "Weekends"}
    if frozenset(chosen) in named:
        return named[frozenset(chosen)]
    return _join([_PLURAL_DAYS[d] for d in sorted(chosen, key=lambda d: (d - 1) % 7)])


def _on_days(days: list[int] | None) -> str:
    phrase = _weekdays(days)
    if phrase == "Every day":
        return "every day"
    return "on " + (phrase.lower() if phrase in ("Weekdays", "Weekends") else phrase)


def _in_months(window: RestrictWindow) -> str:
    if not window.months or set(window.months) == set(range(1, 13)):
        return ""
    return " in " + _join([_MONTH_NAMES[m - 1] for m in sorted(set(window.months))])


def _ordinals(numbers: list[int] | None) -> str:
    def ordinal(n: int) -> str:
        suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"

    return _join([ordinal(n) for n in sorted(set(numbers or []))])


def _clock(value: WallTime) -> str:
    return value.strftime("%H:%M" if not value.second else "%H:%M:%S")


def _local(text: str | None, zone: Any) -> str:
    if text is None:
        return "?"
    moment: datetime = parse_instant(text, zone).astimezone(zone)
    return f"{moment:%Y-%m-%d} at {_clock(moment.time())}"


def _join(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
