"""Polling triggers' cursors in state.db: what a trigger emitted last ("since last run"), per
scenario and module, so a scheduled scenario picks up where it stopped after any restart.

A cursor is small JSON (`{"lastId": ..., "lastDate": ...}`). Forgetting a scenario's cursors
is how "choose where to start" takes effect again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlmodel import Field, SQLModel

from engine.store.dialects import upsert

__all__ = ["TriggerCursorRow", "forget_cursors", "read_cursor", "write_cursor"]


class TriggerCursorRow(SQLModel, table=True):
    __tablename__ = "trigger_cursor"

    scenario: str = Field(primary_key=True)
    module_id: int = Field(primary_key=True)
    state: str  # JSON
    updated_at: datetime


_TABLE = TriggerCursorRow.__table__  # type: ignore[attr-defined]


def _engine(workspace: Path) -> Any:
    from engine.store.state_db import state_engine

    return state_engine(workspace)


def read_cursor(workspace: Path, scenario: str, module_id: int) -> dict[str, Any] | None:
    with _engine(workspace).connect() as conn:
        text = conn.execute(select(_TABLE.c.state).where(
            _TABLE.c.scenario == scenario, _TABLE.c.module_id == module_id)).scalar()
    return orjson.loads(text) if text else None


def write_cursor(workspace: Path, scenario: str, module_id: int, state: dict[str, Any]) -> None:
    text = orjson.dumps(state, default=str).decode()
    now = datetime.now(UTC)
    with _engine(workspace).begin() as conn:
        conn.execute(
            upsert(conn, _TABLE)
            .values(scenario=scenario, module_id=module_id, state=text, updated_at=now)
            .on_conflict_do_update(index_elements=["scenario", "module_id"],
                                   set_={"state": text, "updated_at": now})
        )


def forget_cursors(workspace: Path, scenario: str) -> int:
    """Drop a scenario's cursors (its triggers start again from their start choice)."""
    with _engine(workspace).begin() as conn:
        return int(conn.execute(delete(_TABLE).where(_TABLE.c.scenario == scenario)).rowcount)
