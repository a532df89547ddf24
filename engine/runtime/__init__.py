"""Runs scenarios in the background (activation, timers, webhooks).

Public so far: when a scenario runs next (Make's scheduling types and cron, read from Make's
own JSON, computed in the user's IANA time zone, correct across DST: rules in schedule.py),
and the webhook intake (an aiohttp server whose requests are committed to a durable queue in
state.db before they are answered).
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
from engine.runtime.webhook_hooks import HookOptions, new_hook_token
from engine.runtime.webhook_queue import QueuedRequest, QueueFull, WebhookQueue
from engine.runtime.webhook_server import DEFAULT_PORT, WebhookServer

__all__ = [
    "DEFAULT_PORT",
    "HookOptions",
    "MIN_INTERVAL_SECONDS",
    "CatchUpPolicy",
    "CronError",
    "CronExpression",
    "QueueFull",
    "QueuedRequest",
    "RestrictWindow",
    "Schedule",
    "ScheduleError",
    "WebhookQueue",
    "WebhookServer",
    "describe",
    "due_runs",
    "new_hook_token",
    "next_run",
    "parse_schedule_option",
    "zone_of",
]
