"""When an incomplete execution is retried automatically (Make's documented schedule).

- Break with "automatically complete execution" on: `count` attempts (1–10000, default 3),
  `interval` minutes apart (1–44640, default 15).
- Stored because of RateLimitError, ConnectionError or ModuleTimeoutError (no Break): Make's
  backoff, 1, 10, 10, 30, 30, 30, 180 and 180 minutes after the previous attempt (8 attempts;
  help.make.com "Automatic retry of incomplete executions").
- Anything else waits for a person.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.values import to_bool, to_number

BACKOFF_MINUTES = (1, 10, 10, 30, 30, 30, 180, 180)
BACKOFF_ERRORS = frozenset({"RateLimitError", "ConnectionError", "ModuleTimeoutError"})
BREAK_DEFAULT_COUNT, BREAK_DEFAULT_INTERVAL = 3, 15


def _bounded(value: Any, default: int, low: int, high: int) -> int:
    number = to_number(value) if value not in (None, "") else None
    if number is None:
        return default
    return int(min(max(number, low), high))


def retry_settings(break_mapper: dict[str, Any] | None,
                   error: dict[str, Any] | None) -> dict[str, Any] | None:
    """The automatic-retry settings of a new incomplete execution, or None (manual only).

    A Break handler decides for its module: with its retry off, nothing is retried
    automatically, whatever the error."""
    if break_mapper is not None:
        if not to_bool(break_mapper.get("retry")):
            return None
        return {
            "kind": "break",
            "count": _bounded(break_mapper.get("count"), BREAK_DEFAULT_COUNT, 1, 10000),
            "interval": _bounded(break_mapper.get("interval"), BREAK_DEFAULT_INTERVAL, 1, 44640),
        }
    if error is not None and error.get("name") in BACKOFF_ERRORS:
        return {"kind": "backoff", "count": len(BACKOFF_MINUTES)}
    return None


def next_retry_at(settings: dict[str, Any] | None, attempts: int,
                  after: datetime) -> datetime | None:
    """When the next automatic attempt is due, `attempts` having been made; None: no more."""
    if settings is None:
        return None
    count = int(settings.get("count") or 0)
    if attempts >= count:
        return None
    if settings.get("kind") == "break":
        minutes = int(settings.get("interval") or BREAK_DEFAULT_INTERVAL)
    else:
        minutes = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES) - 1)]
    return after + timedelta(minutes=minutes)
