"""engine.runtime's schedule computation: Make's types and cron, across DST, with injected times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.runtime import (
    CronError,
    CronExpression,
    Schedule,
    ScheduleError,
    describe,
    due_runs,
    next_run,
    parse_schedule_option,
)
from tests.connectors.corpus import corpus

PRAGUE, NEW_YORK = "Europe/Prague", "America/New_York"


def at(tz: str, *fields: int, fold: int = 0) -> datetime:
    return datetime(*fields, tzinfo=ZoneInfo(tz), fold=fold)  # type: ignore[misc]


def local(moment: datetime | None, tz: str) -> str:
    assert moment is not None
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def runs(schedule: Schedule, after: datetime, tz: str, count: int) -> list[str]:
    found = []
    for _ in range(count):
        following = next_run(schedule, after, tz)
        if following is None:
            break
        found.append(local(following, tz))
        after = following
    return found


def option(text: str) -> Schedule:
    return parse_schedule_option(text)


# -- Make's JSON ----------------------------------------------------------------------------

# Forms seen in Make API calls and exports (make-and-peers §1.11 and public projects).
MAKE_FORMS: list[dict[str, Any]] = [
    {"type": "immediately"},
    {"type": "on-demand"},
    {"type": "indefinitely", "interval": 900},
    {"type": "once", "date": "2026-04-11T09:00:00.000Z"},
    {"type": "indefinitely", "interval": 900,
     "restrict": [{"days": [1, 2, 3, 4, 5, 6, 0], "time": ["06:00", "06:01"]}]},
    {"type": "daily", "time": "09:00"},
    {"type": "weekly", "days": [1, 5], "time": "08:30"},
    {"type": "monthly", "dates": [1, 15], "time": ["07:00", "19:00"]},
    {"type": "yearly", "months": [12], "dates": [24], "time": "18:00",
     "start": "2026-01-01T00:00", "end": "2030-12-31T23:59:59"},
    {"type": "cron", "expression": "*/5 * * * *"},
    # unknown keys, top level and inside a window, survive
    {"type": "indefinitely", "interval": 3600, "future": {"x": 1},
     "restrict": [{"days": [1], "time": ["09:00", "17:00"], "months": [1, 2], "zone": "?"}]},
]


@pytest.mark.parametrize("form", MAKE_FORMS, ids=lambda f: f["type"])
def test_make_forms_round_trip(form: dict[str, Any]) -> None:
    assert Schedule.from_make(form).to_make() == form
    assert Schedule.from_make(json.dumps(form)).to_make() == form  # the API sends a string


def _corpus_schedulings() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for path in sorted(corpus().glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue

        def visit(node: Any, name: str = path.name) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("scheduling"), dict | str):
                    found.append((name, node["scheduling"]))
                for value in node.values():
                    visit(value)
            elif isinstance(node, list):
                for value in node:
                    visit(value)

        visit(data)
    return found


def test_every_corpus_scheduling_object_round_trips() -> None:
    # The 121 exports carry no `scheduling` object today (Make exports the blueprint without
    # it; only Break's retry `interval` appears). Any added later must read and round-trip.
    for name, scheduling in _corpus_schedulings():
        raw = json.loads(scheduling) if isinstance(scheduling, str) else scheduling
        assert Schedule.from_make(scheduling).to_make() == raw, name


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"type": "hourly"}, "unknown schedule type 'hourly'"),
        ({"type": "indefinitely"}, "needs interval"),
        ({"type": "indefinitely", "interval": 30}, "the shortest is 60 s"),
        ({"type": "weekly", "time": "08:00"}, "needs days"),
        ({"type": "weekly", "days": [7], "time": "08:00"}, "days (0 = Sunday) must be 0-6"),
        ({"type": "daily", "time": "9am"}, "'9am' is not a time of day"),
        ({"type": "once", "date": "soon"}, "'soon' is not an ISO date-time"),
        ({"type": "cron", "expression": "* * *"}, "needs 5 fields"),
        ({"type": "indefinitely", "interval": 900, "restrict": [{"time": ["09:00"]}]},
         "restrict time must be [from, to]"),
        ([1, 2], "must be an object"),
        ("{not json", "not JSON"),
    ],
)
def test_bad_make_json_names_the_problem(data: Any, problem: str) -> None:
    with pytest.raises(ScheduleError, match=problem.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)")):
        Schedule.from_make(data)


# -- no time schedule ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["immediately", "on-demand"])
def test_instant_and_on_demand_are_never_scheduled(kind: str) -> None:
    assert next_run(Schedule(type=kind), at(PRAGUE, 2026, 1, 1, 12), PRAGUE) is None


def test_after_must_be_aware_and_the_zone_known() -> None:
    with pytest.raises(ScheduleError, match="aware"):
        next_run(option("daily 09:00"), datetime(2026, 1, 1), PRAGUE)
    with pytest.raises(ScheduleError, match="unknown time zone 'Mars/Olympus'"):
        next_run(option("daily 09:00"), at(PRAGUE, 2026, 1, 1), "Mars/Olympus")


def test_results_are_utc() -> None:
    found = next_run(option("daily 09:00"), at(PRAGUE, 2026, 1, 1), PRAGUE)
    assert found is not None and found.tzinfo is UTC


# -- intervals: elapsed time ----------------------------------------------------------------


def test_interval_is_elapsed_time() -> None:
    found = next_run(option("every 15m"), at(PRAGUE, 2026, 6, 1, 12, 7), PRAGUE)
    assert found == at(PRAGUE, 2026, 6, 1, 12, 22)


@pytest.mark.parametrize(
    ("tz", "before", "expected"),
    [
        # spring forward: 01:50 CET + 15 real minutes = 03:05 CEST
        (PRAGUE, at(PRAGUE, 2026, 3, 29, 1, 50), "2026-03-29 03:05 CEST"),
        # fall back: 02:50 CEST + 15 real minutes = 02:05 CET (the hour repeats)
        (PRAGUE, at(PRAGUE, 2026, 10, 25, 2, 50), "2026-10-25 02:05 CET"),
        (NEW_YORK, at(NEW_YORK, 2026, 3, 8, 1, 50), "2026-03-08 03:05 EDT"),
        (NEW_YORK, at(NEW_YORK, 2026, 11, 1, 1, 50), "2026-11-01 01:05 EST"),
    ],
)
def test_interval_across_dst(tz: str, before: datetime, expected: str) -> None:
    found = next_run(option("every 15m"), before, tz)
    assert local(found, tz) == expected
    assert found is not None and found - before == timedelta(minutes=15)


def test_interval_waits_for_start_and_stops_at_end() -> None:
    schedule = option("every 1h from 2026-05-01T08:00 until 2026-05-01T10:30")
    assert runs(schedule, at(PRAGUE, 2026, 4, 1), PRAGUE, 9) == [
        "2026-05-01 08:00 CEST", "2026-05-01 09:00 CEST", "2026-05-01 10:00 CEST",
    ]


def test_makes_every_day_encoding_runs_once_a_day_at_the_window() -> None:
    schedule = Schedule.from_make(MAKE_FORMS[4])
    assert runs(schedule, at(PRAGUE, 2026, 3, 27, 5, 55), PRAGUE, 3) == [
        "2026-03-27 06:00 CET", "2026-03-28 06:00 CET", "2026-03-29 06:00 CEST",
    ]
    assert describe(schedule, PRAGUE) == "Every day at 06:00"


def test_interval_inside_working_hours() -> None:
    schedule = Schedule.from_make({"type": "indefinitely", "interval": 600, "restrict": [
        {"days": [1, 2, 3, 4, 5], "time": ["09:00", "17:00"]}]})
    friday = at(PRAGUE, 2026, 6, 5, 16, 45)
    assert runs(schedule, friday, PRAGUE, 3) == [
        "2026-06-05 16:55 CEST", "2026-06-08 09:00 CEST", "2026-06-08 09:10 CEST",
    ]
    # activated before the window opens: the first run is at its opening
    assert local(next_run(schedule, at(PRAGUE, 2026, 6, 8, 8, 55), PRAGUE), PRAGUE) == (
        "2026-06-08 09:00 CEST")
    assert describe(schedule, PRAGUE) == "Every 10 minutes, 09:00–17:00 on weekdays"


def test_a_window_past_midnight_belongs_to_the_day_it_opens() -> None:
    schedule = Schedule.from_make({"type": "indefinitely", "interval": 3600, "restrict": [
        {"days": [5], "time": ["22:00", "02:00"]}]})  # Friday night
    assert runs(schedule, at(PRAGUE, 2026, 6, 5, 12), PRAGUE, 5) == [
        "2026-06-05 22:00 CEST", "2026-06-05 23:00 CEST", "2026-06-06 00:00 CEST",
        "2026-06-06 01:00 CEST", "2026-06-12 22:00 CEST",
    ]


# -- once -----------------------------------------------------------------------------------


def test_once_runs_once_and_never_in_the_past() -> None:
    schedule = option("once 2026-12-24T18:00")  # naive: the user's zone
    assert runs(schedule, at(PRAGUE, 2026, 12, 1), PRAGUE, 3) == ["2026-12-24 18:00 CET"]
    assert next_run(schedule, at(PRAGUE, 2026, 12, 24, 18), PRAGUE) is None
    assert next_run(Schedule.from_make(MAKE_FORMS[3]), at(PRAGUE, 2027, 1, 1), PRAGUE) is None


def test_once_before_the_start_date_never_runs() -> None:
    schedule = option("once 2026-12-24T18:00 from 2027-01-01")
    assert next_run(schedule, at(PRAGUE, 2026, 1, 1), PRAGUE) is None


# -- wall-clock schedules and DST -----------------------------------------------------------


def test_daily_at_several_times() -> None:
    assert runs(option("daily 09:00,18:00"), at(PRAGUE, 2026, 6, 1, 10), PRAGUE, 3) == [
        "2026-06-01 18:00 CEST", "2026-06-02 09:00 CEST", "2026-06-02 18:00 CEST",
    ]


@pytest.mark.parametrize(
    ("text", "tz", "after", "expected"),
    [
        # spring forward: a wall time in the gap runs once, at the first instant after it
        ("daily 02:30", PRAGUE, at(PRAGUE, 2026, 3, 28, 12),
         ["2026-03-29 03:00 CEST", "2026-03-30 02:30 CEST"]),
        ("daily 02:30", NEW_YORK, at(NEW_YORK, 2026, 3, 7, 12),
         ["2026-03-08 03:00 EDT", "2026-03-09 02:30 EDT"]),
        ("weekly sun 02:30", NEW_YORK, at(NEW_YORK, 2026, 3, 1, 12),
         ["2026-03-08 03:00 EDT", "2026-03-15 02:30 EDT"]),
        ("monthly 29 02:15", PRAGUE, at(PRAGUE, 2026, 3, 1),
         ["2026-03-29 03:00 CEST", "2026-04-29 02:15 CEST"]),
        ("cron '30 2 * * *'", PRAGUE, at(PRAGUE, 2026, 3, 28, 12),
         ["2026-03-29 03:00 CEST", "2026-03-30 02:30 CEST"]),
        # fall back: a repeated wall time runs once, at its first occurrence
        ("daily 01:30", NEW_YORK, at(NEW_YORK, 2026, 10, 31, 12),
         ["2026-11-01 01:30 EDT", "2026-11-02 01:30 EST"]),
        ("daily 02:30", PRAGUE, at(PRAGUE, 2026, 10, 24, 12),
         ["2026-10-25 02:30 CEST", "2026-10-26 02:30 CET"]),
        ("weekly sun 01:30", NEW_YORK, at(NEW_YORK, 2026, 10, 30),
         ["2026-11-01 01:30 EDT", "2026-11-08 01:30 EST"]),
        ("monthly 25 02:30", PRAGUE, at(PRAGUE, 2026, 10, 1),
         ["2026-10-25 02:30 CEST", "2026-11-25 02:30 CET"]),
        ("cron '30 1 * * *'", NEW_YORK, at(NEW_YORK, 2026, 10, 31, 12),
         ["2026-11-01 01:30 EDT", "2026-11-02 01:30 EST"]),
    ],
)
def test_fixed_wall_times_across_dst(text: str, tz: str, after: datetime,
                                     expected: list[str]) -> None:
    assert runs(option(text), after, tz, len(expected)) == expected


def test_a_run_in_the_repeated_hour_is_not_repeated() -> None:
    first_pass = at(NEW_YORK, 2026, 11, 1, 1, 30, fold=0)
    assert local(next_run(option("daily 01:30"), first_pass, NEW_YORK), NEW_YORK) == (
        "2026-11-02 01:30 EST")


def test_cron_with_a_wildcard_hour_follows_elapsed_time() -> None:
    every_half_hour = option("cron '*/30 * * * *'")
    # fall back: both passes of the repeated hour, 30 real minutes apart
    assert runs(every_half_hour, at(PRAGUE, 2026, 10, 25, 1, 45), PRAGUE, 5) == [
        "2026-10-25 02:00 CEST", "2026-10-25 02:30 CEST", "2026-10-25 02:00 CET",
        "2026-10-25 02:30 CET", "2026-10-25 03:00 CET",
    ]
    # spring forward: nothing inside the gap; 01:30 CET -> 03:00 CEST is 30 real minutes
    assert runs(every_half_hour, at(PRAGUE, 2026, 3, 29, 1, 15), PRAGUE, 3) == [
        "2026-03-29 01:30 CET", "2026-03-29 03:00 CEST", "2026-03-29 03:30 CEST",
    ]


def test_weekly_on_chosen_days() -> None:
    assert runs(option("weekly mon,fri 08:30"), at(PRAGUE, 2026, 6, 1, 9), PRAGUE, 3) == [
        "2026-06-05 08:30 CEST", "2026-06-08 08:30 CEST", "2026-06-12 08:30 CEST",
    ]


def test_monthly_on_the_31st_skips_shorter_months() -> None:
    # Make's help doesn't say; we do as cron does (no run in a month without the day).
    assert runs(option("monthly 31 07:00"), at(PRAGUE, 2026, 3, 31, 8), PRAGUE, 3) == [
        "2026-05-31 07:00 CEST", "2026-07-31 07:00 CEST", "2026-08-31 07:00 CEST",
    ]


def test_yearly_on_specified_dates() -> None:
    assert runs(option("yearly jan,jul 1,15 07:00"), at(PRAGUE, 2026, 1, 10), PRAGUE, 3) == [
        "2026-01-15 07:00 CET", "2026-07-01 07:00 CEST", "2026-07-15 07:00 CEST",
    ]


def test_yearly_on_a_leap_day_waits_for_leap_years() -> None:
    leap_day = option("yearly feb 29 12:00")
    assert runs(leap_day, at(PRAGUE, 2025, 1, 1), PRAGUE, 2) == [
        "2028-02-29 12:00 CET", "2032-02-29 12:00 CET",
    ]
    # 2100 is no leap year: eight years from 2096 to 2104
    assert local(next_run(leap_day, at(PRAGUE, 2096, 3, 1), PRAGUE), PRAGUE) == (
        "2104-02-29 12:00 CET")


def test_start_and_end_dates_bound_a_calendar_schedule() -> None:
    schedule = option("daily 09:00 from 2026-06-03T09:00 until 2026-06-05")
    assert runs(schedule, at(PRAGUE, 2026, 6, 1), PRAGUE, 9) == [
        "2026-06-03 09:00 CEST", "2026-06-04 09:00 CEST", "2026-06-05 09:00 CEST",
    ]
    assert next_run(schedule, at(PRAGUE, 2026, 6, 5, 9), PRAGUE) is None


# -- cron -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("*/5 * * * *", at(PRAGUE, 2026, 6, 1, 12, 2), ["2026-06-01 12:05 CEST",
                                                          "2026-06-01 12:10 CEST"]),
        ("0 9 * * 1-5", at(PRAGUE, 2026, 6, 5, 10), ["2026-06-08 09:00 CEST",
                                                       "2026-06-09 09:00 CEST"]),
        # both day fields restricted: the 13th OR a Friday
        ("0 0 13 * fri", at(PRAGUE, 2026, 2, 1), ["2026-02-06 00:00 CET", "2026-02-13 00:00 CET",
                                                   "2026-02-20 00:00 CET"]),
        # day of month '*': every Friday only
        ("0 0 * * FRI", at(PRAGUE, 2026, 2, 1), ["2026-02-06 00:00 CET", "2026-02-13 00:00 CET"]),
        # '*/2' in day of month still counts as '*' for the OR rule (Vixie)
        ("0 0 */2 * 1", at(PRAGUE, 2026, 5, 31), ["2026-06-01 00:00 CEST",
                                                   "2026-06-15 00:00 CEST"]),
        ("10-30/10 8 * jan-mar mon", at(PRAGUE, 2026, 3, 30, 8, 15),
         ["2026-03-30 08:20 CEST", "2026-03-30 08:30 CEST", "2027-01-04 08:10 CET"]),
        ("0 12 * * 7", at(PRAGUE, 2026, 6, 1), ["2026-06-07 12:00 CEST"]),  # 7 = Sunday
        ("5/20 0 1 1 *", at(PRAGUE, 2026, 1, 1), ["2026-01-01 00:05 CET",
                                                   "2026-01-01 00:25 CET"]),
        ("@monthly", at(PRAGUE, 2026, 6, 1), ["2026-07-01 00:00 CEST"]),
        ("0 0 29 2 *", at(PRAGUE, 2026, 1, 1), ["2028-02-29 00:00 CET"]),
    ],
)
def test_cron_semantics(expression: str, after: datetime, expected: list[str]) -> None:
    schedule = Schedule(type="cron", expression=expression)
    assert runs(schedule, after, PRAGUE, len(expected)) == expected


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("* * * *", "needs 5 fields"),
        ("60 * * * *", "minute field '60': 60 is outside 0-59"),
        ("* 24 * * *", "hour field '24': 24 is outside 0-23"),
        ("* * 0 * *", "day of month field '0': 0 is outside 1-31"),
        ("* * * foo *", "month field 'foo': 'foo' is not a number or a name"),
        ("* * * * 8", "day of week field '8': 8 is outside 0-7"),
        ("*/0 * * * *", "step '0' must be a positive number"),
        ("5-1 * * * *", "range '5-1' runs backwards"),
        ("1,,2 * * * *", "empty list item"),
        ("0 0 30 2 *", "never occurs"),
        ("@reboot", "unknown macro"),
    ],
)
def test_cron_errors_name_the_field(expression: str, problem: str) -> None:
    with pytest.raises(CronError, match=problem.replace("*", r"\*")):
        CronExpression.parse(expression)


# -- describe -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("every 15m", "Every 15 minutes"),
        ("every 1h", "Every hour"),
        ("every 90m", "Every 90 minutes"),
        ("every 2d", "Every 2 days"),
        ("daily 09:00", "Every day at 09:00"),
        ("daily 18:00,09:00", "Every day at 09:00 and 18:00"),
        ("weekly mon,fri 08:30", "Mondays and Fridays at 08:30"),
        ("weekly sun,mon,wed 08:30", "Mondays, Wednesdays and Sundays at 08:30"),
        ("weekly mon-fri 07:00", "Weekdays at 07:00"),
        ("weekly sat,sun 10:00", "Weekends at 10:00"),
        ("monthly 1,15 07:00", "On the 1st and 15th of every month at 07:00"),
        ("monthly 2,3,22 07:00", "On the 2nd, 3rd and 22nd of every month at 07:00"),
        ("yearly dec 24 18:00", "Every year on the 24th of December at 18:00"),
        ("once 2026-12-24T17:00Z", "Once on 2026-12-24 at 18:00"),
        ("cron '*/5 * * * *'", "Cron '*/5 * * * *'"),
        ("on-demand", "On demand"),
        ("immediately", "Immediately, as data arrives"),
        ("daily 09:00 from 2026-01-01 until 2026-06-30",
         "Every day at 09:00, from 2026-01-01 at 00:00, until 2026-06-30 at 23:59:59"),
    ],
)
def test_describe(text: str, words: str) -> None:
    assert describe(option(text), PRAGUE) == words


# -- the CLI option -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "make"),
    [
        ("every 15m", {"type": "indefinitely", "interval": 900}),
        ("every 2 hours", {"type": "indefinitely", "interval": 7200}),
        ("daily 09:00", {"type": "daily", "time": "09:00"}),
        ("weekly mon,fri 08:30", {"type": "weekly", "days": [1, 5], "time": "08:30"}),
        ("weekly Monday-Wednesday 08:30", {"type": "weekly", "days": [1, 2, 3], "time": "08:30"}),
        ("monthly 1,15 07:00", {"type": "monthly", "dates": [1, 15], "time": "07:00"}),
        ("yearly dec 24 18:00", {"type": "yearly", "months": [12], "dates": [24],
                                 "time": "18:00"}),
        ("once 2026-12-24T18:00", {"type": "once", "date": "2026-12-24T18:00"}),
        ("cron '*/5 * * * *'", {"type": "cron", "expression": "*/5 * * * *"}),
        ("cron 0 9 * * 1-5", {"type": "cron", "expression": "0 9 * * 1-5"}),
        ("on-demand", {"type": "on-demand"}),
        ("On demand", {"type": "on-demand"}),
        ("immediately", {"type": "immediately"}),
        ("every 15m from 2026-01-01T08:00", {"type": "indefinitely", "interval": 900,
                                             "start": "2026-01-01T08:00"}),
    ],
)
def test_the_option_makes_make_json(text: str, make: dict[str, Any]) -> None:
    assert option(text).to_make() == make


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "--schedule is empty; use one of 'every 15m'"),
        ("hourly", "unknown schedule 'hourly'; use one of"),
        ("every 15", "'every 15' needs a unit: s, m, h or d (e.g. 'every 15m')"),
        ("every 30s", "every 30s is too often; the shortest interval is 1 minute"),
        ("every 3 fortnights", "unknown unit 'fortnights'"),
        ("every soon", "'every' takes a number and a unit"),
        ("daily", "'daily' takes a time of day (HH:MM, several with commas), got nothing; "
                  "e.g. 'daily 09:00'"),
        ("daily 25:00", "'25:00' is not a time of day"),
        ("weekly 08:30", "'weekly' takes days of the week and a time, got '08:30'"),
        ("weekly funday 08:30", "'funday' is not a day of the week"),
        ("monthly 32 07:00", "day of the month 32 is outside 1-31"),
        ("monthly 15-1 07:00", "range '15-1' runs backwards"),
        ("yearly smarch 1 07:00", "'smarch' is not a month"),
        ("once tomorrow", "'tomorrow' is not an ISO date-time"),
        ("cron", "'cron' takes an expression"),
        ("on-demand 09:00", "'on-demand' takes nothing, got '09:00'"),
        ("cron '*/5 * *'", "needs 5 fields"),
        ("cron '61 * * * *'", "minute field '61': 61 is outside 0-59"),
        ("cron '*/5 * * * *", "No closing quotation"),
        ("daily 09:00 until someday", "until 'someday' is not an ISO date-time"),
    ],
)
def test_the_option_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        option(text)
    assert problem in str(caught.value)
    if text:
        assert str(caught.value).startswith(f"--schedule {text!r}: ")


def test_the_minimum_interval_is_a_setting() -> None:
    with pytest.raises(ScheduleError, match="the shortest interval is 15 minutes"):
        parse_schedule_option("every 5m", min_interval=15 * 60)
    assert parse_schedule_option("every 15m", min_interval=15 * 60).interval == 900


# -- catch-up after sleep -------------------------------------------------------------------


def test_nothing_is_due_before_the_planned_time() -> None:
    planned = at(PRAGUE, 2026, 6, 1, 9)
    assert due_runs(option("daily 09:00"), planned, planned - timedelta(seconds=5), PRAGUE) == (
        False, planned)


def test_a_run_found_on_time_runs_and_keeps_the_grid() -> None:
    planned = at(PRAGUE, 2026, 6, 1, 9)
    now = planned + timedelta(seconds=2)
    assert due_runs(option("every 15m"), planned, now, PRAGUE, "skip") == (
        True, planned + timedelta(minutes=15))
    assert due_runs(option("daily 09:00"), planned, now, PRAGUE, "run_once") == (
        True, planned + timedelta(days=1))


def test_run_once_catches_up_once() -> None:
    planned, now = at(PRAGUE, 2026, 6, 1, 9), at(PRAGUE, 2026, 6, 3, 14, 7)  # slept two days
    assert due_runs(option("daily 09:00"), planned, now, PRAGUE, "run_once") == (
        True, at(PRAGUE, 2026, 6, 4, 9))
    assert due_runs(option("every 15m"), planned, now, PRAGUE, "run_once") == (
        True, now + timedelta(minutes=15))


def test_skip_drops_missed_runs() -> None:
    planned, now = at(PRAGUE, 2026, 6, 1, 9), at(PRAGUE, 2026, 6, 3, 14, 7)
    assert due_runs(option("daily 09:00"), planned, now, PRAGUE, "skip") == (
        False, at(PRAGUE, 2026, 6, 4, 9))
    # an interval keeps its phase: 09:00 + k * 15 min
    assert due_runs(option("every 15m"), planned, now, PRAGUE, "skip") == (
        False, at(PRAGUE, 2026, 6, 3, 14, 15))


def test_a_missed_once() -> None:
    schedule = option("once 2026-06-01T09:00")
    planned, now = at(PRAGUE, 2026, 6, 1, 9), at(PRAGUE, 2026, 6, 2)
    assert due_runs(schedule, planned, now, PRAGUE, "run_once") == (True, None)
    assert due_runs(schedule, planned, now, PRAGUE, "skip") == (False, None)


def test_an_unknown_policy_is_an_error() -> None:
    planned = at(PRAGUE, 2026, 6, 1, 9)
    with pytest.raises(ScheduleError, match="unknown catch-up policy 'all'"):
        due_runs(option("daily 09:00"), planned, planned, PRAGUE, "all")  # type: ignore[arg-type]


# -- properties -----------------------------------------------------------------------------

ZONES = [PRAGUE, NEW_YORK, "UTC", "Australia/Lord_Howe", "Asia/Kolkata"]
OPTIONS = [
    "every 15m", "every 7m", "every 1h", "daily 02:30", "daily 01:30,13:45", "weekly sun 02:30",
    "weekly mon,fri 08:30", "monthly 31 01:30", "monthly 1,15 02:00", "yearly feb 29 02:30",
    "cron '*/5 * * * *'", "cron '30 2 * * 0'", "cron '0 */3 13 * fri'", "cron '15 1 * 3,10 *'",
    "every 1h from 2026-03-29T01:00 until 2027-03-29T01:00",
    "daily 02:30 from 2026-03-29T02:45",
]
WINDOWED = [
    {"type": "indefinitely", "interval": 900,
     "restrict": [{"days": [0, 1, 2, 3, 4, 5, 6], "time": ["02:30", "02:31"]}]},
    {"type": "indefinitely", "interval": 1200,
     "restrict": [{"days": [1, 2, 3, 4, 5], "time": ["09:00", "17:00"]},
                  {"days": [6], "time": ["23:00", "03:00"]}]},
]
SCHEDULES = st.one_of(
    st.sampled_from(OPTIONS).map(parse_schedule_option),
    st.sampled_from(WINDOWED).map(Schedule.from_make),
)
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCHEDULES, st.sampled_from(ZONES), INSTANTS, st.timedeltas(timedelta(0), timedelta(days=3)))
def test_next_run_is_later_and_monotone(
    schedule: Schedule, tz: str, after: datetime, later: timedelta
) -> None:
    first = next_run(schedule, after, tz)
    second = next_run(schedule, after + later, tz)
    if first is None:
        assert second is None
        return
    assert first > after
    start = schedule.start_at(ZoneInfo(tz))
    assert start is None or first >= start
    if second is not None:
        assert second > after + later
        assert first <= second


FIXED_TIMES = {
    "daily 02:30": {"02:30"},
    "weekly sun 01:30,02:15": {"01:30", "02:15"},
    "monthly 1,29 02:00": {"02:00"},
    "cron '30 2 * * *'": {"02:30"},
}


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(FIXED_TIMES)), st.sampled_from(ZONES), INSTANTS)
def test_a_fixed_time_runs_at_it_or_right_after_a_gap(text: str, tz: str, after: datetime) -> None:
    zone = ZoneInfo(tz)
    found = next_run(parse_schedule_option(text), after, tz)
    assert found is not None
    jumped = (found - timedelta(seconds=1)).astimezone(zone).utcoffset() != (
        found.astimezone(zone).utcoffset())
    assert f"{found.astimezone(zone):%H:%M}" in FIXED_TIMES[text] or jumped
