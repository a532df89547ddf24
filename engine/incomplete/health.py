"""A scenario's health: its consecutive failed runs, and whether they turned it off
(engine.incomplete.policy counts them; engine.store.incomplete stores them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class ScenarioHealth:
    scenario: str
    consecutive_errors: int = 0
    deactivated: bool = False
    deactivated_at: datetime | None = None
    last_error: dict[str, Any] | None = None
