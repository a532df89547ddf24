"""Runs scenarios in the background (activation, timers, webhooks).

Public so far: when a scenario runs next. Make's scheduling types and cron, read from Make's
own JSON, computed in the user's IANA time zone, correct across DST (rules in schedule.py).
"""

from engine.runtime.cron import CronError, CronExpression
from engine.runtime.schedule import CatchUpPolicy, due_runs, next_run, zone_of
from engine.runtime.schedule_model import (
    MIN_INTERVAL_SECONDS,
    RestrictWindow,
    Schedule,
    ScheduleError,
)
from engine.runtime.schedule_text import describe, parse_schedule_option

__all__ = [
    "MIN_INTERVAL_SECONDS",
    "CatchUpPolicy",
    "CronError",
    "CronExpression",
    "RestrictWindow",
    "Schedule",
    "ScheduleError",
    "describe",
    "due_runs",
    "next_run",
    "parse_schedule_option",
    "zone_of",
]
