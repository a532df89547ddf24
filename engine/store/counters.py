"""Counters that outlive a run: `util:FunctionIncrement` set to reset "Never" keeps counting
from one run of the scenario to the next, in the workspace's state database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlmodel import Field, SQLModel

if TYPE_CHECKING:
    from engine.context import RunServices


class IncrementCounterRow(SQLModel, table=True):
    __tablename__ = "increment_counter"

    scenario: str = Field(primary_key=True)
    module_id: int = Field(primary_key=True)
    value: int = 0


class PersistedCounters:
    """A run's view of its scenario's never-reset counters: read on first use, written back
    when the run ends (a per-run resource). A deterministic replay reads the recorded values
    and writes nothing."""

    def __init__(self, run: RunServices) -> None:
        self.run = run
        self.values: dict[int, int] = {}
        self._changed = False

    def next(self, module_id: int) -> int:
        if module_id not in self.values:
            effects = self.run.effects

            def read() -> int:
                return self._stored(module_id)

            self.values[module_id] = effects.take("counter", read) if effects else read()
        self.values[module_id] += 1
        self._changed = True
        return self.values[module_id]

    def _stored(self, module_id: int) -> int:
        if self.run.data_dir is None:
            return 0
        from engine.store.state_db import state_engine

        with state_engine(self.run.data_dir).connect() as conn:
            value = conn.execute(
                text("SELECT value FROM increment_counter WHERE scenario = :s AND module_id = :m"),
                {"s": self.run.scenario_name, "m": module_id},
            ).scalar()
        return int(value or 0)

    def close(self) -> None:
        replaying = self.run.effects is not None and self.run.effects.replaying
        if not self._changed or replaying or self.run.data_dir is None:
            return
        from engine.store.state_db import state_engine

        rows: list[dict[str, Any]] = [
            {"s": self.run.scenario_name, "m": m, "v": v} for m, v in self.values.items()
        ]
        with state_engine(self.run.data_dir).begin() as conn:
            conn.execute(
                text("INSERT INTO increment_counter (scenario, module_id, value) "
                     "VALUES (:s, :m, :v) ON CONFLICT (scenario, module_id) "
                     "DO UPDATE SET value = excluded.value"),
                rows,
            )
        self._changed = False
