"""Make's date functions: Moment tokens, parsing, time zones, DST, month ends, rollover."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import IMLError
from engine.iml.dates import compile_format
from engine.iml.functions import FUNCTIONS
from engine.iml.scope import Scope
from tests.iml.helpers import ev

NOW = datetime(2024, 5, 15, 10, 0, 0, tzinfo=UTC)  # a Wednesday
CREATED = "2024-01-31T23:30:00.000Z"  # Wednesday, 00:30 on Thursday in Prague


def call(name: str, *args: Any, tz: str = "UTC", now: datetime = NOW) -> Any:
    definition = FUNCTIONS[name]
    if definition.scope:
        return definition.fn(Scope(now=lambda: now, timezone=tz), *args)
    return definition.fn(*args)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def fmt(value: Any, pattern: str, tz: str | None = "UTC", scope_tz: str = "UTC") -> str:
    args = (value, pattern) if tz is None else (value, pattern, tz)
    return call("formatDate", *args, tz=scope_tz)


# ---------------------------------------------------------------------------- formatDate


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("YYYY", "2024"),
        ("YY", "24"),
        ("Y", "2024"),
        ("Q", "1"),
        ("M", "1"),
        ("MM", "01"),
        ("MMM", "Jan"),
        ("MMMM", "January"),
        ("D", "31"),
        ("DD", "31"),
        ("Do", "31st"),
        ("DDD", "31"),
        ("DDDD", "031"),
        ("d", "3"),
        ("dd", "We"),
        ("ddd", "Wed"),
        ("dddd", "Wednesday"),
        ("e", "3"),
        ("E", "3"),
        ("w", "5"),
        ("ww", "05"),
        ("W", "5"),
        ("WW", "05"),
        ("H", "23"),
        ("HH", "23"),
        ("h", "11"),
        ("hh", "11"),
        ("k", "23"),
        ("kk", "23"),
        ("m", "30"),
        ("mm", "30"),
        ("s", "0"),
        ("ss", "00"),
        ("A", "PM"),
        ("a", "pm"),
        ("Z", "+00:00"),
        ("ZZ", "+0000"),
        ("X", "1706743800"),
        ("x", "1706743800000"),
        ("gggg", "2024"),
        ("GGGG", "2024"),
        ("Mo", "1st"),
        ("Qo", "1st"),
        ("z", "UTC"),
    ],
)
def test_every_token_formats_like_moment(pattern: str, expected: str) -> None:
    assert fmt(CREATED, pattern) == expected


def test_fractional_second_tokens() -> None:
    moment = "2024-01-31T23:30:05.123Z"
    assert fmt(moment, "S SS SSS SSSS") == "1 12 123 1230"
    assert fmt(moment, "YYYY-MM-DDTHH:mm:ss.SSSZ") == "2024-01-31T23:30:05.123+00:00"


def test_hours_around_midnight_and_noon() -> None:
    midnight = "2024-01-31T00:05:00Z"
    noon = "2024-01-31T12:05:00Z"
    assert fmt(midnight, "H HH h hh k kk A") == "0 00 12 12 24 24 AM"
    assert fmt(noon, "H h k a") == "12 12 12 pm"
    assert fmt("2024-01-31T13:05:00Z", "h:mm A") == "1:05 PM"


@pytest.mark.parametrize(
    ("day", "expected"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
     (13, "13th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (30, "30th")],
)  # fmt: skip
def test_ordinal_day(day: int, expected: str) -> None:
    assert fmt(utc(2024, 3, day, 12), "Do") == expected


def test_literals_brackets_and_escapes() -> None:
    assert fmt(CREATED, "[Today is] dddd") == "Today is Wednesday"
    assert fmt(CREATED, "YYYY-MM-DDTHH:mm") == "2024-01-31T23:30"  # T passes through
    assert fmt(CREATED, "\\YYYY [YYYY] YYYY") == "YYYY YYYY 2024"
    assert fmt(CREATED, "DD/MM/YYYY, HH.mm!") == "31/01/2024, 23.30!"
    assert fmt(CREATED, "[HH") == "[23"  # an unclosed bracket is just a character


def test_localized_long_formats() -> None:
    assert fmt(CREATED, "L") == "01/31/2024"
    assert fmt(CREATED, "LL") == "January 31, 2024"
    assert fmt(CREATED, "LLLL") == "Wednesday, January 31, 2024 11:30 PM"
    assert fmt(CREATED, "lll") == "Jan 31, 2024 11:30 PM"
    assert fmt(CREATED, "LTS") == "11:30:00 PM"
    assert fmt(CREATED, "[L] L") == "L 01/31/2024"


def test_week_years_at_the_turn_of_the_year() -> None:
    friday = utc(2021, 1, 1, 12)  # ISO week 53 of 2020, English week 1 of 2021
    assert fmt(friday, "W GGGG w gggg") == "53 2020 1 2021"
    thursday = utc(2020, 12, 31, 12)  # the English week holding 1 Jan is week 1
    assert fmt(thursday, "w gggg W GGGG") == "1 2021 53 2020"


def test_time_zone_argument_and_offsets() -> None:
    assert fmt(CREATED, "YYYY-MM-DD HH:mm", "Europe/Prague") == "2024-02-01 00:30"
    assert fmt(CREATED, "YYYY-MM-DDTHH:mm:ssZ", "Europe/Prague") == "2024-02-01T00:30:00+01:00"
    assert fmt(CREATED, "ZZ z", "America/New_York") == "-0500 EST"
    assert fmt("2024-07-01T12:00:00Z", "HH:mm Z z", "America/New_York") == "08:00 -04:00 EDT"
    assert fmt("2024-07-01T12:00:00Z", "HH:mm Z", "Asia/Kolkata") == "17:30 +05:30"
    # Names are matched case-insensitively, like moment-timezone.
    assert fmt(CREATED, "HH:mm", "europe/prague") == "00:30"


def test_default_and_unknown_time_zone_use_the_scenario_zone() -> None:
    assert fmt(CREATED, "HH:mm", None, scope_tz="Europe/Prague") == "00:30"
    # Make ignores a zone it does not know and uses the organisation's zone.
    assert fmt(CREATED, "HH:mm", "Mars/Olympus", scope_tz="Europe/Prague") == "00:30"
    assert fmt(CREATED, "HH:mm", "", scope_tz="America/New_York") == "18:30"


def test_unix_tokens_do_not_depend_on_the_zone() -> None:
    assert fmt(CREATED, "x", "Pacific/Auckland") == "1706743800000"
    assert fmt(CREATED, "X", "America/New_York") == "1706743800"
    assert fmt("1969-12-31T23:59:59.500Z", "X x") == "-1 -500"


def test_date_argument_kinds() -> None:
    assert fmt(1706743800000, "YYYY-MM-DD HH:mm") == "2024-01-31 23:30"
    assert fmt(utc(2024, 1, 31, 23, 30), "YYYY-MM-DD HH:mm") == "2024-01-31 23:30"
    assert fmt("2024-01-31T23:30:00+01:00", "HH:mm") == "22:30"
    assert call("formatDate", CREATED, tz="Europe/Prague") == "2024-02-01T00:30:00+01:00"


def test_format_date_empty_and_invalid() -> None:
    assert call("formatDate", None, "YYYY") is None
    assert call("formatDate", "", "YYYY") is None
    with pytest.raises(IMLError, match="formatDate"):
        call("formatDate", "not a date at all", "YYYY")


def test_dst_transitions_show_the_right_local_time() -> None:
    # Europe/Prague springs forward at 01:00 UTC on 2024-03-31.
    assert fmt("2024-03-31T00:59:00Z", "HH:mm Z", "Europe/Prague") == "01:59 +01:00"
    assert fmt("2024-03-31T01:00:00Z", "HH:mm Z", "Europe/Prague") == "03:00 +02:00"
    # America/New_York falls back at 06:00 UTC on 2024-11-03: 01:30 happens twice.
    assert fmt("2024-11-03T05:30:00Z", "HH:mm z", "America/New_York") == "01:30 EDT"
    assert fmt("2024-11-03T06:30:00Z", "HH:mm z", "America/New_York") == "01:30 EST"


def test_formats_are_compiled_once() -> None:
    assert compile_format("YYYY-MM-DD [at] HH:mm") is compile_format("YYYY-MM-DD [at] HH:mm")
    steps = compile_format("YYYY-MM-DD")
    assert [s for s in steps if isinstance(s, str)] == ["-", "-"]


# ---------------------------------------------------------------------------- parseDate


def parse(text: Any, pattern: Any = None, tz: str | None = "UTC", scope_tz: str = "UTC") -> Any:
    args: tuple[Any, ...] = (text,) if pattern is None else (text, pattern)
    if tz is not None:
        args = (*args, tz)
    return call("parseDate", *args, tz=scope_tz)


def test_parse_reads_numbers_and_separators() -> None:
    assert parse("15/03/2024", "DD/MM/YYYY") == utc(2024, 3, 15)
    assert parse("2024-03-15 14:30", "YYYY-MM-DD HH:mm") == utc(2024, 3, 15, 14, 30)
    assert parse("3/5/2024 7:05:09", "D/M/YYYY H:m:s") == utc(2024, 5, 3, 7, 5, 9)
    assert parse("2024-03-15 14:30:05.25", "YYYY-MM-DD HH:mm:ss.SS") == utc(
        2024, 3, 15, 14, 30, 5, 250000
    )


def test_parse_returns_aware_utc_dates_read_in_the_zone() -> None:
    result = parse("2024-03-15 14:30", "YYYY-MM-DD HH:mm", "Europe/Prague")
    assert result == utc(2024, 3, 15, 13, 30)
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)
    # Without a zone argument the scenario's zone is used.
    assert parse("2024-07-15 14:30", "YYYY-MM-DD HH:mm", None, "America/New_York") == utc(
        2024, 7, 15, 18, 30
    )


def test_parse_offset_in_the_text_wins_over_the_zone() -> None:
    assert parse("2024-03-15 14:30 +05:00", "YYYY-MM-DD HH:mm Z", "Europe/Prague") == utc(
        2024, 3, 15, 9, 30
    )
    assert parse("2024-03-15T14:30:00-0330", "YYYY-MM-DDTHH:mm:ssZZ") == utc(2024, 3, 15, 18)
    assert parse("2024-03-15T14:30:00Z", "YYYY-MM-DDTHH:mm:ssZ", "Asia/Tokyo") == utc(
        2024, 3, 15, 14, 30
    )


def test_parse_names_meridiem_and_ordinals() -> None:
    assert parse("Aug 18, 2019 10:00 AM", "MMM DD, YYYY hh:mm A", "Europe/Prague") == utc(
        2019, 8, 18, 8
    )
    assert parse("15 march 2024", "D MMMM YYYY") == utc(2024, 3, 15)
    assert parse("March 3rd, 2024", "MMMM Do, YYYY") == utc(2024, 3, 3)
    assert parse("2024-03-15 12:15 am", "YYYY-MM-DD hh:mm a") == utc(2024, 3, 15, 0, 15)
    assert parse("2024-03-15 12:15 PM", "YYYY-MM-DD hh:mm A") == utc(2024, 3, 15, 12, 15)
    assert parse("2024-03-15 3:15 p.m.", "YYYY-MM-DD h:mm a") == utc(2024, 3, 15, 15, 15)
    assert parse("Friday, 15 March 2024", "dddd, D MMMM YYYY") == utc(2024, 3, 15)


def test_parse_unix_timestamps() -> None:
    assert parse("1410715640.579", "X") == datetime(2014, 9, 14, 17, 27, 20, 579000, UTC)
    assert parse("1410715640579", "x") == datetime(2014, 9, 14, 17, 27, 20, 579000, UTC)
    assert parse(1706743800, "X") == utc(2024, 1, 31, 23, 30)


def test_parse_two_digit_years() -> None:
    assert parse("15/03/24", "DD/MM/YY") == utc(2024, 3, 15)
    assert parse("15/03/68", "DD/MM/YY") == utc(2068, 3, 15)
    assert parse("15/03/69", "DD/MM/YY") == utc(1969, 3, 15)


def test_parse_missing_parts_default_like_moment() -> None:
    # Only a time: today (in the zone) at that time.
    assert parse("14:30", "HH:mm") == utc(2024, 5, 15, 14, 30)
    late = datetime(2024, 5, 15, 23, 30, tzinfo=UTC)  # already 16 May in Prague
    assert call("parseDate", "08:00", "HH:mm", "Europe/Prague", now=late) == utc(2024, 5, 16, 6)
    # Only a year: 1 January; year and month: the 1st.
    assert parse("2023", "YYYY") == utc(2023, 1, 1)
    assert parse("07/2023", "MM/YYYY") == utc(2023, 7, 1)
    # Day only: this month and year.
    assert parse("3", "D") == utc(2024, 5, 3)


def test_parse_week_quarter_and_day_of_year_tokens() -> None:
    assert parse("2024-W11-5", "GGGG-[W]WW-E") == utc(2024, 3, 15)
    assert parse("2024 075", "YYYY DDDD") == utc(2024, 3, 15)
    assert parse("Q3 2024", "[Q]Q YYYY") == utc(2024, 7, 1)


def test_parse_24_00_is_the_next_midnight() -> None:
    assert parse("2024-03-15 24:00", "YYYY-MM-DD HH:mm") == utc(2024, 3, 16)


def test_parse_is_forgiving_like_moment() -> None:
    # Trailing text is ignored, a missing literal is skipped.
    assert parse("2024-03-15T14:30:00.000Z", "YYYY-MM-DD") == utc(2024, 3, 15)
    assert parse("2024-03-15 14:30", "YYYY-MM-DDTHH:mm") == utc(2024, 3, 15, 14, 30)
    assert parse("  15.03.2024  ", "DD.MM.YYYY") == utc(2024, 3, 15)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("hello", "YYYY-MM-DD"),
        ("32/01/2024", "DD/MM/YYYY"),
        ("31/02/2024", "DD/MM/YYYY"),
        ("2024-13-01", "YYYY-MM-DD"),
        ("2024-03-15 14:60", "YYYY-MM-DD HH:mm"),
        ("Monday, 15 March 2024", "dddd, D MMMM YYYY"),  # 15 March 2024 is a Friday
        ("15 Smarch 2024", "D MMMM YYYY"),
        ("2023 366", "YYYY DDDD"),
    ],
)
def test_parse_rejects_invalid_dates_with_a_clear_error(text: str, pattern: str) -> None:
    with pytest.raises(IMLError, match=re.escape(f"'{text}'")) as info:
        parse(text, pattern)
    assert "parseDate" in str(info.value) and pattern in str(info.value)


def test_parse_dst_gap_and_overlap() -> None:
    # 02:30 does not exist in Prague on 2024-03-31: Moment moves it to 03:30 CEST.
    assert parse("2024-03-31 02:30", "YYYY-MM-DD HH:mm", "Europe/Prague") == utc(2024, 3, 31, 1, 30)
    # 02:30 happens twice on 2024-10-27: the earlier one (CEST) is taken.
    assert parse("2024-10-27 02:30", "YYYY-MM-DD HH:mm", "Europe/Prague") == utc(
        2024, 10, 27, 0, 30
    )
    assert parse("2024-03-10 02:30", "YYYY-MM-DD HH:mm", "America/New_York") == utc(
        2024, 3, 10, 7, 30
    )
    assert parse("2024-11-03 01:30", "YYYY-MM-DD HH:mm", "America/New_York") == utc(
        2024, 11, 3, 5, 30
    )


@pytest.mark.parametrize(
    "pattern",
    [
        "YYYY-MM-DD HH:mm:ss.SSS",
        "DD/MM/YYYY hh:mm:ss.SSS A",
        "dddd, MMMM Do YYYY, h:mm:ss.SSS a",
        "MMM D YY H:m:s.SSS",
        "YYYY-MM-DDTHH:mm:ss.SSSZ",
        "x",
        "X.SSS",
        "GGGG-[W]WW-E HH:mm:ss.SSS",
        "YYYY DDDD HH:mm:ss.SSS",
        "LLLL:ss.SSS",
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Prague", "America/New_York", "Asia/Kolkata"])
def test_format_then_parse_round_trips(pattern: str, zone: str) -> None:
    for moment in (
        datetime(2024, 1, 31, 23, 30, 5, 123000, UTC),
        datetime(2024, 7, 4, 0, 0, 0, 7000, UTC),
        datetime(2021, 1, 1, 12, 59, 59, 999000, UTC),
        datetime(2024, 2, 29, 11, 0, 0, 0, UTC),
    ):
        text = fmt(moment, pattern, zone)
        assert parse(text, pattern, zone) == moment, text


def test_parse_without_format_and_with_a_date() -> None:
    assert parse("2024-03-15T14:30:00Z", None, None) == utc(2024, 3, 15, 14, 30)
    assert parse("2024-03-15 14:30", None, None, "Europe/Prague") == utc(2024, 3, 15, 13, 30)
    assert parse("1706743800000", None, None) == utc(2024, 1, 31, 23, 30)
    moment = utc(2024, 3, 15, 14, 30)
    assert parse(moment, "YYYY-MM-DD hh:mm:ss A") == moment
    assert parse(None, "YYYY") is None and parse("", "YYYY") is None
    with pytest.raises(IMLError):
        parse("nonsense", None, None)


# ---------------------------------------------------------------------------- add*


def test_add_exact_units() -> None:
    base = "2024-03-15T12:00:00.000Z"
    assert call("addSeconds", base, 90) == utc(2024, 3, 15, 12, 1, 30)
    assert call("addMinutes", base, "-30") == utc(2024, 3, 15, 11, 30)
    assert call("addHours", base, -24.5) == utc(2024, 3, 14, 11, 30)
    assert call("addSeconds", base, 0.25) == datetime(2024, 3, 15, 12, 0, 0, 250000, UTC)


def test_add_days_across_month_ends_and_leap_day() -> None:
    assert call("addDays", CREATED, 1) == utc(2024, 2, 1, 23, 30)
    assert call("addDays", "2024-02-28T12:00:00Z", 1) == utc(2024, 2, 29, 12)
    assert call("addDays", "2024-02-28T12:00:00Z", -7) == utc(2024, 2, 21, 12)
    assert call("addDays", "2024-02-28T12:00:00Z", "2") == utc(2024, 3, 1, 12)
    # Fractional days round half away from zero, like Moment.
    assert call("addDays", "2024-02-28T12:00:00Z", 1.5) == utc(2024, 3, 1, 12)
    assert call("addDays", "2024-02-28T12:00:00Z", -1.5) == utc(2024, 2, 26, 12)


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    jan31 = "2024-01-31T10:00:00Z"
    assert call("addMonths", jan31, 1) == utc(2024, 2, 29, 10)
    assert call("addMonths", jan31, 13) == utc(2025, 2, 28, 10)
    assert call("addMonths", "2024-03-31T10:00:00Z", -1) == utc(2024, 2, 29, 10)
    assert call("addMonths", jan31, -2) == utc(2023, 11, 30, 10)
    assert call("addYears", "2024-02-29T10:00:00Z", 1) == utc(2025, 2, 28, 10)
    assert call("addYears", "2024-02-29T10:00:00Z", 4) == utc(2028, 2, 29, 10)
    assert call("addYears", "2024-02-29T10:00:00Z", "-1") == utc(2023, 2, 28, 10)


def test_add_days_keeps_the_local_time_across_dst() -> None:
    # Noon in Prague the day before clocks spring forward.
    before = "2024-03-30T11:00:00Z"
    assert call("addDays", before, 1, tz="Europe/Prague") == utc(2024, 3, 31, 10)
    assert call("addHours", before, 24, tz="Europe/Prague") == utc(2024, 3, 31, 11)
    # New York, the day before clocks fall back.
    assert call("addDays", "2024-11-02T13:00:00Z", 1, tz="America/New_York") == utc(2024, 11, 3, 14)
    assert call("addMonths", "2024-02-15T11:00:00Z", 1, tz="Europe/Prague") == utc(2024, 3, 15, 11)
    assert call("addMonths", "2024-03-15T11:00:00Z", 1, tz="Europe/Prague") == utc(2024, 4, 15, 10)


@pytest.mark.parametrize(
    "name", ["addSeconds", "addMinutes", "addHours", "addDays", "addMonths", "addYears"]
)
def test_add_rejects_bad_input_and_passes_empty(name: str) -> None:
    with pytest.raises(IMLError, match=name):
        call(name, "2024-01-01T00:00:00Z", "three")
    with pytest.raises(IMLError, match=name):
        call(name, "the day after tomorrow", 1)
    assert call(name, None, 1) is None


def test_add_out_of_range_is_an_iml_error() -> None:
    with pytest.raises(IMLError, match="out of range"):
        call("addYears", "9999-06-01T00:00:00Z", 1)


# ---------------------------------------------------------------------------- set*


def test_set_date_rolls_over() -> None:
    jan15 = "2024-01-15T10:20:30.400Z"
    assert call("setDate", jan15, 32) == datetime(2024, 2, 1, 10, 20, 30, 400000, UTC)
    assert call("setDate", jan15, 0) == datetime(2023, 12, 31, 10, 20, 30, 400000, UTC)
    assert call("setDate", jan15, "5") == datetime(2024, 1, 5, 10, 20, 30, 400000, UTC)


def test_set_time_parts_roll_over() -> None:
    base = "2024-01-15T10:20:30Z"
    assert call("setHour", base, 25) == utc(2024, 1, 16, 1, 20, 30)
    assert call("setHour", base, -1) == utc(2024, 1, 14, 23, 20, 30)
    assert call("setMinute", base, 60) == utc(2024, 1, 15, 11, 0, 30)
    assert call("setSecond", base, -1) == utc(2024, 1, 15, 10, 19, 59)
    assert call("setSecond", base, 5) == utc(2024, 1, 15, 10, 20, 5)


def test_set_month_by_number_or_name() -> None:
    jan31 = "2024-01-31T10:00:00Z"
    assert call("setMonth", jan31, 2) == utc(2024, 2, 29, 10)  # clamped to the month's end
    assert call("setMonth", jan31, 13) == utc(2025, 1, 31, 10)
    assert call("setMonth", jan31, 0) == utc(2023, 12, 31, 10)
    assert call("setMonth", jan31, "March") == utc(2024, 3, 31, 10)
    assert call("setMonth", jan31, "sep") == utc(2024, 9, 30, 10)
    with pytest.raises(IMLError, match="setMonth"):
        call("setMonth", jan31, "Smarch")


def test_set_year_and_leap_day() -> None:
    assert call("setYear", "2024-02-29T10:00:00Z", 2023) == utc(2023, 2, 28, 10)
    assert call("setYear", "2024-03-15T10:00:00Z", "2030") == utc(2030, 3, 15, 10)


def test_set_day_of_week_sunday_is_one() -> None:
    wednesday = "2024-01-31T10:00:00Z"
    assert call("setDay", wednesday, 1) == utc(2024, 1, 28, 10)  # Sunday of that week
    assert call("setDay", wednesday, 7) == utc(2024, 2, 3, 10)  # Saturday
    assert call("setDay", wednesday, "Monday") == utc(2024, 1, 29, 10)
    assert call("setDay", wednesday, "fri") == utc(2024, 2, 2, 10)
    assert call("setDay", wednesday, 8) == utc(2024, 2, 4, 10)  # next Sunday
    assert call("setDay", wednesday, 0) == utc(2024, 1, 27, 10)  # previous Saturday
    with pytest.raises(IMLError, match="setDay"):
        call("setDay", wednesday, "Caturday")


def test_set_works_on_the_scenario_wall_clock() -> None:
    # 23:30 UTC on 31 January is already 1 February, 00:30 in Prague.
    assert call("setHour", CREATED, 9, tz="Europe/Prague") == utc(2024, 2, 1, 8, 30)
    assert call("setDate", CREATED, 10, tz="Europe/Prague") == utc(2024, 2, 9, 23, 30)
    # Setting 02:xx on the day clocks spring forward lands after the gap.
    assert call("setHour", "2024-03-31T00:15:00Z", 2, tz="Europe/Prague") == utc(2024, 3, 31, 1, 15)


@pytest.mark.parametrize(
    "name", ["setSecond", "setMinute", "setHour", "setDate", "setMonth", "setYear", "setDay"]
)
def test_set_rejects_bad_input_and_passes_empty(name: str) -> None:
    with pytest.raises(IMLError, match=name):
        call(name, "2024-01-01T00:00:00Z", {"not": "a number"})
    with pytest.raises(IMLError, match=name):
        call(name, "yesterday-ish", 1)
    assert call(name, "", 1) is None


# ---------------------------------------------------------------------------- acceptance

CASE_DIR = Path("/work/shared/acceptance/cases/iml-numbers-and-dates")
DATE_FUNCTION = re.compile(r"\b(formatDate|parseDate|add[A-Z]\w*|set[A-Z]\w*)\(")


def _date_variables() -> list[tuple[str, str, str]]:
    blueprint = json.loads((CASE_DIR / "blueprint.json").read_text())
    case = json.loads((CASE_DIR / "case.json").read_text())
    expected = case["runs"][0]["expect"]["module_outputs"]["2"][0]
    variables = blueprint["flow"][1]["mapper"]["variables"]
    return [
        (v["name"], v["value"], expected[v["name"]])
        for v in variables
        if DATE_FUNCTION.search(v["value"])
    ]


def test_acceptance_case_has_date_expressions() -> None:
    names = {name for name, _, _ in _date_variables()}
    assert {"created_prague", "created_ms", "leap_day", "prague_stamp_in_utc"} <= names


@pytest.mark.parametrize(("name", "template", "expected"), _date_variables())
@pytest.mark.parametrize("scenario_zone", ["UTC", "Europe/Prague", "America/New_York"])
def test_acceptance_date_expressions(
    name: str, template: str, expected: str, scenario_zone: str
) -> None:
    from engine.iml import compile_template

    case = json.loads((CASE_DIR / "case.json").read_text())
    body = case["runs"][0]["input"]["body"]
    scope = Scope({1: body}, now=lambda: NOW, timezone=scenario_zone)
    assert compile_template(template)(scope) == expected


@pytest.mark.parametrize(
    ("template", "shape"),
    [
        ('{{formatDate(now; "x")}}', r"\d{13}"),
        (
            '{{formatDate(now; "YYYY-MM-DDTHH:mm:ssZ")}}',
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d",
        ),
        ('{{formatDate(addDays(now; -30); "DD-MM-YYYY")}}', r"\d\d-\d\d-\d{4}"),
        ('{{formatDate(addHours(now; -24.2); "YYYYMMDD-HHmmss")}}', r"\d{8}-\d{6}"),
    ],
)
def test_now_based_templates_have_the_right_shape(template: str, shape: str) -> None:
    from engine.iml import compile_template

    scope = Scope({}, timezone="Europe/Prague")
    assert re.fullmatch(shape, compile_template(template)(scope))


def test_templates_with_fixed_clock() -> None:
    from engine.iml import compile_template

    scope = Scope({}, now=lambda: NOW, timezone="Europe/Prague")
    assert compile_template('{{formatDate(now; "YYYY-MM-DD HH:mm")}}')(scope) == "2024-05-15 12:00"
    assert compile_template('{{formatDate(setDay(now; 1); "dddd D")}}')(scope) == "Sunday 12"
    result = compile_template('{{parseDate("15/03/2024"; "DD/MM/YYYY")}}')(scope)
    assert result == utc(2024, 3, 14, 23)


# ---------------------------------------------------------------------------- properties

_ZONES = st.sampled_from(["UTC", "Europe/Prague", "America/New_York", "Asia/Kolkata"])
_MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 12, 30), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))


@settings(max_examples=200, deadline=None)
@given(moment=_MOMENTS, zone=_ZONES)
def test_any_date_round_trips_through_an_iso_like_format(moment: datetime, zone: str) -> None:
    pattern = "YYYY-MM-DD HH:mm:ss.SSS ZZ"
    assert parse(fmt(moment, pattern, zone), pattern, "Asia/Tokyo") == moment


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="0123456789-/:. TZapmAPMJanuaryFridy+", max_size=30),
    pattern=st.sampled_from(
        ["YYYY-MM-DD", "DD/MM/YY hh:mm a", "X", "x", "MMMM Do YYYY", "GGGG-WW-E", "DDDD", "Z"]
    ),
)
def test_parse_never_fails_with_a_raw_exception(text: str, pattern: str) -> None:
    try:
        result = parse(text, pattern, "Europe/Prague")
    except IMLError:
        return
    assert result is None or result.tzinfo is not None


# --- dateDifference --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{{dateDifference("2024-03-15T12:00:00Z"; "2024-03-15T09:30:00Z"; "hours")}}', 2),
        ('{{dateDifference("2024-03-15T09:30:00Z"; "2024-03-15T12:00:00Z"; "hours")}}', -2),
        ('{{dateDifference("2024-03-15T12:00:00Z"; "2024-03-15T09:30:00Z"; "minutes")}}', 150),
        ('{{dateDifference("2024-03-15T12:00:01Z"; "2024-03-15T12:00:00Z")}}', 1000),
        ('{{dateDifference("2024-03-15T12:00:00Z"; "2024-03-15T12:00:00Z"; "seconds")}}', 0),
        ('{{dateDifference("2024-03-22T00:00:00Z"; "2024-03-15T12:00:00Z"; "days")}}', 6),
        ('{{dateDifference("2024-03-29T00:00:00Z"; "2024-03-15T00:00:00Z"; "weeks")}}', 2),
        ('{{dateDifference("2024-02-29T00:00:00Z"; "2024-01-31T00:00:00Z"; "months")}}', 1),
        ('{{dateDifference("2024-03-14T00:00:00Z"; "2024-02-15T00:00:00Z"; "months")}}', 0),
        ('{{dateDifference("2025-03-15T00:00:00Z"; "2024-03-16T00:00:00Z"; "years")}}', 0),
        ('{{dateDifference("2026-03-15T00:00:00Z"; "2024-03-15T00:00:00Z"; "years")}}', 2),
        ('{{dateDifference(now; addDays(now; -3); "days")}}', 3),
        ("{{dateDifference(emptystring; now; \"days\")}}", None),
    ],
)
def test_date_difference_truncates_toward_zero_like_moment(text: str, expected: object) -> None:
    assert ev(text) == expected


def test_date_difference_counts_calendar_days_across_dst() -> None:
    # 31 March 2024, Prague moves to summer time: 23 hours, but one calendar day.
    text = '{{dateDifference("2024-03-31T22:00:00Z"; "2024-03-30T23:00:00Z"; "days")}}'
    assert ev(text, timezone="Europe/Prague") == 1
    assert ev(text.replace('"days"', '"hours"'), timezone="Europe/Prague") == 23


def test_date_difference_unknown_unit_is_an_error() -> None:
    with pytest.raises(IMLError, match="dateDifference"):
        ev('{{dateDifference(now; now; "fortnights")}}')
