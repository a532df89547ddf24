"""Moment.js-style date tokens and time zones, as Make's formatDate and parseDate use them.

Make runs Moment.js (English locale) under the hood, so formats are Moment formats:
`YYYY-MM-DD HH:mm`, `[literal]`, `\\X` escapes, localized `L`/`LL`/`LT`..., and parsing is
Moment's *forgiving* mode: each token's pattern is looked for in the rest of the text,
literals that are missing are skipped, trailing text is ignored; the date is invalid only
when nothing was read or a field overflows (month 13, 31 February, minute 60, ...).

A format string is compiled once (cached) into a tuple of small writer/reader steps.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from engine.errors import IMLError

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_SHORT = tuple(m[:3] for m in MONTHS)
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
WEEKDAYS_SHORT = tuple(d[:3] for d in WEEKDAYS)
WEEKDAYS_MIN = tuple(d[:2] for d in WEEKDAYS)

# English locale long formats (Moment `L`, `LL`, `LT`, ...).
_LONG_FORMATS = {
    "LTS": "h:mm:ss A",
    "LT": "h:mm A",
    "L": "MM/DD/YYYY",
    "LL": "MMMM D, YYYY",
    "LLL": "MMMM D, YYYY h:mm A",
    "LLLL": "dddd, MMMM D, YYYY h:mm A",
    "l": "M/D/YYYY",
    "ll": "MMM D, YYYY",
    "lll": "MMM D, YYYY h:mm A",
    "llll": "ddd, MMM D, YYYY h:mm A",
}
_LONG_FORMAT_RE = re.compile(r"(\[[^\[]*\])|(\\)?(LTS|LT|LL?L?L?|l{1,4})")

# Moment's format tokenizer: a [bracketed literal], or an optionally \-escaped token, or
# any other single character (which is printed as is).
_TOKEN_RE = re.compile(
    r"(\[[^\[]*\])|(\\)?([Hh]mm(?:ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[ow]?|W[oW]?"
    r"|Qo?|N{1,5}|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(?:ggg?)?|GG(?:GGG?)?|e|E|a|A|hh?|HH?"
    r"|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)",
    re.S,
)


# ---------------------------------------------------------------------------------------
# Time zones


@lru_cache(maxsize=1)
def _zone_names_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


@lru_cache(maxsize=512)
def find_zone(name: str) -> ZoneInfo | None:
    """The IANA zone called `name` (case-insensitive, like moment-timezone), or None."""
    name = name.strip()
    if not name:
        return None
    if name.upper() in ("UTC", "Z", "GMT"):
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        real = _zone_names_by_lower().get(name.lower())
        return ZoneInfo(real) if real else None


def zone_for(name: Any, fallback: str = "UTC") -> ZoneInfo:
    """The zone to use for a function's timezone argument.

    Make ignores a name it does not know and uses the organisation's zone instead
    (help: formatDate), so an unknown `name` falls back to `fallback`, then to UTC.
    """
    if isinstance(name, str) and name:
        zone = find_zone(name)
        if zone is not None:
            return zone
    return find_zone(fallback or "UTC") or ZoneInfo("UTC")


def localize(wall: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` as an aware datetime, the way moment-timezone reads it.

    An ambiguous time (clocks going back) is the earlier instant; a time that does not
    exist (clocks going forward) moves forward by the gap (02:30 -> 03:30).
    """
    naive = wall.replace(tzinfo=None, fold=0)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


# ---------------------------------------------------------------------------------------
# Calendar helpers shared by formatting and parsing (Moment's week rules)


def _days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _days_in_month(year: int, month0: int) -> int:
    """Days of a 0-based month; months outside 0..11 roll into other years."""
    year += month0 // 12
    return calendar.monthrange(year, month0 % 12 + 1)[1]


def _js_weekday(d: date) -> int:
    """Day of week with Sunday = 0, as JavaScript and Moment count."""
    return (d.weekday() + 1) % 7


def _first_week_offset(year: int, dow: int, doy: int) -> int:
    fwd = 7 + dow - doy  # the January day that is always in week 1
    fwdlw = (7 + _js_weekday(date(year, 1, fwd)) - dow) % 7
    return -fwdlw + fwd - 1


def _weeks_in_year(year: int, dow: int, doy: int) -> int:
    offset = _first_week_offset(year, dow, doy)
    offset_next = _first_week_offset(year + 1, dow, doy)
    return (_days_in_year(year) - offset + offset_next) // 7


def week_of_year(d: date, dow: int, doy: int) -> tuple[int, int]:
    """(week, week-year). English locale: dow=0, doy=6 (weeks start Sunday, 1 Jan is in
    week 1); ISO: dow=1, doy=4."""
    offset = _first_week_offset(d.year, dow, doy)
    week = (d.timetuple().tm_yday - offset - 1) // 7 + 1
    if week < 1:
        year = d.year - 1
        return week + _weeks_in_year(year, dow, doy), year
    if week > _weeks_in_year(d.year, dow, doy):
        return week - _weeks_in_year(d.year, dow, doy), d.year + 1
    return week, d.year


def ordinal(number: int) -> str:
    """English ordinal as Moment writes it: 1st, 2nd, 3rd, 4th, 11th, 21st."""
    last = number % 10
    if (number % 100) // 10 == 1:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(last, "th")
    return f"{number}{suffix}"


# ---------------------------------------------------------------------------------------
# Formatting


def _pad(value: int, width: int, force_sign: bool = False) -> str:
    sign = "-" if value < 0 else ("+" if force_sign else "")
    return sign + str(abs(value)).zfill(width)


def _offset(dt: datetime, sep: str) -> str:
    delta = dt.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{sep}{minutes % 60:02d}"


def _epoch_ms(dt: datetime) -> int:
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def _year_4(dt: datetime) -> str:
    return _pad(dt.year, 4) if dt.year <= 9999 else f"+{dt.year}"


def _h12(dt: datetime) -> int:
    return dt.hour % 12 or 12


def _fraction(digits: int) -> Callable[[datetime], str]:
    def write(dt: datetime) -> str:
        ms = dt.microsecond // 1000
        if digits <= 3:
            return str(ms // 10 ** (3 - digits)).zfill(digits)
        return str(ms * 10 ** (digits - 3)).zfill(digits)

    return write


def _locale_week(dt: datetime) -> tuple[int, int]:
    return week_of_year(dt.date(), 0, 6)


_FORMATTERS: dict[str, Callable[[datetime], str]] = {
    # year
    "YYYYYY": lambda dt: _pad(dt.year, 6, force_sign=True),
    "YYYYY": lambda dt: _pad(dt.year, 5),
    "YYYY": lambda dt: _pad(dt.year, 4),
    "YY": lambda dt: str(dt.year % 100).zfill(2),
    "Y": _year_4,
    "y": lambda dt: str(dt.year),
    "yo": lambda dt: ordinal(dt.year),
    "yy": lambda dt: _pad(dt.year, 2),
    "yyy": lambda dt: _pad(dt.year, 3),
    "yyyy": lambda dt: _pad(dt.year, 4),
    "N": lambda dt: "AD",
    "NN": lambda dt: "AD",
    "NNN": lambda dt: "AD",
    "NNNN": lambda dt: "Anno Domini",
    "NNNNN": lambda dt: "AD",
    # quarter, month
    "Q": lambda dt: str((dt.month - 1) // 3 + 1),
    "Qo": lambda dt: ordinal((dt.month - 1) // 3 + 1),
    "M": lambda dt: str(dt.month),
    "Mo": lambda dt: ordinal(dt.month),
    "MM": lambda dt: f"{dt.month:02d}",
    "MMM": lambda dt: MONTHS_SHORT[dt.month - 1],
    "MMMM": lambda dt: MONTHS[dt.month - 1],
    # day of month / year
    "D": lambda dt: str(dt.day),
    "Do": lambda dt: ordinal(dt.day),
    "DD": lambda dt: f"{dt.day:02d}",
    "DDD": lambda dt: str(dt.timetuple().tm_yday),
    "DDDo": lambda dt: ordinal(dt.timetuple().tm_yday),
    "DDDD": lambda dt: f"{dt.timetuple().tm_yday:03d}",
    # day of week
    "d": lambda dt: str(_js_weekday(dt)),
    "do": lambda dt: ordinal(_js_weekday(dt)),
    "dd": lambda dt: WEEKDAYS_MIN[_js_weekday(dt)],
    "ddd": lambda dt: WEEKDAYS_SHORT[_js_weekday(dt)],
    "dddd": lambda dt: WEEKDAYS[_js_weekday(dt)],
    "e": lambda dt: str(_js_weekday(dt)),  # English weeks start on Sunday
    "E": lambda dt: str(dt.isoweekday()),
    # weeks and week-years
    "w": lambda dt: str(_locale_week(dt)[0]),
    "wo": lambda dt: ordinal(_locale_week(dt)[0]),
    "ww": lambda dt: f"{_locale_week(dt)[0]:02d}",
    "W": lambda dt: str(dt.isocalendar()[1]),
    "Wo": lambda dt: ordinal(dt.isocalendar()[1]),
    "WW": lambda dt: f"{dt.isocalendar()[1]:02d}",
    "gg": lambda dt: str(_locale_week(dt)[1] % 100).zfill(2),
    "gggg": lambda dt: _pad(_locale_week(dt)[1], 4),
    "ggggg": lambda dt: _pad(_locale_week(dt)[1], 5),
    "GG": lambda dt: str(dt.isocalendar()[0] % 100).zfill(2),
    "GGGG": lambda dt: _pad(dt.isocalendar()[0], 4),
    "GGGGG": lambda dt: _pad(dt.isocalendar()[0], 5),
    # time of day
    "H": lambda dt: str(dt.hour),
    "HH": lambda dt: f"{dt.hour:02d}",
    "h": lambda dt: str(_h12(dt)),
    "hh": lambda dt: f"{_h12(dt):02d}",
    "k": lambda dt: str(dt.hour or 24),
    "kk": lambda dt: f"{dt.hour or 24:02d}",
    "hmm": lambda dt: f"{_h12(dt)}{dt.minute:02d}",
    "hmmss": lambda dt: f"{_h12(dt)}{dt.minute:02d}{dt.second:02d}",
    "Hmm": lambda dt: f"{dt.hour}{dt.minute:02d}",
    "Hmmss": lambda dt: f"{dt.hour}{dt.minute:02d}{dt.second:02d}",
    "a": lambda dt: "pm" if dt.hour > 11 else "am",
    "A": lambda dt: "PM" if dt.hour > 11 else "AM",
    "m": lambda dt: str(dt.minute),
    "mm": lambda dt: f"{dt.minute:02d}",
    "s": lambda dt: str(dt.second),
    "ss": lambda dt: f"{dt.second:02d}",
    **{"S" * n: _fraction(n) for n in range(1, 10)},
    # zone and epoch
    "z": lambda dt: dt.tzname() or "",
    "zz": lambda dt: dt.tzname() or "",
    "Z": lambda dt: _offset(dt, ":"),
    "ZZ": lambda dt: _offset(dt, ""),
    "X": lambda dt: str(_epoch_ms(dt) // 1000),
    "x": lambda dt: str(_epoch_ms(dt)),
}


def _expand_long_formats(fmt: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1) or match.group(2):
            return match.group(0)
        return _LONG_FORMATS[match.group(3)]

    return _LONG_FORMAT_RE.sub(replace, fmt)


def _tokens(fmt: str) -> list[tuple[str, bool]]:
    """The format as (text, is_token) pieces; literals already unescaped."""
    pieces: list[tuple[str, bool]] = []
    for match in _TOKEN_RE.finditer(_expand_long_formats(fmt)):
        bracketed, escaped, token = match.groups()
        if bracketed is not None:
            pieces.append((bracketed[1:-1], False))
        elif escaped or token not in _FORMATTERS:
            pieces.append((token, False))
        else:
            pieces.append((token, True))
    return pieces


Writer = Callable[[datetime], str]


@lru_cache(maxsize=1024)
def compile_format(fmt: str) -> tuple[Writer | str, ...]:
    """A format string as a tuple of literal strings and token writers (cached)."""
    steps: list[Writer | str] = []
    for text, is_token in _tokens(fmt):
        if is_token:
            steps.append(_FORMATTERS[text])
        elif steps and isinstance(steps[-1], str):
            steps[-1] += text
        else:
            steps.append(text)
    return tuple(steps)


def format_moment(dt: datetime, fmt: str) -> str:
    """`dt` (aware, already in the zone to show) written with a Moment format."""
    return "".join(step if isinstance(step, str) else step(dt) for step in compile_format(fmt))


# ---------------------------------------------------------------------------------------
# Parsing (Moment's forgiving mode)

_YEAR, _MONTH, _DATE, _HOUR, _MINUTE, _SECOND, _MS = range(7)

_D1 = re.compile(r"\d")
_D1TO2 = re.compile(r"\d\d?")
_D1TO3 = re.compile(r"\d{1,3}")
_D1TO4 = re.compile(r"\d{1,4}")
_D3 = re.compile(r"\d{3}")
_D3TO4 = re.compile(r"\d\d\d\d?")
_D5TO6 = re.compile(r"\d\d\d\d\d\d?")
_S1TO6 = re.compile(r"[+-]?\d{1,6}")
_UNSIGNED = re.compile(r"\d+")
_SIGNED = re.compile(r"[+-]?\d+")
_TIMESTAMP = re.compile(r"[+-]?\d+(?:\.\d{1,3})?")
_SHORT_OFFSET = re.compile(r"Z|[+-]\d\d(?::?\d\d)?", re.I)
_WORD = re.compile(
    r"[0-9]{0,256}['a-z\u00a0-\u05ff\u0700-\ud7ff\uf900-\ufdcf\ufdf0-\uffef]{1,256}", re.I
)
_ORDINAL_DAY = re.compile(r"\d{1,2}(?:th|st|nd|rd)|\d{1,2}", re.I)
_MERIDIEM = re.compile(r"[ap]\.?m?\.?", re.I)


@dataclass(slots=True)
class _Parsed:
    """What the tokens of one parse have read so far."""

    a: list[int | None] = field(default_factory=lambda: [None] * 7)
    day_of_year: int | None = None
    week: dict[str, int] = field(default_factory=dict)
    is_pm: bool | None = None
    offset_minutes: int | None = None
    instant: datetime | None = None
    invalid: str | None = None
    read_any: bool = False


def _two_digit_year(text: str) -> int:
    value = int(text)
    return value + (1900 if value > 68 else 2000)


def _set(index: int, convert: Callable[[str], int] = int) -> Callable[[str, _Parsed], None]:
    def store(text: str, state: _Parsed) -> None:
        state.a[index] = convert(text)

    return store


def _read_month_name(text: str, state: _Parsed) -> None:
    lowered = text.lower()
    for index, name in enumerate(MONTHS):
        if lowered.startswith(name.lower()) or lowered.startswith(name[:3].lower()):
            state.a[_MONTH] = index
            return
    state.invalid = f"'{text}' is not a month name"


def _read_weekday_name(text: str, state: _Parsed) -> None:
    lowered = text.lower()
    for index, name in enumerate(WEEKDAYS):
        if lowered.startswith(name.lower()) or lowered.startswith(name[:2].lower()):
            state.week["d"] = index
            return
    state.invalid = f"'{text}' is not a day name"


def _read_year(text: str, state: _Parsed) -> None:
    state.a[_YEAR] = _two_digit_year(text) if len(text) == 2 else int(text)


def _read_meridiem(text: str, state: _Parsed) -> None:
    state.is_pm = text[:1].lower() == "p"


def _read_k(text: str, state: _Parsed) -> None:
    value = int(text)
    state.a[_HOUR] = 0 if value == 24 else value


def _read_hour_minutes(with_seconds: bool) -> Callable[[str, _Parsed], None]:
    def read(text: str, state: _Parsed) -> None:
        if with_seconds:
            state.a[_HOUR] = int(text[:-4])
            state.a[_MINUTE] = int(text[-4:-2])
            state.a[_SECOND] = int(text[-2:])
        else:
            state.a[_HOUR] = int(text[:-2])
            state.a[_MINUTE] = int(text[-2:])

    return read


def _read_fraction(text: str, state: _Parsed) -> None:
    state.a[_MS] = int(float("0." + text) * 1000)


def _read_offset(text: str, state: _Parsed) -> None:
    if text.upper() == "Z":
        state.offset_minutes = 0
        return
    digits = re.findall(r"\d\d", text)
    minutes = int(digits[0]) * 60 + (int(digits[1]) if len(digits) > 1 else 0)
    state.offset_minutes = -minutes if text[0] == "-" else minutes


def _read_unix_seconds(text: str, state: _Parsed) -> None:
    state.instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
        milliseconds=round(float(text) * 1000)
    )


def _read_unix_ms(text: str, state: _Parsed) -> None:
    state.instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(text))


def _read_day_of_year(text: str, state: _Parsed) -> None:
    state.day_of_year = int(text)


def _read_ordinal_day(text: str, state: _Parsed) -> None:
    match = _D1TO2.search(text)
    state.a[_DATE] = int(match.group(0)) if match else None


def _week_field(key: str, convert: Callable[[str], int] = int) -> Callable[[str, _Parsed], None]:
    def read(text: str, state: _Parsed) -> None:
        state.week[key] = convert(text)

    return read


Reader = Callable[[str, _Parsed], None]

_READERS: dict[str, tuple[re.Pattern[str], Reader]] = {
    "YYYYYY": (_S1TO6, _set(_YEAR)),
    "YYYYY": (_S1TO6, _set(_YEAR)),
    "YYYY": (_D1TO4, _read_year),
    "YY": (_D1TO2, _set(_YEAR, _two_digit_year)),
    "Y": (_SIGNED, _set(_YEAR)),
    "yyyy": (_D1TO4, _read_year),
    "Q": (_D1, _set(_MONTH, lambda t: (int(t) - 1) * 3)),
    "M": (_D1TO2, _set(_MONTH, lambda t: int(t) - 1)),
    "MM": (_D1TO2, _set(_MONTH, lambda t: int(t) - 1)),
    "MMM": (_WORD, _read_month_name),
    "MMMM": (_WORD, _read_month_name),
    "D": (_D1TO2, _set(_DATE)),
    "DD": (_D1TO2, _set(_DATE)),
    "Do": (_ORDINAL_DAY, _read_ordinal_day),
    "DDD": (_D1TO3, _read_day_of_year),
    "DDDD": (_D3, _read_day_of_year),
    "d": (_D1TO2, _week_field("d")),
    "e": (_D1TO2, _week_field("e")),
    "E": (_D1TO2, _week_field("E")),
    "dd": (_WORD, _read_weekday_name),
    "ddd": (_WORD, _read_weekday_name),
    "dddd": (_WORD, _read_weekday_name),
    "w": (_D1TO2, _week_field("w")),
    "ww": (_D1TO2, _week_field("w")),
    "W": (_D1TO2, _week_field("W")),
    "WW": (_D1TO2, _week_field("W")),
    "gg": (_D1TO2, _week_field("gg", _two_digit_year)),
    "gggg": (_D1TO4, _week_field("gg")),
    "ggggg": (_S1TO6, _week_field("gg")),
    "GG": (_D1TO2, _week_field("GG", _two_digit_year)),
    "GGGG": (_D1TO4, _week_field("GG")),
    "GGGGG": (_S1TO6, _week_field("GG")),
    "H": (_D1TO2, _set(_HOUR)),
    "HH": (_D1TO2, _set(_HOUR)),
    "h": (_D1TO2, _set(_HOUR)),
    "hh": (_D1TO2, _set(_HOUR)),
    "k": (_D1TO2, _read_k),
    "kk": (_D1TO2, _read_k),
    "hmm": (_D3TO4, _read_hour_minutes(False)),
    "Hmm": (_D3TO4, _read_hour_minutes(False)),
    "hmmss": (_D5TO6, _read_hour_minutes(True)),
    "Hmmss": (_D5TO6, _read_hour_minutes(True)),
    "a": (_MERIDIEM, _read_meridiem),
    "A": (_MERIDIEM, _read_meridiem),
    "m": (_D1TO2, _set(_MINUTE)),
    "mm": (_D1TO2, _set(_MINUTE)),
    "s": (_D1TO2, _set(_SECOND)),
    "ss": (_D1TO2, _set(_SECOND)),
    "S": (_D1TO3, _read_fraction),
    "SS": (_D1TO3, _read_fraction),
    "SSS": (_D1TO3, _read_fraction),
    **{"S" * n: (_UNSIGNED, _read_fraction) for n in range(4, 10)},
    "Z": (_SHORT_OFFSET, _read_offset),
    "ZZ": (_SHORT_OFFSET, _read_offset),
    "X": (_TIMESTAMP, _read_unix_seconds),
    "x": (_SIGNED, _read_unix_ms),
}

ParseStep = tuple[re.Pattern[str], Reader | None]


@lru_cache(maxsize=512)
def compile_parse_format(fmt: str) -> tuple[ParseStep, ...]:
    """A parse format as (pattern, reader) steps; literals have no reader (cached)."""
    steps: list[ParseStep] = []
    for text, is_token in _tokens(fmt):
        if not text:
            continue
        if is_token and text in _READERS:
            steps.append(_READERS[text])
        else:
            steps.append((re.compile(re.escape(text)), None))
    return tuple(steps)


class DateParseError(ValueError):
    """Text that does not read as a date in the given format."""


def _read(text: str, fmt: str) -> _Parsed:
    state = _Parsed()
    rest = text
    for pattern, reader in compile_parse_format(fmt):
        match = pattern.search(rest)
        if match is None:
            continue
        rest = rest[match.end() :]
        if reader is not None:
            state.read_any = True
            try:
                reader(match.group(0), state)
            except (ValueError, OverflowError) as exc:
                raise DateParseError(str(exc)) from exc
    return state


def _day_of_year_from_weeks(state: _Parsed, today: date) -> None:
    w = state.week
    if "GG" in w or "W" in w or "E" in w:
        dow, doy = 1, 4
        known_year = state.a[_YEAR]
        year = w.get("GG", known_year if known_year is not None else today.isocalendar()[0])
        week = w.get("W", 1)
        weekday = w.get("E", 1)
        if not 1 <= weekday <= 7:
            raise DateParseError("day of week out of range")
    else:
        dow, doy = 0, 6
        current_week, current_year = week_of_year(today, dow, doy)
        known_year = state.a[_YEAR]
        year = w.get("gg", known_year if known_year is not None else current_year)
        week = w.get("w", current_week)
        if "d" in w:
            weekday = w["d"]
            if not 0 <= weekday <= 6:
                raise DateParseError("day of week out of range")
        elif "e" in w:
            weekday = w["e"] + dow
            if not 0 <= w["e"] <= 6:
                raise DateParseError("day of week out of range")
        else:
            weekday = dow
    if week < 1 or week > _weeks_in_year(year, dow, doy):
        raise DateParseError("week out of range")
    local_weekday = (7 + weekday - dow) % 7
    day = 1 + 7 * (week - 1) + local_weekday + _first_week_offset(year, dow, doy)
    if day <= 0:
        year -= 1
        day += _days_in_year(year)
    elif day > _days_in_year(year):
        day -= _days_in_year(year)
        year += 1
    state.a[_YEAR] = year
    state.day_of_year = day


def _check_overflow(a: list[int]) -> None:
    year, month, day, hour, minute, second, ms = a
    if not 0 <= month <= 11:
        raise DateParseError("month out of range")
    if not 1 <= day <= _days_in_month(year, month):
        raise DateParseError("day of month out of range")
    if not 0 <= hour <= 24 or (hour == 24 and (minute or second or ms)):
        raise DateParseError("hour out of range")
    if not 0 <= minute <= 59:
        raise DateParseError("minute out of range")
    if not 0 <= second <= 59:
        raise DateParseError("second out of range")
    if not 0 <= ms <= 999:
        raise DateParseError("millisecond out of range")


def parse_moment(text: str, fmt: str, zone: ZoneInfo, now: datetime) -> datetime:
    """Read `text` with a Moment format; a time without offset is read in `zone`.

    Missing parts default like Moment: no year/month/day -> today (in `zone`), only a
    year -> 1 January, time -> 00:00:00. Raises DateParseError when the text is not a
    valid date in that format.
    """
    state = _read(text, fmt)
    if state.invalid:
        raise DateParseError(state.invalid)
    if not state.read_any:
        raise DateParseError("nothing in the text matches the format")
    if state.instant is not None:
        return state.instant
    today = now.astimezone(zone).date()
    a = state.a
    if state.week and a[_DATE] is None and a[_MONTH] is None:
        _day_of_year_from_weeks(state, today)
    if state.day_of_year is not None:
        known_year = a[_YEAR]
        year = known_year if known_year is not None else today.year
        if not 1 <= state.day_of_year <= _days_in_year(year):
            raise DateParseError("day of year out of range")
        resolved = date(year, 1, 1) + timedelta(days=state.day_of_year - 1)
        a[_YEAR], a[_MONTH], a[_DATE] = year, resolved.month - 1, resolved.day
    defaults = (today.year, today.month - 1, today.day)
    index = 0
    while index < 3 and a[index] is None:
        a[index] = defaults[index]
        index += 1
    filled = [value if value is not None else (1 if i == _DATE else 0) for i, value in enumerate(a)]
    if state.is_pm is not None:
        hour = filled[_HOUR]
        if state.is_pm and hour < 12:
            filled[_HOUR] = hour + 12
        elif not state.is_pm and hour == 12:
            filled[_HOUR] = 0
    _check_overflow(filled)
    year, month, day, hour, minute, second, ms = filled
    if not 1 <= year <= 9999:
        raise DateParseError("year out of range")
    next_day = hour == 24
    wall = datetime(year, month + 1, day, 0 if next_day else hour, minute, second, ms * 1000)
    if next_day:
        wall += timedelta(days=1)
    if state.offset_minutes is not None:
        result = (wall - timedelta(minutes=state.offset_minutes)).replace(tzinfo=UTC)
    else:
        result = localize(wall, zone)
    if "d" in state.week and _js_weekday(wall) != state.week["d"]:
        raise DateParseError("the day name does not match the date")
    return result


def parse_error(text: str, fmt: str) -> IMLError:
    return IMLError(f"'{text}' is not a valid date or does not match the date format '{fmt}'")
