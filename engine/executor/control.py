"""Exceptions that steer a walk: error directives and early ends of the run."""

from __future__ import annotations

from typing import Any


class Directive(Exception):
    """Raised when a walk reaches an error-handler directive (Ignore, Resume, ...)."""

    def __init__(self, kind: str, bundle: dict[str, Any] | None = None) -> None:
        self.kind = kind
        self.bundle = bundle


class StopRun(Exception):
    """Ends the run early: Commit (success), Rollback, an unhandled error, or the user's
    Stop (error). Data store writes of the cycle are committed only on success."""

    def __init__(self, status: str, error: dict[str, Any] | None = None) -> None:
        self.status = status
        self.error = error


def stopped_by_user() -> StopRun:
    return StopRun("error", {"name": "ExecutionInterruptedError", "message": "stopped by the user"})
