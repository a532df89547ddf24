"""What the background runtime tells its listeners (the tray, the window, `serve`'s log).

Past-tense dataclasses, like the executor's events; listeners are plain callables called on
the runtime's event loop, and one that raises is logged, never the runtime's problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class BackgroundRunStarted:
    scenario: str
    execution_id: str
    trigger: str  # "webhook" | "schedule" | "retry"


@dataclass(frozen=True)
class BackgroundRunFinished:
    scenario: str
    execution_id: str
    trigger: str
    status: str  # "success" | "warning" | "error"
    operations: int
    duration_s: float
    error: dict[str, Any] | None = None
    incomplete_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScenarioActivated:
    scenario: str


@dataclass(frozen=True)
class ScenarioDeactivated:
    scenario: str
    reason: str
    automatic: bool = True  # the runtime did it (maxErrors), not a person


@dataclass(frozen=True)
class ScenarioProblem:
    """A scenario the runtime cannot run as it is (its file is broken, a connection is
    missing...): it keeps its last good version, or waits."""

    scenario: str
    message: str


@dataclass(frozen=True)
class ScheduleChanged:
    """A scenario's next planned run (None: none planned)."""

    scenario: str
    next_run: datetime | None


@dataclass(frozen=True)
class RuntimeStopped:
    reason: str


RuntimeEvent = (BackgroundRunStarted | BackgroundRunFinished | ScenarioActivated
                | ScenarioDeactivated | ScenarioProblem | ScheduleChanged | RuntimeStopped)
