"""IML date and time functions: formatDate, parseDate, add*, set* (Make semantics).

Dates come in as dates, ISO text or Unix milliseconds and go out as aware UTC datetimes
(formatDate returns text). Calendar arithmetic (days, months, years, set*) happens on the
wall clock of the scenario's time zone, like Moment: adding a day across a DST change
keeps the local time of day. Empty input gives an empty result, as Make leaves a field
without a value; unreadable input raises IMLError.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser

from engine.errors import IMLError
from engine.iml.dates import (
    MONTHS,
    WEEKDAYS,
    format_moment,
    localize,
    parse_moment,
    zone_for,
)
from engine.iml.functions import iml_function
from engine.iml.scope import Scope
from engine.values import is_empty, to_date, to_number, to_text

# Moment's default format (what `moment().format()` prints).
DEFAULT_FORMAT = "YYYY-MM-DDTHH:mm:ssZ"
_NUMBER_TEXT = re.compile(r"\s*[+-]?\d+(?:\.\d+)?\s*")


# ---------------------------------------------------------------------------------------
# Argument coercion


def _date_arg(function: str, value: Any) -> datetime | None:
    """The date argument, None when empty; IMLError when it cannot be read as a date."""
    if is_empty(value):
        return None
    try:
        result = to_date(value)
    except (OverflowError, ValueError, OSError):
        result = None
    if result is None:
        raise IMLError(f"{function}: '{to_text(value)}' is not a valid date")
    return result


def _number_arg(function: str, value: Any) -> int | float:
    number = to_number(value)
    if number is None or (isinstance(number, float) and not math.isfinite(number)):
        raise IMLError(f"{function}: '{to_text(value)}' is not a valid number")
    return number


def _whole(function: str, value: Any) -> int:
    """A number truncated toward zero, as JavaScript's Date setters take it."""
    return math.trunc(_number_arg(function, value))


def _round_half_away(number: float) -> int:
    """Moment rounds fractional days and months half away from zero."""
    rounded = math.floor(abs(number) + 0.5)
    return -rounded if number < 0 else rounded


def _zone(scope: Scope) -> ZoneInfo:
    return zone_for(scope.timezone)


def _result(function: str, build: Any, *args: Any) -> datetime:
    """Run a date computation; dates outside 1..9999 become an IMLError."""
    try:
        result: datetime = build(*args).astimezone(UTC)
        return result
    except (OverflowError, ValueError) as exc:
        raise IMLError(f"{function}: the resulting date is out of range") from exc


# ---------------------------------------------------------------------------------------
# formatDate / parseDate


@iml_function("formatDate", scope=True)
def format_date(scope: Scope, value: Any, fmt: Any = None, timezone: Any = None) -> str | None:
    """formatDate(date; format; [timezone]) -> text in the zone (default: scenario's)."""
    moment = _date_arg("formatDate", value)
    if moment is None:
        return None
    zone = zone_for(timezone, scope.timezone)
    pattern = to_text(fmt) if not is_empty(fmt) else DEFAULT_FORMAT
    try:
        local = moment.astimezone(zone)
    except (OverflowError, ValueError) as exc:
        raise IMLError("formatDate: the date is out of range") from exc
    return format_moment(local, pattern)


def _read_without_format(text: str, zone: ZoneInfo) -> datetime | None:
    """A date from text when parseDate gets no format: a number is Unix ms, otherwise ISO
    or another common form; a time without offset is read in `zone`."""
    if _NUMBER_TEXT.fullmatch(text):
        return to_date(float(text))
    try:
        result = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            result = date_parser.parse(text)
        except (ValueError, OverflowError):
            return None
    return result if result.tzinfo else localize(result, zone)


@iml_function("parseDate", scope=True)
def parse_date(scope: Scope, value: Any, fmt: Any = None, timezone: Any = None) -> datetime | None:
    """parseDate(text; format; [timezone]) -> date; text without offset read in the zone."""
    if isinstance(value, datetime):
        return to_date(value).astimezone(UTC)  # type: ignore[union-attr]
    if is_empty(value):
        return None
    text = to_text(value)
    zone = zone_for(timezone, scope.timezone)
    if is_empty(fmt):
        try:
            result = _read_without_format(text, zone)
        except (OverflowError, ValueError, OSError):
            result = None
        if result is None:
            raise IMLError(f"parseDate: '{text}' is not a valid date")
        return result.astimezone(UTC)
    pattern = to_text(fmt)
    try:
        return parse_moment(text, pattern, zone, scope.now()).astimezone(UTC)
    except (OverflowError, ValueError) as exc:  # DateParseError is a ValueError
        raise IMLError(
            f"parseDate: '{text}' is not a valid date or does not match the date format "
            f"'{pattern}' ({exc})"
        ) from exc


# ---------------------------------------------------------------------------------------
# add* : exact time for seconds..hours, wall clock for days..years


def _add_exact(function: str, milliseconds_per_unit: int) -> Any:
    def add(value: Any, amount: Any) -> datetime | None:
        moment = _date_arg(function, value)
        if moment is None:
            return None
        step = timedelta(
            milliseconds=math.trunc(_number_arg(function, amount) * milliseconds_per_unit)
        )
        return _result(function, lambda: moment + step)

    add.__name__ = function
    return add


def _shift_months(wall: datetime, months: int) -> datetime:
    """Moment's month arithmetic: the day is clamped to the end of the target month."""
    total = wall.year * 12 + (wall.month - 1) + months
    year, month0 = divmod(total, 12)
    day = min(wall.day, _days_in(year, month0 + 1))
    return wall.replace(year=year, month=month0 + 1, day=day)


def _days_in(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (datetime(year, month + 1, 1) - datetime(year, month, 1)).days


def _add_calendar(function: str, unit: str) -> Any:
    def add(scope: Scope, value: Any, amount: Any) -> datetime | None:
        moment = _date_arg(function, value)
        if moment is None:
            return None
        number = _number_arg(function, amount)
        zone = _zone(scope)

        def build() -> datetime:
            wall = moment.astimezone(zone).replace(tzinfo=None)
            if unit == "days":
                wall = wall + timedelta(days=_round_half_away(number))
            else:
                months = number * 12 if unit == "years" else number
                wall = _shift_months(wall, _round_half_away(months))
            return localize(wall, zone)

        return _result(function, build)

    add.__name__ = function
    return add


iml_function("addSeconds")(_add_exact("addSeconds", 1000))
iml_function("addMinutes")(_add_exact("addMinutes", 60_000))
iml_function("addHours")(_add_exact("addHours", 3_600_000))
iml_function("addDays", scope=True)(_add_calendar("addDays", "days"))
iml_function("addMonths", scope=True)(_add_calendar("addMonths", "months"))
iml_function("addYears", scope=True)(_add_calendar("addYears", "years"))


# ---------------------------------------------------------------------------------------
# set* : out-of-range values roll over into the neighbouring minute/hour/day/month/year


def _name_index(text: str, names: tuple[str, ...], shortest: int) -> int | None:
    """Index of an English month/day name, read like Moment: any text that starts with the
    name's abbreviation ("Jan", "January", "su", "Sunday"), in any case."""
    lowered = text.strip().lower()
    for index, name in enumerate(names):
        if lowered.startswith(name[:shortest].lower()):
            return index
    return None


def _number_or_name(function: str, value: Any, names: tuple[str, ...], shortest: int) -> int:
    """A 1-based position from a number or an English name (January=1, Sunday=1)."""
    if isinstance(value, str) and not _NUMBER_TEXT.fullmatch(value):
        index = _name_index(value, names, shortest)
        if index is None:
            raise IMLError(f"{function}: '{value}' is neither a number nor an English name")
        return index + 1
    return _whole(function, value)


def _setter(function: str, apply: Any, names: tuple[str, ...] | None = None) -> Any:
    def set_part(scope: Scope, value: Any, part: Any) -> datetime | None:
        moment = _date_arg(function, value)
        if moment is None:
            return None
        if names is not None:
            number = _number_or_name(function, part, names, 3 if names is MONTHS else 2)
        else:
            number = _whole(function, part)
        zone = _zone(scope)

        def build() -> datetime:
            wall = moment.astimezone(zone).replace(tzinfo=None)
            return localize(apply(wall, number), zone)

        return _result(function, build)

    set_part.__name__ = function
    return set_part


def _set_year(wall: datetime, year: int) -> datetime:
    day = min(wall.day, _days_in(year, wall.month))  # 29 February -> 28 February
    return wall.replace(year=year, day=day)


def _set_day_of_week(wall: datetime, day: int) -> datetime:
    current = (wall.weekday() + 1) % 7  # Sunday = 0
    return wall + timedelta(days=(day - 1) - current)


iml_function("setSecond", scope=True)(
    _setter("setSecond", lambda w, n: w.replace(second=0) + timedelta(seconds=n))
)
iml_function("setMinute", scope=True)(
    _setter("setMinute", lambda w, n: w.replace(minute=0) + timedelta(minutes=n))
)
iml_function("setHour", scope=True)(
    _setter("setHour", lambda w, n: w.replace(hour=0) + timedelta(hours=n))
)
iml_function("setDate", scope=True)(
    _setter("setDate", lambda w, n: w.replace(day=1) + timedelta(days=n - 1))
)
iml_function("setMonth", scope=True)(
    _setter("setMonth", lambda w, n: _shift_months(w, n - w.month), MONTHS)
)
iml_function("setYear", scope=True)(_setter("setYear", _set_year))
iml_function("setDay", scope=True)(_setter("setDay", _set_day_of_week, WEEKDAYS))


# ---------------------------------------------------------------------------------------
# dateDifference: Moment's diff, in the scenario's time zone

_DIFF_UNITS = {
    "millisecond": "ms", "milliseconds": "ms", "ms": "ms",
    "second": "s", "seconds": "s", "s": "s",
    "minute": "m", "minutes": "m", "m": "m",
    "hour": "h", "hours": "h", "h": "h",
    "day": "d", "days": "d", "d": "d",
    "week": "w", "weeks": "w", "w": "w",
    "month": "M", "months": "M", "M": "M",
    "quarter": "Q", "quarters": "Q", "Q": "Q",
    "year": "y", "years": "y", "y": "y",
}
_EXACT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "w": 604_800_000}


def _millis(moment: datetime) -> float:
    return moment.timestamp() * 1000


def _month_diff(a: datetime, b: datetime) -> float:
    """Moment's monthDiff(a, b) on wall clocks: whole months from a to b plus the fraction
    of the month around b (so 31 January -> 28 February is one month)."""
    if a.day < b.day:
        return -_month_diff(b, a)
    whole = (b.year - a.year) * 12 + (b.month - a.month)
    anchor = _shift_months(a, whole)
    if b < anchor:
        anchor2 = _shift_months(a, whole - 1)
        adjust = (b - anchor) / (anchor - anchor2)
    else:
        anchor2 = _shift_months(a, whole + 1)
        adjust = (b - anchor) / (anchor2 - anchor)
    return -(whole + adjust) or 0.0


@iml_function("dateDifference", scope=True)
def date_difference(scope: Scope, first: Any, second: Any = None, unit: Any = None
                    ) -> int | None:
    """dateDifference(date1; date2; [unit]) -> date1 - date2 as a whole number of `unit`
    (milliseconds by default; seconds, minutes, hours, days, weeks, months, years),
    truncated toward zero like Moment's `diff`. Days and longer count on the scenario's
    wall clock (a DST day is still one day); months and years are calendar months.
    Unverified against Make: the order of the dates (Moment's a.diff(b)) and the
    default unit; Make's help page gives the signature with a unit."""
    a = _date_arg("dateDifference", first)
    b = _date_arg("dateDifference", second)
    if a is None or b is None:
        return None
    name = to_text(unit).strip() or "milliseconds"
    code = _DIFF_UNITS.get(name) or _DIFF_UNITS.get(name.lower())
    if code is None:
        raise IMLError(f"dateDifference: unknown unit '{name}' (use milliseconds, seconds, "
                       "minutes, hours, days, weeks, months or years)")
    if code in _EXACT_MS:
        delta = (_millis(a) - _millis(b)) / _EXACT_MS[code]
    else:
        zone = _zone(scope)
        try:
            wall_a = a.astimezone(zone).replace(tzinfo=None)
            wall_b = b.astimezone(zone).replace(tzinfo=None)
        except (OverflowError, ValueError) as exc:
            raise IMLError("dateDifference: the date is out of range") from exc
        if code == "d":
            delta = (wall_a - wall_b) / timedelta(days=1)
        else:
            months = _month_diff(wall_a, wall_b)
            delta = months / {"M": 1, "Q": 3, "y": 12}[code]
    return math.trunc(delta) if math.isfinite(delta) else None
