"""Scenario settings that act across runs: `sequential` and `maxErrors` (reference §5.2).

- `sequential`: while a scenario has incomplete executions waiting, new runs of it are refused
  (they are resolved in order first).
- `maxErrors`: consecutive failed runs are counted in state.db; a scheduled scenario reaching
  the limit is marked deactivated (the runtime stops scheduling it). A run that doesn't fail
  resets the count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from engine.blueprint import Blueprint
from engine.errors import ScenaristError
from engine.store.incomplete import (
    ScenarioHealth,
    consecutive_errors,
    pending_count,
    save_health,
    scenario_health,
)


class SequentialBlocked(ScenaristError):
    """A `sequential` scenario has incomplete executions waiting: no new run now."""


def check_sequential(engine: Engine, blueprint: Blueprint, scenario: str) -> None:
    if not blueprint.metadata.scenario.sequential:
        return
    waiting = pending_count(engine, scenario)
    if waiting:
        raise SequentialBlocked(
            f"scenario {scenario!r} processes runs sequentially and has {waiting} incomplete"
            f" execution{'s' if waiting != 1 else ''} waiting; retry or delete"
            f" {'them' if waiting != 1 else 'it'} first"
            f" (scenarist incomplete list --scenario {scenario!r})"
        )


def record_outcome(
    engine: Engine,
    scenario: str,
    status: str,
    error: dict[str, Any] | None = None,
    *,
    max_errors: int | None = None,
    scheduled: bool = False,
) -> ScenarioHealth:
    """Count a run's outcome; returns the scenario's health after it."""
    if status != "error" and consecutive_errors(engine, scenario) == 0:
        return ScenarioHealth(scenario)  # nothing changes: no write (a runtime counts every run)
    health = scenario_health(engine, scenario)
    if status == "error":
        health.consecutive_errors += 1
        health.last_error = error
        limit = max_errors if max_errors is not None else 3
        if scheduled and limit > 0 and health.consecutive_errors >= limit \
                and not health.deactivated:
            health.deactivated = True
            health.deactivated_at = datetime.now(UTC)
    else:
        health.consecutive_errors = 0
    save_health(engine, health)
    return health


def reactivate(engine: Engine, scenario: str) -> None:
    """The user turned the scenario back on: the count starts again."""
    save_health(engine, ScenarioHealth(scenario))


class OutcomeCounter:
    """`record_outcome` for a long-lived runtime: a scenario it has just seen at zero
    consecutive errors stays there while its runs succeed, so those cost no read of
    state.db. What it knows is trusted for `ttl` seconds, so a count another process changed
    meanwhile (a failed `scenarist run`, a reactivation) is read again soon."""

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._clean: dict[str, float] = {}  # scenario: when it was last seen at zero

    def record(self, engine: Engine, scenario: str, status: str,
               error: dict[str, Any] | None = None, *, max_errors: int | None = None,
               scheduled: bool = False) -> ScenarioHealth:
        seen = self._clean.get(scenario)
        if status != "error" and seen is not None and self.clock() - seen < self.ttl:
            return ScenarioHealth(scenario)
        health = record_outcome(engine, scenario, status, error, max_errors=max_errors,
                                scheduled=scheduled)
        if health.consecutive_errors == 0:
            self._clean[scenario] = self.clock()
        else:
            self._clean.pop(scenario, None)
        return health

    def forget(self, scenario: str) -> None:
        self._clean.pop(scenario, None)
