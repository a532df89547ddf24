"""The workspace's scenario registry in state.db: which scenarios the runtime runs, and how.

A registered scenario is a blueprint file (kept where it is: the runtime reads it again when
it changes; its text is kept here too, for serve nodes that share the database but not the
file's folder) under the name its runs are recorded with (the blueprint's name, else the file's:
the name `scenarist run` and the window use), with its schedule (Make's ``scheduling`` JSON,
engine.runtime.schedule_model), the catch-up policy after downtime, its next planned run, and
whether it is active. Activating or deactivating is a write here; the running runtime reads
the table again every second, so the change takes effect within seconds, from any process.

Every write goes through this module, in short transactions; nothing here knows the runtime.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Column, Text, delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from engine.errors import ScenaristError
from engine.runtime.schedule_model import Schedule, ScheduleError
from engine.store.dialects import upsert

__all__ = [
    "CATCH_UP_POLICIES", "RegistryError", "ScenarioEntry", "ScenarioRow", "activate",
    "deactivate", "entries", "find", "get", "keep_copy", "register", "set_next_run",
    "set_start_from", "stored_blueprint", "text_sha256", "unregister",
]

CATCH_UP_POLICIES = ("run_once", "skip")


class RegistryError(ScenaristError):
    """A scenario that is not registered, or a name that another file already uses."""


class ScenarioRow(SQLModel, table=True):
    __tablename__ = "scenario"

    name: str = Field(primary_key=True)
    file: str  # the blueprint file, absolute
    active: bool = False
    schedule: str | None = None  # Make's scheduling JSON; None: the trigger's default
    catch_up: str = "run_once"  # after sleep or downtime: "run_once" | "skip"
    next_run: datetime | None = None  # UTC; None: not planned (instant, on demand, done)
    last_run: datetime | None = None  # UTC: the planned time of the last scheduled run
    start_from: str | None = None  # polling triggers' "choose where to start" (JSON)
    deactivated_reason: str | None = None  # why the runtime turned it off
    created_at: datetime
    updated_at: datetime
    # The file's text when a node last read it (nodes without the file run this copy).
    blueprint: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    blueprint_sha256: str | None = None


_TABLE = ScenarioRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ScenarioEntry:
    """A registered scenario as the runtime and the CLI read it."""

    name: str
    file: Path
    active: bool
    schedule: Schedule | None
    catch_up: str
    next_run: datetime | None
    start_from: dict[str, Any] | None
    last_run: datetime | None
    deactivated_reason: str | None
    updated_at: datetime
    blueprint_sha256: str | None = None  # of the copy kept (its text: `stored_blueprint`)

    @property
    def schedule_json(self) -> dict[str, Any] | None:
        return self.schedule.to_make() if self.schedule is not None else None


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _entry(row: Any) -> ScenarioEntry:
    try:
        schedule = Schedule.from_make(row.schedule) if row.schedule else None
    except ScheduleError:
        schedule = None  # written by a newer version: treated as the trigger's default
    return ScenarioEntry(
        name=row.name, file=Path(row.file), active=bool(row.active), schedule=schedule,
        catch_up=row.catch_up, next_run=_utc(row.next_run),
        start_from=orjson.loads(row.start_from) if row.start_from else None,
        last_run=_utc(row.last_run),
        deactivated_reason=row.deactivated_reason, updated_at=_utc(row.updated_at) or
        datetime.now(UTC), blueprint_sha256=row.blueprint_sha256,
    )


_LISTED = [c for c in _TABLE.c if c.name != "blueprint"]  # the text is read when it is run


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def entries(engine: Engine, *, active_only: bool = False) -> list[ScenarioEntry]:
    """Every registered scenario, by name."""
    query = select(*_LISTED).order_by(_TABLE.c.name)
    if active_only:
        query = query.where(_TABLE.c.active.is_(True))
    with engine.connect() as conn:
        return [_entry(row) for row in conn.execute(query)]


def find(engine: Engine, name: str) -> ScenarioEntry | None:
    with engine.connect() as conn:
        row = conn.execute(select(*_LISTED).where(_TABLE.c.name == name)).first()
    return None if row is None else _entry(row)


def get(engine: Engine, name: str) -> ScenarioEntry:
    entry = find(engine, name)
    if entry is None:
        known = ", ".join(repr(e.name) for e in entries(engine)) or "none"
        raise RegistryError(f"no scenario named {name!r} is registered (registered: {known})")
    return entry


def by_file(engine: Engine, file: Path) -> ScenarioEntry | None:
    target = str(Path(file).resolve())
    with engine.connect() as conn:
        row = conn.execute(select(*_LISTED).where(_TABLE.c.file == target)).first()
    return None if row is None else _entry(row)


def register(
    engine: Engine,
    name: str,
    file: Path,
    *,
    schedule: Schedule | None = None,
    keep_schedule: bool = False,
    catch_up: str | None = None,
    start_from: dict[str, Any] | None = None,
    now: datetime | None = None,
    text: str | None = None,
) -> ScenarioEntry:
    """Register (or update) a scenario, inactive until `activate`. `keep_schedule`: a
    scenario registered before keeps its schedule unless `schedule` is given. `text`: the
    file's text, kept for nodes without the file."""
    if catch_up is not None and catch_up not in CATCH_UP_POLICIES:
        raise RegistryError(f"catch-up policy {catch_up!r}: use one of "
                            f"{', '.join(CATCH_UP_POLICIES)}")
    path = str(Path(file).resolve())
    now = now or datetime.now(UTC)
    existing = find(engine, name)
    if existing is not None and str(existing.file) != path:
        raise RegistryError(
            f"a scenario named {name!r} is already registered from {existing.file}; rename "
            f"one of them, or deactivate and unregister the other first")
    other = by_file(engine, Path(path))
    if other is not None and other.name != name:
        raise RegistryError(f"{path} is already registered as {other.name!r}")
    values: dict[str, Any] = {"file": path, "updated_at": now}
    if schedule is not None or not keep_schedule or existing is None:
        values["schedule"] = orjson.dumps(schedule.to_make()).decode() if schedule else None
        values["next_run"] = None  # planned again by the runtime
    if catch_up is not None:
        values["catch_up"] = catch_up
    if start_from is not None:
        values["start_from"] = orjson.dumps(start_from).decode()
    if text is not None:
        values["blueprint"], values["blueprint_sha256"] = text, text_sha256(text)
    with engine.begin() as conn:
        conn.execute(
            upsert(conn, _TABLE)
            .values(**{"name": name, "created_at": now, "active": False,
                       "catch_up": "run_once", **values})
            .on_conflict_do_update(index_elements=["name"], set_=values)
        )
    return get(engine, name)


def _change(engine: Engine, name: str, **values: Any) -> ScenarioEntry:
    values.setdefault("updated_at", datetime.now(UTC))
    with engine.begin() as conn:
        changed = conn.execute(update(_TABLE).where(_TABLE.c.name == name).values(**values))
    if changed.rowcount == 0:
        get(engine, name)  # raises, naming the registered ones
    return get(engine, name)


def activate(engine: Engine, name: str) -> ScenarioEntry:
    """Turn the scenario on: planned again from now, its error count reset (Make resets
    consecutive errors when a scenario is switched back on)."""
    from engine.incomplete.policy import reactivate

    entry = _change(engine, name, active=True, next_run=None, deactivated_reason=None)
    reactivate(engine, name)
    return entry


def deactivate(engine: Engine, name: str, reason: str | None = None) -> ScenarioEntry:
    return _change(engine, name, active=False, next_run=None, deactivated_reason=reason)


def set_next_run(engine: Engine, name: str, when: datetime | None, *,
                 ran: datetime | None = None) -> None:
    """The runtime's plan (not a user's change: `updated_at` stays); `ran`: the planned
    time of the run it just started (so a restart never runs that time again)."""
    values: dict[str, Any] = {"next_run": when}
    if ran is not None:
        values["last_run"] = ran
    with engine.begin() as conn:
        conn.execute(update(_TABLE).where(_TABLE.c.name == name).values(**values))


def set_start_from(engine: Engine, name: str, choice: dict[str, Any] | None) -> ScenarioEntry:
    return _change(engine, name,
                   start_from=orjson.dumps(choice).decode() if choice is not None else None)


def keep_copy(engine: Engine, name: str, text: str) -> None:
    """Keep `text` as the scenario's blueprint (read from its file by a node that has it):
    nodes without the file run it from then on. Not a change of the user's: its plan stays."""
    sha = text_sha256(text)
    with engine.begin() as conn:
        conn.execute(update(_TABLE).where(
            (_TABLE.c.name == name)
            & ((_TABLE.c.blueprint_sha256 != sha) | _TABLE.c.blueprint_sha256.is_(None))
        ).values(blueprint=text, blueprint_sha256=sha))


def stored_blueprint(engine: Engine, name: str) -> str | None:
    """The scenario's blueprint text as last kept (None: none kept, or not registered)."""
    with engine.connect() as conn:
        text: str | None = conn.execute(
            select(_TABLE.c.blueprint).where(_TABLE.c.name == name)).scalar()
    return text


def unregister(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(_TABLE).where(_TABLE.c.name == name))
