"""Five-field cron expressions (minute hour day-of-month month day-of-week), Vixie semantics.

Lists (``1,15``), ranges (``1-5``), steps (``*/5``, ``1-30/10``, ``5/15`` = from 5 to the end),
names (``jan``-``dec``, ``sun``-``sat``, case-insensitive, in ranges too), day-of-week 0 or 7 =
Sunday, and the macros ``@hourly @daily @midnight @weekly @monthly @yearly @annually``.
When both day fields are restricted (neither starts with ``*``) a day matches either of them,
otherwise both (cron's OR rule). dateutil's rrule can't say that OR without a rule set and
resolves DST its own way, so this small parser is ours; the times it yields are wall times
that ``schedule.py`` turns into instants.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from engine.errors import ScenaristError

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_FieldSpec = tuple[str, int, int, dict[str, int]]  # name, lowest, highest, names
_FIELDS: tuple[_FieldSpec, ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _WEEKDAYS),
)
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # the most each month has


class CronError(ScenaristError, ValueError):
    """A cron expression that doesn't parse; the message names the field and the problem."""


@dataclass(frozen=True)
class CronExpression:
    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]  # 0 = Sunday
    day_of_month_star: bool
    day_of_week_star: bool
    hour_star: bool  # a wildcard hour follows elapsed time across DST (see schedule.py)

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        source = text.strip()
        expanded = _MACROS.get(source.lower(), source)
        if expanded.startswith("@"):
            raise CronError(f"cron {text!r}: unknown macro; known: {', '.join(_MACROS)}")
        fields = expanded.split()
        if len(fields) != 5:
            raise CronError(
                f"cron {text!r}: needs 5 fields (minute hour day-of-month month day-of-week), "
                f"got {len(fields)}"
            )
        values = [_parse_field(f, spec, text) for f, spec in zip(fields, _FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in values[4])
        expression = cls(
            text=source,
            minutes=tuple(sorted(values[0])),
            hours=tuple(sorted(values[1])),
            days_of_month=frozenset(values[2]),
            months=frozenset(values[3]),
            days_of_week=weekdays,
            day_of_month_star=fields[2].startswith("*"),
            day_of_week_star=fields[4].startswith("*"),
            hour_star=fields[1].startswith("*"),
        )
        if expression.day_of_week_star and not any(
            day <= _DAYS_IN_MONTH[month - 1]
            for month in expression.months
            for day in expression.days_of_month
        ):
            raise CronError(f"cron {text!r}: that day of the month never occurs in those months")
        return expression

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_month_day = day.day in self.days_of_month
        by_weekday = day.isoweekday() % 7 in self.days_of_week
        if self.day_of_month_star or self.day_of_week_star:
            return by_month_day and by_weekday
        return by_month_day or by_weekday


def _parse_field(text: str, spec: _FieldSpec, whole: str) -> set[int]:
    name, low, high, names = spec
    found: set[int] = set()

    def fail(problem: str) -> CronError:
        return CronError(f"cron {whole!r}: {name} field {text!r}: {problem}")

    def number(part: str) -> int:
        value = names.get(part.lower()) if names else None
        if value is None:
            if not part.isdigit():
                raise fail(f"{part!r} is not a number" + (" or a name" if names else ""))
            value = int(part)
        if not low <= value <= high:
            raise fail(f"{value} is outside {low}-{high}")
        return value

    for item in text.split(","):
        if not item:
            raise fail("empty list item")
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise fail(f"step {step_text!r} must be a positive number")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            left, _dash, right = base.partition("-")
            first, last = number(left), number(right)
            if first > last:
                raise fail(f"range {base!r} runs backwards")
        else:
            first = number(base)
            last = high if slash else first  # "5/15": from 5 to the end, every 15
        found.update(range(first, last + 1, step))
    return found
