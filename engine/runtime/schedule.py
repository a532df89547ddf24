"""When a scenario runs next: Make's schedule types and cron, in the user's time zone.

Pure computation (no clock, no I/O): every function takes the times it reasons about.
Instants are compared and returned in UTC, because Python compares two datetimes that share
a zoneinfo by wall time and ignores ``fold``, which is wrong inside a repeated DST hour.

DST rules:
- Intervals are elapsed time: ``last run + interval`` in UTC, whatever the wall clock does.
- A fixed wall time (daily/weekly/monthly/yearly, a window's opening, a cron job with a fixed
  hour) that the spring-forward gap swallows runs once, at the first instant after the gap
  (02:30 on the day clocks jump 02:00 -> 03:00 runs at 03:00). That is cron's rule (Vixie
  cron and cronie run such jobs right after the jump) and the closest run to the intended
  time; Make's help says nothing. The other common answer, shifting by the gap (03:30, as
  moment-timezone or RFC 5545 do), runs later for no gain.
- A fixed wall time the fall-back repeats runs once, at its first occurrence.
- A cron job with a wildcard hour (``*/5 * * * *``, ``0 * * * *``) follows elapsed time, as
  cron does for such jobs: it skips wall times inside the gap and runs in both passes of the
  repeated hour, so "every 5 minutes" stays every 5 real minutes.
- Days of the month that a month lacks (the 31st in April, 29 February in 2027) are skipped,
  as cron does; Make's help doesn't say, and running on the last day instead would turn
  "the 30th and 31st" into two runs on one day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as WallTime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.runtime.schedule_model import RestrictWindow, Schedule, ScheduleError

CatchUpPolicy = Literal["run_once", "skip"]
DayTimes = Callable[[date], Iterable[WallTime]]

_TICK = timedelta(microseconds=1)
_DAY = timedelta(days=1)
_HORIZON_DAYS = 366 * 8 + 2  # 29 February can be 8 years away (2096 -> 2104)


def next_run(schedule: Schedule, after: datetime, tz: str) -> datetime | None:
    """The first planned run strictly after ``after`` (aware), in UTC; None when none is left
    (on demand, instant triggers, a past "once", after the end date)."""
    zone = zone_of(tz)
    moment = _utc(after, "after")
    start, end = schedule.start_at(zone), schedule.end_at(zone)
    if schedule.type in ("immediately", "on-demand"):
        return None
    if schedule.type == "indefinitely":
        found = _next_interval(schedule, moment, zone, start)
    else:
        lower = moment if start is None or start <= moment else start - _TICK
        if schedule.type == "once":
            at = schedule.once_at(zone)
            found = at if at is not None and at > lower else None
        else:
            day_times, elapsed = _calendar(schedule)
            found = _next_on_calendar(day_times, lower, zone, elapsed=elapsed, end=end)
    if found is None or (end is not None and found > end):
        return None
    return found


def due_runs(
    schedule: Schedule,
    last_planned: datetime,
    now: datetime,
    tz: str,
    policy: CatchUpPolicy = "run_once",
    *,
    grace: timedelta = timedelta(minutes=1),
) -> tuple[bool, datetime | None]:
    """After a wake-up (sleep, downtime): run now?, and the next planned run.

    A run found less than ``grace`` late is simply due. One found later was missed, with any
    runs planned after it: ``run_once`` runs once to catch up, ``skip`` drops them all and
    waits for the next planned time (an interval keeps its phase).
    """
    if policy not in ("run_once", "skip"):
        raise ScheduleError(f"unknown catch-up policy {policy!r}; use 'run_once' or 'skip'")
    planned, current = _utc(last_planned, "last_planned"), _utc(now, "now")
    if current < planned:
        return False, planned
    if current - planned <= grace:
        following = next_run(schedule, planned, tz)
        if following is not None and following <= current:
            following = next_run(schedule, current, tz)
        return True, following
    if policy == "run_once":
        return True, next_run(schedule, current, tz)
    if schedule.type == "indefinitely" and not schedule.restrict and schedule.interval:
        step = timedelta(seconds=schedule.interval)
        following = planned + ((current - planned) // step + 1) * step
        end = schedule.end_at(zone_of(tz))
        return False, None if end is not None and following > end else following
    return False, next_run(schedule, current, tz)


def zone_of(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {tz!r} (use an IANA name like Europe/Prague)"
        ) from None


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ScheduleError(f"{what} must be an aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


# -- intervals ----------------------------------------------------------------------------


def _next_interval(
    schedule: Schedule, after: datetime, zone: tzinfo, start: datetime | None
) -> datetime | None:
    """``after + interval``; with ``restrict`` windows only inside one, and every window's
    opening gets a run (so Make's one-minute window means "once a day at its opening")."""
    step = timedelta(seconds=schedule.interval or 0)
    if start is not None and start > after:
        candidate, lower = start, start - _TICK
    else:
        candidate, lower = after + step, after
    windows = schedule.restrict or []
    if not windows:
        return candidate

    def openings(day: date) -> list[WallTime]:
        return [w.opens() for w in windows if _window_day(w, day)]

    options = [_next_on_calendar(openings, lower, zone)]
    if _inside(windows, candidate, zone):
        options.append(candidate)
    return min((o for o in options if o is not None), default=None)


def _window_day(window: RestrictWindow, day: date) -> bool:
    return (window.days is None or day.isoweekday() % 7 in window.days) and (
        window.months is None or day.month in window.months
    )


def _inside(windows: list[RestrictWindow], moment: datetime, zone: tzinfo) -> bool:
    local = moment.astimezone(zone)
    wall, day = local.time(), local.date()
    for window in windows:
        opens, closes = window.opens(), window.closes()
        if closes is None or closes > opens:
            if opens <= wall and (closes is None or wall < closes) and _window_day(window, day):
                return True
        elif (wall >= opens and _window_day(window, day)) or (
            wall < closes and _window_day(window, day - _DAY)
        ):
            return True  # a window past midnight belongs to the day it opens
    return False


# -- wall-clock schedules -----------------------------------------------------------------


def _calendar(schedule: Schedule) -> tuple[DayTimes, bool]:
    """The wall times a schedule runs at on a given day, and whether they follow elapsed time."""
    if schedule.type == "cron":
        cron = schedule.cron()
        clocks = [WallTime(h, m) for h in cron.hours for m in cron.minutes]
        return (lambda day: clocks if cron.matches_day(day) else ()), cron.hour_star
    times = schedule.clock_times()
    days, dates, months = (set(v or ()) for v in (schedule.days, schedule.dates, schedule.months))
    match schedule.type:
        case "daily":
            return (lambda day: times), False
        case "weekly":
            return (lambda day: times if day.isoweekday() % 7 in days else ()), False
        case "monthly":
            return (lambda day: times if day.day in dates else ()), False
        case "yearly":
            return (lambda day: times if day.month in months and day.day in dates else ()), False
    raise ScheduleError(f"a {schedule.type!r} schedule has no times")


def _next_on_calendar(
    day_times: DayTimes,
    after: datetime,
    zone: tzinfo,
    *,
    elapsed: bool = False,
    end: datetime | None = None,
) -> datetime | None:
    day = after.astimezone(zone).date() - _DAY
    for _ in range(_HORIZON_DAYS):
        if end is not None and datetime.combine(day - _DAY, WallTime(0), zone) > end:
            return None
        found = sorted(i for t in day_times(day) for i in _instants(day, t, zone, elapsed))
        for instant in found:
            if instant > after:
                return instant
        day += _DAY
    return None


def _instants(day: date, clock: WallTime, zone: tzinfo, elapsed: bool) -> list[datetime]:
    """The UTC instants a wall time names on a day: one, none or two around DST changes."""
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return [first]
    earlier, later = sorted((first, second))
    if first.astimezone(zone).replace(tzinfo=None) == naive:  # repeated by the fall-back
        return [earlier, later] if elapsed else [earlier]
    return [] if elapsed else [_transition(earlier, later, zone)]  # in the gap


def _transition(before: datetime, after: datetime, zone: tzinfo) -> datetime:
    """The first instant with ``after``'s UTC offset (the end of a gap), to the second."""
    offset = after.astimezone(zone).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)
