"""Incomplete executions in the workspace's `state.db` (Make's incomplete-executions folder).

One row per stored run state: the scenario and its blueprint version (content-addressed, as in
history), the execution it came from, the failed module, the bundles mappable into it and the
execution variables (tagged JSON, so dates and buffers keep their Make types), the error, why it
was stored, its automatic-retry settings and schedule, and its status (pending, resolved,
deleted). `scenario_health` counts consecutive failed runs per scenario for `maxErrors`.

Secrets never reach the file: the blueprint's credentials (engine.sensitive) and any other
secret found in the bundles, variables, trigger or error are stored as references whose values
live in the secret store (engine.secrets); `runnable` puts them back for a retry.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import BigInteger, Column, Index, Text, delete, func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from engine.incomplete.health import ScenarioHealth as ScenarioHealth
from engine.store.datastore import decode_value, encode_value
from engine.store.dialects import insertion_order, upsert

if TYPE_CHECKING:
    from engine.secrets import SecretStore

PENDING, RESOLVED, DELETED = "pending", "resolved", "deleted"


class IncompleteBlueprintRow(SQLModel, table=True):
    """A scenario's blueprint as an incomplete execution must resume it, by its sha256."""

    __tablename__ = "incomplete_blueprint"

    sha256: str = Field(primary_key=True)
    content: str = Field(sa_column=Column(Text, nullable=False))  # the blueprint JSON


class IncompleteExecutionRow(SQLModel, table=True):
    __tablename__ = "incomplete_execution"
    __table_args__ = (
        Index("ix_incomplete_scenario_status", "scenario", "status"),
        Index("ix_incomplete_status_next_retry", "status", "next_retry_at"),
    )

    id: str = Field(primary_key=True)
    scenario: str = ""
    blueprint_sha256: str = Field(foreign_key="incomplete_blueprint.sha256")
    execution_id: str = ""  # the run (history entry) it came from
    module_id: int  # the failed module: a retry starts there
    bundles: str = "{}"  # tagged JSON {module id: bundle}
    execution_vars: str = "{}"
    trigger: str | None = None  # the webhook request the run started from (tagged JSON)
    error: str | None = None  # {"name", "message", ...}
    reason: str = "error"  # "break" | "error" | "interrupted"
    retry: str | None = None  # automatic retry: {"kind": "break"|"backoff", count, interval}
    attempts: int = 0
    next_retry_at: datetime | None = None  # None: no automatic retry due
    status: str = PENDING
    created_at: datetime
    updated_at: datetime
    last_execution_id: str | None = None  # the latest retry's execution
    resolved_by: str | None = None  # the execution that finished it
    # Insertion order on PostgreSQL (a sequence, migration 0008); SQLite uses its rowid.
    added: int | None = Field(default=None, sa_type=BigInteger)


class ScenarioHealthRow(SQLModel, table=True):
    """Consecutive failed runs of a scenario; a scheduled scenario stops at `maxErrors`."""

    __tablename__ = "scenario_health"

    scenario: str = Field(primary_key=True)
    consecutive_errors: int = 0
    deactivated: bool = False
    deactivated_at: datetime | None = None
    last_error: str | None = None
    updated_at: datetime


_BLUEPRINTS = IncompleteBlueprintRow.__table__  # type: ignore[attr-defined]
_INCOMPLETE = IncompleteExecutionRow.__table__  # type: ignore[attr-defined]
_HEALTH = ScenarioHealthRow.__table__  # type: ignore[attr-defined]


# ------------------------------------------------------------------------ values


def utc_now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    """Times are stored in UTC (a naive time is taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def dumps(value: Any) -> str:
    return orjson.dumps(encode_value(value)).decode()


def loads(text: str | None) -> Any:
    return None if text is None else decode_value(orjson.loads(text))


def dump_bundles(bundles: dict[Any, Any]) -> str:
    return dumps({str(k): v for k, v in bundles.items()})


def load_bundles(text: str) -> dict[Any, Any]:
    """Module ids back to ints (the executor's roots are keyed by them)."""
    raw = loads(text) or {}
    return {int(k) if k.lstrip("-").isdigit() else k: v for k, v in raw.items()}


def blueprint_sha(blueprint_json: Any) -> str:
    return hashlib.sha256(orjson.dumps(blueprint_json, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass
class Incomplete:
    """An incomplete execution as read back."""

    id: str
    scenario: str
    blueprint_sha256: str
    execution_id: str
    module_id: int
    bundles: dict[Any, Any]
    execution_vars: dict[str, Any]
    trigger: dict[str, Any] | None
    error: dict[str, Any] | None
    reason: str
    retry: dict[str, Any] | None
    attempts: int
    next_retry_at: datetime | None
    status: str
    created_at: datetime
    updated_at: datetime
    last_execution_id: str | None = None
    resolved_by: str | None = None


def _from_row(row: Any) -> Incomplete:
    return Incomplete(
        id=row.id, scenario=row.scenario, blueprint_sha256=row.blueprint_sha256,
        execution_id=row.execution_id, module_id=row.module_id,
        bundles=load_bundles(row.bundles), execution_vars=loads(row.execution_vars) or {},
        trigger=loads(row.trigger), error=loads(row.error), reason=row.reason,
        retry=loads(row.retry), attempts=row.attempts,
        next_retry_at=_utc(row.next_retry_at), status=row.status,
        created_at=_utc(row.created_at) or utc_now(),
        updated_at=_utc(row.updated_at) or utc_now(),
        last_execution_id=row.last_execution_id, resolved_by=row.resolved_by,
    )


# ------------------------------------------------------------------- writing


def _store_of(engine: Engine) -> SecretStore:
    """The secret store of the workspace whose state.db `engine` opens."""
    from engine.secrets import secret_store

    database = engine.url.database
    return secret_store(Path(database).parent if database else None)


def _stashed(engine: Engine, values: list[Any], blueprint_index: int | None,
             secrets: Iterable[str], store: SecretStore | None) -> list[Any]:
    """`values` with their secrets replaced by references (values kept in the store)."""
    from engine.secret_refs import stash
    from engine.sensitive import scenario_secrets

    wanted = set(secrets)
    if blueprint_index is not None:
        wanted |= set(scenario_secrets(values[blueprint_index]).searchable())
    out, _box = stash(values, blueprint_index, wanted, store or _store_of(engine))
    return out


def add_incomplete(
    engine: Engine,
    *,
    scenario: str,
    blueprint_json: Any,
    execution_id: str,
    module_id: int,
    bundles: dict[Any, Any],
    execution_vars: dict[str, Any] | None = None,
    trigger: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    reason: str = "error",
    retry: dict[str, Any] | None = None,
    next_retry_at: datetime | None = None,
    now: datetime | None = None,
    secrets: Iterable[str] = (),
    store: SecretStore | None = None,
) -> str:
    """Store one incomplete execution; returns its id. The blueprint's secrets and `secrets`
    (values the run evaluated) are stored as references into the secret store."""
    now = now or utc_now()
    blueprint_json, bundles, execution_vars, trigger, error = _stashed(
        engine, [blueprint_json, bundles, execution_vars or {}, trigger, error], 0, secrets,
        store)
    sha = blueprint_sha(blueprint_json)
    new_id = uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(
            upsert(conn, _BLUEPRINTS)
            .values(sha256=sha, content=orjson.dumps(blueprint_json).decode())
            .on_conflict_do_nothing()
        )
        conn.execute(_INCOMPLETE.insert().values(
            id=new_id, scenario=scenario, blueprint_sha256=sha, execution_id=execution_id,
            module_id=module_id, bundles=dump_bundles(bundles),
            execution_vars=dumps(execution_vars or {}),
            trigger=None if trigger is None else dumps(trigger),
            error=None if error is None else dumps(error), reason=reason,
            retry=None if retry is None else dumps(retry), attempts=0,
            next_retry_at=_utc(next_retry_at), status=PENDING,
            created_at=_utc(now), updated_at=_utc(now),
        ))
    return new_id


_PAYLOADS = ("bundles", "execution_vars", "trigger", "error")


def update_incomplete(engine: Engine, incomplete_id: str, *, secrets: Iterable[str] = (),
                      **values: Any) -> None:
    """Change stored fields (bundles, error, attempts, schedule, status, ...). New bundles,
    variables, trigger or error have the scenario's secrets (and `secrets`) referenced."""
    encoded: dict[str, Any] = {"updated_at": _utc(values.pop("now", None) or utc_now())}
    payloads = [name for name in _PAYLOADS if values.get(name) is not None]
    if payloads:
        store = _store_of(engine)
        known = set(secrets) | _secrets_of_record(engine, incomplete_id, store)
        stashed = _stashed(engine, [values[name] for name in payloads], None, known, store)
        values.update(zip(payloads, stashed, strict=True))
    for name, value in values.items():
        if name == "bundles":
            encoded[name] = dump_bundles(value)
        elif name in ("execution_vars", "trigger", "error", "retry"):
            encoded[name] = None if value is None else dumps(value)
        elif name == "next_retry_at":
            encoded[name] = _utc(value)
        else:
            encoded[name] = value
    with engine.begin() as conn:
        conn.execute(update(_INCOMPLETE).where(_INCOMPLETE.c.id == incomplete_id)
                     .values(**encoded))


def _secrets_of_record(engine: Engine, incomplete_id: str, store: SecretStore) -> set[str]:
    """The secrets of an incomplete execution's blueprint (its stashed values included)."""
    from engine.secret_refs import restore, stashed_values
    from engine.sensitive import scenario_secrets

    with engine.connect() as conn:
        content = conn.execute(
            select(_BLUEPRINTS.c.content)
            .join(_INCOMPLETE, _INCOMPLETE.c.blueprint_sha256 == _BLUEPRINTS.c.sha256)
            .where(_INCOMPLETE.c.id == incomplete_id)
        ).scalar()
    if content is None:
        return set()
    stored = orjson.loads(content)
    stashes = stashed_values(stored, store)
    found = {v for values in stashes.values() for v in values}
    return found | set(scenario_secrets(restore(stored, stashes)).searchable())


def store_blueprint(engine: Engine, blueprint_json: Any) -> str:
    """Keep a blueprint version (an edited failed module makes a new one); returns its sha."""
    [blueprint_json] = _stashed(engine, [blueprint_json], 0, (), None)
    sha = blueprint_sha(blueprint_json)
    with engine.begin() as conn:
        conn.execute(
            upsert(conn, _BLUEPRINTS)
            .values(sha256=sha, content=orjson.dumps(blueprint_json).decode())
            .on_conflict_do_nothing()
        )
    return sha


@dataclass
class Runnable:
    """What a retry runs: the stored blueprint and state with their secrets put back."""

    blueprint_json: Any
    bundles: dict[Any, Any]
    execution_vars: dict[str, Any]
    trigger: dict[str, Any] | None
    missing: list[int]  # modules whose credentials the secret store doesn't have
    store: str  # which store was asked


def runnable(engine: Engine, record: Incomplete) -> Runnable:
    from engine.secret_refs import modules_missing_secrets, restore, stashed_values

    store = _store_of(engine)
    stored = [load_blueprint_json(engine, record.blueprint_sha256), record.bundles,
              record.execution_vars, record.trigger]
    blueprint, bundles, execution_vars, trigger = restore(stored, stashed_values(stored, store))
    return Runnable(blueprint, bundles, execution_vars, trigger,
                    modules_missing_secrets(blueprint), store.description)


def delete_incomplete(engine: Engine, incomplete_id: str) -> bool:
    """Mark deleted (as Make does: the record stays, out of the list)."""
    with engine.begin() as conn:
        done = conn.execute(
            update(_INCOMPLETE)
            .where(_INCOMPLETE.c.id == incomplete_id, _INCOMPLETE.c.status == PENDING)
            .values(status=DELETED, next_retry_at=None, updated_at=_utc(utc_now()))
        )
    return bool(done.rowcount)


def purge_incomplete(engine: Engine, incomplete_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(_INCOMPLETE).where(_INCOMPLETE.c.id == incomplete_id))


# ------------------------------------------------------------------- reading


class IncompleteNotFound(LookupError):
    pass


def get_incomplete(engine: Engine, incomplete_id: str) -> Incomplete:
    """One incomplete execution by id (a unique prefix is enough, as with history ids)."""
    with engine.connect() as conn:
        row = conn.execute(select(_INCOMPLETE).where(_INCOMPLETE.c.id == incomplete_id)).first()
        if row is None and incomplete_id:
            rows = conn.execute(
                select(_INCOMPLETE)
                .where(_INCOMPLETE.c.id.startswith(incomplete_id, autoescape=True)).limit(2)
            ).all()
            row = rows[0] if len(rows) == 1 else None
    if row is None:
        raise IncompleteNotFound(f"no incomplete execution {incomplete_id!r}")
    return _from_row(row)


def list_incomplete(
    engine: Engine, *, scenario: str | None = None, status: str | None = PENDING
) -> list[Incomplete]:
    """Oldest first: the order Make resolves them in."""
    query = select(_INCOMPLETE).order_by(_INCOMPLETE.c.created_at, *_added(engine))
    if scenario is not None:
        query = query.where(_INCOMPLETE.c.scenario == scenario)
    if status is not None:
        query = query.where(_INCOMPLETE.c.status == status)
    with engine.connect() as conn:
        return [_from_row(row) for row in conn.execute(query)]


def pending_count(engine: Engine, scenario: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(_INCOMPLETE)
            .where(_INCOMPLETE.c.scenario == scenario, _INCOMPLETE.c.status == PENDING)
        ).scalar() or 0)


def due_incomplete(engine: Engine, now: datetime) -> list[Incomplete]:
    """Pending incomplete executions whose automatic retry is due, oldest due first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(_INCOMPLETE)
            .where(_INCOMPLETE.c.status == PENDING, _INCOMPLETE.c.next_retry_at.is_not(None),
                   _INCOMPLETE.c.next_retry_at <= _utc(now))
            .order_by(_INCOMPLETE.c.next_retry_at, _INCOMPLETE.c.created_at, *_added(engine))
        ).all()
    return [_from_row(row) for row in rows]


def load_blueprint_json(engine: Engine, sha256: str) -> Any:
    with engine.connect() as conn:
        content = conn.execute(
            select(_BLUEPRINTS.c.content).where(_BLUEPRINTS.c.sha256 == sha256)
        ).scalar()
    if content is None:
        raise IncompleteNotFound(f"blueprint version {sha256[:12]} is missing from state.db")
    return orjson.loads(content)


# ------------------------------------------------------------- scenario health




def _added(engine: Engine) -> list[Any]:
    """Insertion order, which breaks ties of created_at."""
    return insertion_order(engine, _INCOMPLETE)


def consecutive_errors(engine: Engine, scenario: str) -> int:
    """The scenario's count alone, read on the driver (every background run asks)."""
    with engine.connect() as conn:
        found = conn.execute(select(_HEALTH.c.consecutive_errors).where(
            _HEALTH.c.scenario == scenario)).scalar()
    return int(found or 0)


def scenario_health(engine: Engine, scenario: str) -> ScenarioHealth:
    with engine.connect() as conn:
        row = conn.execute(select(_HEALTH).where(_HEALTH.c.scenario == scenario)).first()
    if row is None:
        return ScenarioHealth(scenario)
    return ScenarioHealth(scenario, row.consecutive_errors, bool(row.deactivated),
                          _utc(row.deactivated_at), loads(row.last_error))


def save_health(engine: Engine, health: ScenarioHealth) -> None:
    now = _utc(utc_now())
    values = {
        "consecutive_errors": health.consecutive_errors, "deactivated": health.deactivated,
        "deactivated_at": _utc(health.deactivated_at),
        "last_error": None if health.last_error is None else dumps(health.last_error),
        "updated_at": now,
    }
    statement = upsert(engine, _HEALTH).values(scenario=health.scenario, **values)
    with engine.begin() as conn:
        conn.execute(statement.on_conflict_do_update(index_elements=[_HEALTH.c.scenario],
                                                     set_=values))
