"""The history panels' query: one page of a scenario's executions, newest first.

Only the list's columns are read (no error or summary payloads to decompress), a page at a
time (LIMIT/OFFSET over the (scenario, started_at) index), so a scenario with thousands of
runs costs the panel what one page costs.

SQLAlchemy and the history's tables load at the first read, not on import: the window
builds its panels before its first frame and reads them just after.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@functools.cache
def _table() -> Any:
    from engine.store.history_db import Execution

    return Execution.__table__  # type: ignore[attr-defined]


def _columns() -> tuple[Any, ...]:
    table = _table()
    return (table.c.id, table.c.status, table.c.started_at, table.c.finished_at,
            table.c.operations, table.c.data_transfer, table.c.trigger, table.c.kind,
            table.c.check_run, table.c.resumed_from, table.c.paused_s)


@dataclass(frozen=True)
class RunFilter:
    scenario: str
    status: str | None = None  # None: every status
    since: datetime | None = None  # aware; inclusive
    until: datetime | None = None  # aware; exclusive
    check_runs: bool = False  # Make hides check runs unless asked


@dataclass(frozen=True)
class RunRow:
    id: str
    status: str
    started_at: datetime  # aware, UTC
    finished_at: datetime | None
    operations: int
    data_transfer: int
    trigger: str
    kind: str
    check_run: bool
    resumed_from: str | None
    paused_s: float = 0.0  # waited at breakpoints

    @property
    def duration_s(self) -> float | None:
        """How long the run worked (time paused at breakpoints left out)."""
        if self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds() - self.paused_s)


def _utc(value: datetime | None) -> datetime | None:
    """As history stores times: in UTC (the column type wants them aware)."""
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _where(query: Any, run_filter: RunFilter) -> Any:
    _EXECUTION = _table()
    query = query.where(_EXECUTION.c.scenario == run_filter.scenario)
    if run_filter.status is not None:
        query = query.where(_EXECUTION.c.status == run_filter.status)
    if not run_filter.check_runs:
        query = query.where(_EXECUTION.c.check_run.is_(False))
    if run_filter.since is not None:
        query = query.where(_EXECUTION.c.started_at >= _utc(run_filter.since))
    if run_filter.until is not None:
        query = query.where(_EXECUTION.c.started_at < _utc(run_filter.until))
    return query


def fetch_page(engine: Engine, run_filter: RunFilter, offset: int, limit: int) -> list[RunRow]:
    from sqlalchemy import select

    _EXECUTION = _table()
    query = _where(select(*_columns()), run_filter).order_by(
        _EXECUTION.c.started_at.desc(), _EXECUTION.c.num.desc()).offset(offset).limit(limit)
    with engine.connect() as conn:
        return [
            RunRow(row.id, row.status, _aware(row.started_at), _aware(row.finished_at),  # type: ignore[arg-type]
                   row.operations, row.data_transfer, row.trigger, row.kind,
                   bool(row.check_run), row.resumed_from, float(row.paused_s or 0.0))
            for row in conn.execute(query)
        ]


def count_runs(engine: Engine, run_filter: RunFilter) -> int:
    from sqlalchemy import func, select

    query = _where(select(func.count()).select_from(_table()), run_filter)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def quick_page(workspace: Path | None, run_filter: RunFilter, limit: int
               ) -> tuple[list[RunRow], int] | None:
    """The first page of a scenario's runs and their count, read with sqlite3 alone
    (engine.store.peek: no SQLAlchemy), for the window's first frame; only for the list's
    first filter (every status, no dates, no check runs). None when it cannot say: read
    with `fetch_page` then."""
    from engine.store import peek

    plain = RunFilter(run_filter.scenario)
    if workspace is None or run_filter != plain:
        return None
    found = peek.newest_runs(workspace, run_filter.scenario, limit)
    if found is None:
        return None
    rows, total = found

    def moment(text: Any) -> datetime | None:
        return None if text is None else _aware(datetime.fromisoformat(text))

    try:
        page = [RunRow(str(id_), str(status), moment(started), moment(finished),  # type: ignore[arg-type]
                       int(operations), int(transfer), str(trigger), str(kind), bool(check),
                       resumed, float(paused or 0.0))
                for (id_, status, started, finished, operations, transfer, trigger, kind, check,
                     resumed, paused) in rows]
    except (TypeError, ValueError):
        return None
    return page, total


class HistoryReader:
    """A history.db engine opened on first need (never creating the file just to read it)."""

    def __init__(self, workspace: Path | None) -> None:
        self.workspace = workspace
        self._engine: Engine | None = None

    def engine(self) -> Engine | None:
        from engine.store.history_db import history_exists, open_history_engine

        if self._engine is None and self.workspace is not None \
                and history_exists(self.workspace):
            self._engine = open_history_engine(self.workspace)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
