"""A scenario's schedule as Make stores it (make-and-peers §1.11), read leniently.

Make's scheduling JSON, as seen in API calls and exports:
``{"type": "immediately"}``, ``{"type": "on-demand"}``,
``{"type": "indefinitely", "interval": 900}`` (seconds),
``{"type": "once", "date": "2026-04-11T09:00:00.000Z"}``, and Make's own "Every day" choice,
saved as an interval restricted to a one-minute window each day:
``{"type": "indefinitely", "interval": 900, "restrict": [{"days": [1, 2, 3, 4, 5, 6, 0],
"time": ["06:00", "06:01"]}]}`` (days count from Sunday = 0, as JavaScript does).

Make's forms for the other choices were not captured, so these are ours, named like Make's
(weekdays again from Sunday = 0, months 1-12):
``{"type": "daily", "time": "09:00"}`` (or a list of times),
``{"type": "weekly", "days": [1, 5], "time": "08:30"}``,
``{"type": "monthly", "dates": [1, 15], "time": "07:00"}``,
``{"type": "yearly", "months": [12], "dates": [24], "time": "18:00"}`` (Make's "Specified
dates"), ``{"type": "cron", "expression": "*/5 * * * *"}`` (an extra), and Make's advanced
start and end as ``"start"`` / ``"end"`` (ISO date-times; naive ones are in the user's zone).

Keys we don't know are kept, and strings stay strings, so an import exports unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from datetime import time as WallTime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from engine.errors import ScenaristError
from engine.runtime.cron import CronError, CronExpression

MIN_INTERVAL_SECONDS = 60  # Make's minimum on paid plans (15 minutes on the free plan)
KNOWN_TYPES = (
    "immediately", "indefinitely", "once", "daily", "weekly", "monthly", "yearly",
    "on-demand", "cron",
)


class ScheduleError(ScenaristError, ValueError):
    """A schedule that cannot be read, or a question it cannot answer."""


def parse_clock(text: str, *, allow_24: bool = False) -> WallTime | None:
    """``"HH:MM"`` (or ``"HH:MM:SS"``) as a wall time; ``"24:00"`` (window ends) is None."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"{text!r} is not a time of day (HH:MM)")
    numbers = [int(p) for p in parts]
    if allow_24 and numbers[0] == 24 and not any(numbers[1:]):
        return None
    try:
        return WallTime(numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 0)
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day (HH:MM, 00:00-23:59)") from None


def parse_instant(text: str, zone: tzinfo) -> datetime:
    """An ISO date-time (``Z`` allowed) as an aware UTC datetime; naive means ``zone``."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date-time (e.g. 2026-12-24T18:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _check_numbers(values: list[int] | None, low: int, high: int, what: str) -> list[int] | None:
    if values is not None:
        bad = [v for v in values if not low <= v <= high]
        if bad:
            raise ValueError(f"{what} must be {low}-{high}, not {bad}")
        if not values:
            raise ValueError(f"{what} must not be empty")
    return values


class RestrictWindow(BaseModel):
    """One of Make's ``restrict`` windows: runs only at these times on these days."""

    model_config = ConfigDict(extra="allow")

    days: list[int] | None = None  # 0 = Sunday … 6 = Saturday; None: every day
    time: list[str] | None = None  # [from, to), "HH:MM"; to <= from wraps past midnight
    months: list[int] | None = None  # 1-12 (assumed; Make's numbering not captured)

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[int] | None) -> list[int] | None:
        return _check_numbers(value, 0, 6, "restrict days (0 = Sunday)")

    @field_validator("months")
    @classmethod
    def _months(cls, value: list[int] | None) -> list[int] | None:
        return _check_numbers(value, 1, 12, "restrict months")

    @field_validator("time")
    @classmethod
    def _time(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            if len(value) != 2:
                raise ValueError(f"restrict time must be [from, to], not {value}")
            parse_clock(value[0])
            parse_clock(value[1], allow_24=True)
        return value

    def opens(self) -> WallTime:
        opening = parse_clock(self.time[0]) if self.time else None
        return opening or WallTime(0)

    def closes(self) -> WallTime | None:
        """None: the end of the day."""
        return parse_clock(self.time[1], allow_24=True) if self.time else None


class Schedule(BaseModel):
    """A scenario's schedule: Make's ``scheduling`` object plus cron."""

    model_config = ConfigDict(extra="allow")

    type: str
    interval: int | None = None  # seconds, "indefinitely"
    date: str | None = None  # "once"
    time: str | list[str] | None = None  # daily / weekly / monthly / yearly
    days: list[int] | None = None  # weekly: 0 = Sunday … 6 = Saturday
    dates: list[int] | None = None  # monthly / yearly: 1-31
    months: list[int] | None = None  # yearly: 1-12
    expression: str | None = None  # cron
    restrict: list[RestrictWindow] | None = None  # indefinitely
    start: str | None = None  # advanced: no run before
    end: str | None = None  # advanced: no run after

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in KNOWN_TYPES:
            raise ValueError(f"unknown schedule type {value!r}; known: {', '.join(KNOWN_TYPES)}")
        return value

    @field_validator("date", "start", "end")
    @classmethod
    def _instant(cls, value: str | None) -> str | None:
        if value is not None:
            parse_instant(value, UTC)
        return value

    @field_validator("time")
    @classmethod
    def _times(cls, value: str | list[str] | None) -> str | list[str] | None:
        for text in [value] if isinstance(value, str) else value or []:
            parse_clock(text)
        if isinstance(value, list) and not value:
            raise ValueError("time must not be empty")
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[int] | None) -> list[int] | None:
        return _check_numbers(value, 0, 6, "days (0 = Sunday)")

    @field_validator("dates")
    @classmethod
    def _dates(cls, value: list[int] | None) -> list[int] | None:
        return _check_numbers(value, 1, 31, "dates (days of the month)")

    @field_validator("months")
    @classmethod
    def _months(cls, value: list[int] | None) -> list[int] | None:
        return _check_numbers(value, 1, 12, "months")

    @field_validator("expression")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                CronExpression.parse(value)
            except CronError as error:
                raise ValueError(str(error)) from None
        return value

    @model_validator(mode="after")
    def _complete(self) -> Schedule:
        needs = {
            "indefinitely": ("interval",),
            "once": ("date",),
            "daily": ("time",),
            "weekly": ("days", "time"),
            "monthly": ("dates", "time"),
            "yearly": ("months", "dates", "time"),
            "cron": ("expression",),
        }.get(self.type, ())
        missing = [key for key in needs if getattr(self, key) is None]
        if missing:
            raise ValueError(f"a {self.type!r} schedule needs {' and '.join(missing)}")
        if self.interval is not None and self.interval < MIN_INTERVAL_SECONDS:
            raise ValueError(
                f"interval is {self.interval} s; the shortest is {MIN_INTERVAL_SECONDS} s"
            )
        return self

    # -- Make's JSON ----------------------------------------------------------------------

    @classmethod
    def from_make(cls, data: Any) -> Schedule:
        """Read Make's ``scheduling`` object (a dict, or the JSON string the API sends)."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as error:
                raise ScheduleError(f"scheduling is not JSON: {error}") from None
        if not isinstance(data, dict):
            raise ScheduleError(f"scheduling must be an object, not {type(data).__name__}")
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'scheduling'}: "
                f"{e['msg'].removeprefix('Value error, ')}"
                for e in error.errors()
            )
            raise ScheduleError(f"scheduling: {problems}") from None

    def to_make(self) -> dict[str, Any]:
        """Make's ``scheduling`` object: exactly the keys it was read with, unknown ones too."""
        return self.model_dump(mode="json", exclude_unset=True)

    # -- typed views ----------------------------------------------------------------------

    def clock_times(self) -> list[WallTime]:
        raw = [self.time] if isinstance(self.time, str) else self.time or []
        return sorted({t for t in (parse_clock(text) for text in raw) if t is not None})

    def start_at(self, zone: tzinfo) -> datetime | None:
        return parse_instant(self.start, zone) if self.start else None

    def end_at(self, zone: tzinfo) -> datetime | None:
        return parse_instant(self.end, zone) if self.end else None

    def once_at(self, zone: tzinfo) -> datetime | None:
        return parse_instant(self.date, zone) if self.date else None

    def cron(self) -> CronExpression:
        if self.expression is None:
            raise ScheduleError(f"a {self.type!r} schedule has no cron expression")
        return CronExpression.parse(self.expression)
