"""Scenario settings that act across runs: `sequential` and `maxErrors` (reference §5.2).

- `sequential`: while a scenario has incomplete executions waiting, new runs of it are refused
  (they are resolved in order first).
- `maxErrors`: consecutive failed runs are counted in state.db; a scheduled scenario reaching
  the limit is marked deactivated (the runtime stops scheduling it). A run that doesn't fail
  resets the count.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from engine.blueprint import Blueprint
from engine.errors import ScenaristError
from engine.store.incomplete import ScenarioHealth, pending_count, save_health, scenario_health


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
    health = scenario_health(engine, scenario)
    if status != "error" and health.consecutive_errors == 0:
        return health  # nothing changes: no write (a runtime counts every run)
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
