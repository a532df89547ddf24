"""Data stores: keyed records in the workspace's `state.db`, and a run's transactional view.

A `DataStoreSession` is a run's access to every data store. With `auto_commit` (Make's
default) each write is its own short transaction. Without it, writes are held in memory —
reads in the same run see them — until `commit()` at the end of the cycle writes them in one
transaction, or `rollback()` drops them. No SQLite write lock is ever held across a cycle.

Records keep Make's item types: values are stored as JSON with tags for dates
(`{"$date": iso}`) and buffers (`{"$buffer": base64}`).

Crash safety: a session given a `journal` (the run's execution id and its cycle) records, in the
same SQLite transaction as each autoCommit write, the record's previous value in
`data_store_journal`; the journal of a cycle is cleared when the cycle ends. After a crash,
`undo_journal` puts back what an interrupted run's unfinished cycle changed.

Deterministic replay: with the run's `EffectLog`, every read's result is recorded; when the log
is replaying, reads return the recorded results and writes do nothing.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import BigInteger, delete, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, SQLModel

from engine.errors import ModuleError
from engine.store.data_structures import DataStructure, get_structure
from engine.store.database import bind_database, unbind_database
from engine.store.dialects import insertion_order, upsert
from engine.store.state_db import release_state_engine, state_engine
from engine.store.tagged_json import decode_value as decode_value  # re-exported
from engine.store.tagged_json import dumps_tagged
from engine.store.tagged_json import encode_value as encode_value

if TYPE_CHECKING:
    from engine.context import RunServices
    from engine.effects import EffectLog


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DataStoreRow(SQLModel, table=True):
    __tablename__ = "data_store"

    id: str = Field(primary_key=True)
    name: str = ""
    data_structure_id: str | None = None  # may name a structure the workspace doesn't have
    max_size_mb: int | None = None  # Make's "Data storage size"; None: no limit
    # Kept by triggers on data_store_record (migration 0007): never written by hand.
    record_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    size_bytes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=_utc_now)


class DataStoreRecordRow(SQLModel, table=True):
    __tablename__ = "data_store_record"

    store_id: str = Field(foreign_key="data_store.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(primary_key=True)
    data: str  # tagged JSON, see encode_value
    created_at: datetime = Field(default_factory=_utc_now)
    updated_at: datetime = Field(default_factory=_utc_now)
    # Insertion order on PostgreSQL (a sequence, migration 0008); SQLite uses its rowid.
    added: int | None = Field(default=None, sa_type=BigInteger)


class DataStoreJournalRow(SQLModel, table=True):
    """A record's value before an autoCommit write of a cycle not yet finished."""

    __tablename__ = "data_store_journal"

    id: int | None = Field(default=None, primary_key=True)
    execution_id: str = Field(index=True)
    cycle: int = 0
    store_id: str
    key: str
    previous: str | None = None  # tagged JSON; None: the record did not exist


_STORES = DataStoreRow.__table__  # type: ignore[attr-defined]
_RECORDS = DataStoreRecordRow.__table__  # type: ignore[attr-defined]
_JOURNAL = DataStoreJournalRow.__table__  # type: ignore[attr-defined]

# --- value codec (engine.store.tagged_json) -----------------------------------------------

def dumps_record(data: dict[str, Any]) -> str:
    return dumps_tagged(data).decode()  # encode_value's text, in one orjson call


def loads_record(text: str) -> dict[str, Any]:
    data = decode_value(orjson.loads(text))
    return data if isinstance(data, dict) else {"value": data}


# --- a run's session ----------------------------------------------------------------------

_DELETED = None  # marker in held writes


@dataclass
class _HeldChanges:
    """Writes to one store not yet committed: cleared first, then these keys (None = deleted)."""

    cleared: bool = False
    writes: dict[str, dict[str, Any] | None] = field(default_factory=dict)


class DataStoreSession:
    """One run's view of the workspace's data stores (a `Transactional` resource)."""

    def __init__(self, engine: Engine, *, auto_commit: bool = True,
                 temp_dir: Path | None = None,
                 journal: tuple[str, Callable[[], int]] | None = None,
                 effects: EffectLog | None = None) -> None:
        self.engine = engine
        self.auto_commit = auto_commit
        self._temp_dir = temp_dir
        # (execution id, current cycle): autoCommit writes keep their undo in the journal.
        self._journal = journal if auto_commit and not (effects and effects.replaying) else None
        self._journaled = False
        self._effects = effects
        self._replaying = bool(effects is not None and effects.replaying)
        self._held: dict[str, _HeldChanges] = {}
        self._known_stores: set[str] = set()
        self._limits: dict[str, bool] = {}
        self._structures: dict[str, DataStructure | None] = {}

    # -- stores --

    def ensure_store(self, store_id: Any, name: str = "") -> str:
        """The store's id as text; an unknown store is created empty on first use."""
        sid = str(store_id)
        if sid not in self._known_stores and not self._replaying:
            with self._write() as conn:
                conn.execute(
                    upsert(conn, _STORES).values(
                        id=sid, name=name or f"Data store {sid}", created_at=_utc_now()
                    ).on_conflict_do_nothing()
                )
            self._known_stores.add(sid)
        return sid

    def structure(self, store_id: Any) -> DataStructure | None:
        """The data structure of a store, if it has one the workspace knows."""
        sid = self.ensure_store(store_id)
        if sid not in self._structures:
            with self.engine.connect() as conn:
                structure_id = conn.execute(
                    select(_STORES.c.data_structure_id).where(_STORES.c.id == sid)
                ).scalar()
            self._structures[sid] = get_structure(self.engine, structure_id)
        return self._structures[sid]

    # -- reads (see held writes) --

    def get(self, store_id: Any, key: str) -> dict[str, Any] | None:
        if self._effects is not None:
            found: dict[str, Any] | None = self._effect(
                "datastore.get", lambda: self._get(store_id, key))
            return found
        return self._get(store_id, key)

    def exists(self, store_id: Any, key: str) -> bool:
        if self._effects is not None:
            exists: bool = self._effect("datastore.exists",
                                        lambda: self._get(store_id, key) is not None)
            return exists
        return self._get(store_id, key) is not None

    def records(self, store_id: Any) -> list[tuple[str, dict[str, Any]]]:
        """Every record, oldest first (a replaced record keeps its place)."""
        if self._effects is not None:
            found = self._effect("datastore.records",
                                 lambda: [[k, r] for k, r in self._records(store_id)])
            return [(k, r) for k, r in found]
        return self._records(store_id)

    def search(self, store_id: Any, conditions: Any,
               accept: Callable[[str, dict[str, Any]], bool],
               limit: int | None = None) -> list[tuple[str, dict[str, Any]]]:
        """The records `accept` takes, oldest first, at most `limit`. The filter's
        `conditions` narrow the records read first when they allow it (an indexed lookup,
        `engine.store.record_search`), so a big store is not read whole."""
        def read() -> list[tuple[str, dict[str, Any]]]:
            found = []
            for key, record in self._search(store_id, conditions):
                if accept(key, record):
                    found.append((key, record))
                    if limit is not None and len(found) >= limit:
                        break
            return found

        if self._effects is None:
            return read()
        # What was found is recorded; a replay checks it again (recordings made before
        # searches were narrowed hold every record of the store).
        recorded = self._effect("datastore.records", lambda: [[k, r] for k, r in read()])
        kept = [(k, r) for k, r in recorded if accept(k, r)]
        return kept if limit is None else kept[:limit]

    def _search(self, store_id: Any, conditions: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        from engine.store.record_search import candidates, plan

        sid = self.ensure_store(store_id)
        # Narrowing reads SQLite's JSON functions; on PostgreSQL every record is checked.
        lookups = None if sid in self._held or self.engine.dialect.name != "sqlite" \
            else plan(conditions, self.structure(sid))
        if lookups is None:
            yield from self._records(sid)
            return
        for key, text in candidates(self.engine, sid, lookups):
            yield key, loads_record(text)

    def count(self, store_id: Any) -> int:
        if self._effects is not None:
            count: int = self._effect("datastore.count", lambda: self._count(store_id))
            return count
        return self._count(store_id)

    def _effect(self, kind: str, read: Callable[[], Any]) -> Any:
        """A read recorded for replay (a copy: modules may change what they got), or fed
        back from the recording."""
        assert self._effects is not None
        if self._replaying:
            return copy.deepcopy(self._effects.take(kind, read))
        value = read()
        self._effects.record(kind, copy.deepcopy(value))
        return value

    def _get(self, store_id: Any, key: str) -> dict[str, Any] | None:
        sid = self.ensure_store(store_id)
        held = self._held.get(sid)
        if held is not None:
            if key in held.writes:
                found = held.writes[key]
                return dict(found) if found is not None else None
            if held.cleared:
                return None
        with self.engine.connect() as conn:
            text = conn.execute(
                select(_RECORDS.c.data).where(_RECORDS.c.store_id == sid, _RECORDS.c.key == key)
            ).scalar()
        return loads_record(text) if text is not None else None

    def _records(self, store_id: Any) -> list[tuple[str, dict[str, Any]]]:
        sid = self.ensure_store(store_id)
        held = self._held.get(sid) or _HeldChanges()
        out: dict[str, dict[str, Any]] = {}
        if not held.cleared:
            out = dict(self._stored_records(sid))
        for key, data in held.writes.items():
            if data is _DELETED:
                out.pop(key, None)
            else:
                out[key] = dict(data)
        return list(out.items())

    def _count(self, store_id: Any) -> int:
        return self._stats(store_id)[0]

    def stats(self, store_id: Any) -> tuple[int, int]:
        """(records, bytes of keys and stored JSON), held writes included."""
        if self._effects is not None:
            found = self._effect("datastore.stats", lambda: list(self._stats(store_id)))
            return int(found[0]), int(found[1])
        return self._stats(store_id)

    def _stats(self, store_id: Any) -> tuple[int, int]:
        sid = self.ensure_store(store_id)
        if sid not in self._held:  # kept by triggers on the records (migration 0007)
            with self.engine.connect() as conn:
                row = conn.execute(select(_STORES.c.record_count, _STORES.c.size_bytes)
                                   .where(_STORES.c.id == sid)).first()
            return (int(row[0]), int(row[1])) if row is not None else (0, 0)
        records = self._records(sid)
        return len(records), sum(len(key.encode()) + len(dumps_record(record).encode())
                                 for key, record in records)

    def _stored_records(self, sid: str) -> Iterator[tuple[str, dict[str, Any]]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_RECORDS.c.key, _RECORDS.c.data)
                .where(_RECORDS.c.store_id == sid)
                .order_by(*insertion_order(conn, _RECORDS))
            ).all()
        for key, text in rows:
            yield key, loads_record(text)

    # -- writes --

    def put(self, store_id: Any, key: str, data: dict[str, Any]) -> None:
        """Insert or replace a record."""
        if self._replaying:
            return
        sid = self.ensure_store(store_id)
        if self.auto_commit:
            with self._write() as conn:
                self._journal_keys(conn, sid, [key])
                _upsert(conn, sid, key, data)
                if self._limited(conn, sid):
                    check_size_limit(conn, sid)
        else:
            self._held.setdefault(sid, _HeldChanges()).writes[key] = dict(data)

    def _limited(self, conn: Connection, sid: str) -> bool:
        """Whether the store has a size limit (read once per run: most have none)."""
        if sid not in self._limits:
            self._limits[sid] = conn.execute(select(_STORES.c.max_size_mb)
                                             .where(_STORES.c.id == sid)).scalar() is not None
        return self._limits[sid]

    def delete(self, store_id: Any, key: str) -> None:
        if self._replaying:
            return
        sid = self.ensure_store(store_id)
        if self.auto_commit:
            with self._write() as conn:
                self._journal_keys(conn, sid, [key])
                conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid,
                                                    _RECORDS.c.key == key))
        else:
            self._held.setdefault(sid, _HeldChanges()).writes[key] = _DELETED

    def delete_all(self, store_id: Any) -> None:
        if self._replaying:
            return
        sid = self.ensure_store(store_id)
        if self.auto_commit:
            with self._write() as conn:
                self._journal_keys(conn, sid, None)
                conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid))
        else:
            self._held[sid] = _HeldChanges(cleared=True)

    # -- transaction --

    @property
    def has_pending(self) -> bool:
        return bool(self._held)

    def _journal_keys(self, conn: Connection, sid: str, keys: list[str] | None) -> None:
        """Keep the previous values of `keys` (None: every record of the store) in the
        journal, in the write's own transaction, so a crash can undo the write."""
        if self._journal is None:
            return
        execution_id, cycle = self._journal
        query = select(_RECORDS.c.key, _RECORDS.c.data).where(_RECORDS.c.store_id == sid)
        if keys is not None:
            query = query.where(_RECORDS.c.key.in_(keys))
        found: dict[str, str] = {key: data for key, data in conn.execute(query).all()}
        rows = [{"execution_id": execution_id, "cycle": cycle(), "store_id": sid, "key": key,
                 "previous": found.get(key)} for key in (keys if keys is not None else found)]
        if rows:
            conn.execute(insert(_JOURNAL), rows)
            self._journaled = True

    def _clear_journal(self) -> None:
        """The cycle ended (committed or rolled back): its writes stand."""
        if self._journal is None or not self._journaled:
            return
        self._journaled = False
        with self._write() as conn:
            conn.execute(delete(_JOURNAL).where(_JOURNAL.c.execution_id == self._journal[0]))

    def commit(self) -> None:
        """Write the held changes in one short transaction (nothing to do with autoCommit)."""
        self._clear_journal()
        if not self._held:
            return
        held, self._held = self._held, {}
        try:
            with self._write() as conn:
                for sid, changes in held.items():
                    if changes.cleared:
                        conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid))
                    for key, data in changes.writes.items():
                        if data is _DELETED:
                            conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid,
                                                                _RECORDS.c.key == key))
                        else:
                            _upsert(conn, sid, key, data)
                    if self._limited(conn, sid):
                        check_size_limit(conn, sid)
        except ModuleError as exc:
            if exc.name == "OutOfSpaceError":
                raise
            raise ModuleError(f"Data store commit failed: {exc.message}",
                              name="InconsistencyError") from exc

    def rollback(self) -> None:
        """Drop the held changes (writes already committed under autoCommit stay)."""
        self._held.clear()
        self._clear_journal()

    def close(self) -> None:
        self._held.clear()
        if self._temp_dir is not None:
            release_state_engine(self._temp_dir)
            unbind_database(self._temp_dir)
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def _write(self) -> _WriteTransaction:
        return _WriteTransaction(self.engine)


class _WriteTransaction:
    """`engine.begin()` that reports SQLite failures (locked, disk full) as ModuleErrors."""

    def __init__(self, engine: Engine) -> None:
        self._context = engine.begin()

    def __enter__(self) -> Connection:
        try:
            return self._context.__enter__()
        except SQLAlchemyError as exc:
            raise ModuleError(f"Data store unavailable: {exc}", name="RuntimeError") from exc

    def __exit__(self, *exc_info: Any) -> bool | None:
        try:
            return self._context.__exit__(*exc_info)
        except SQLAlchemyError as exc:
            raise ModuleError(f"Data store write failed: {exc}", name="RuntimeError") from exc


def _upsert(conn: Connection, sid: str, key: str, data: dict[str, Any]) -> None:
    now = _utc_now()
    statement = upsert(conn, _RECORDS).values(
        store_id=sid, key=key, data=dumps_record(data), created_at=now, updated_at=now
    )
    conn.execute(statement.on_conflict_do_update(
        index_elements=[_RECORDS.c.store_id, _RECORDS.c.key],
        set_={"data": statement.excluded.data, "updated_at": now},
    ))


def check_size_limit(conn: Connection, sid: str) -> None:
    """Refuse (in the write's own transaction, so it is undone) a write that takes the store
    over its size limit; the size is the triggers' column, so this is one indexed read."""
    row = conn.execute(select(_STORES.c.size_bytes, _STORES.c.max_size_mb, _STORES.c.name)
                       .where(_STORES.c.id == sid)).first()
    if row is not None and row[1] is not None and row[0] > row[1] * 1024 * 1024:
        raise ModuleError(f"Data store {row[2]!r} is full: its limit is {row[1]} MB.",
                          name="OutOfSpaceError")


def datastore_session(run: RunServices) -> DataStoreSession:
    """The run's data store session, on the workspace in `run.data_dir` (a temp dir if None)."""

    def make() -> DataStoreSession:
        if run.data_dir is not None:
            journal = (run.execution_id, lambda: run.cycle) if run.execution_id else None
            return DataStoreSession(state_engine(Path(run.data_dir)), auto_commit=run.auto_commit,
                                    journal=journal, effects=run.effects)
        temp = Path(tempfile.mkdtemp(prefix="scenarist-"))
        bind_database(temp, None)  # a run without a workspace never touches a shared one
        return DataStoreSession(state_engine(temp), auto_commit=run.auto_commit, temp_dir=temp,
                                effects=run.effects)

    session: DataStoreSession = run.resource("datastore", make)
    return session


def set_store_structure(engine: Engine, store_id: Any, structure_id: Any, name: str = "") -> None:
    """Create or update a store's record and the data structure it uses."""
    sid = str(store_id)
    statement = upsert(engine, _STORES).values(
        id=sid, name=name or f"Data store {sid}",
        data_structure_id=None if structure_id is None else str(structure_id),
        created_at=_utc_now(),
    )
    set_: dict[str, Any] = {"data_structure_id": statement.excluded.data_structure_id}
    if name:
        set_["name"] = name
    with engine.begin() as conn:
        conn.execute(statement.on_conflict_do_update(index_elements=[_STORES.c.id], set_=set_))


def undo_journal(engine: Engine, execution_id: str) -> int:
    """Put back every record an interrupted run changed in its unfinished cycle (newest
    change first); returns how many writes were undone."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(_JOURNAL.c.store_id, _JOURNAL.c.key, _JOURNAL.c.previous)
            .where(_JOURNAL.c.execution_id == execution_id).order_by(_JOURNAL.c.id.desc())
        ).all()
        now = _utc_now()
        for sid, key, previous in rows:
            if previous is None:
                conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid,
                                                    _RECORDS.c.key == key))
                continue
            statement = upsert(conn, _RECORDS).values(
                store_id=sid, key=key, data=previous, created_at=now, updated_at=now)
            conn.execute(statement.on_conflict_do_update(
                index_elements=[_RECORDS.c.store_id, _RECORDS.c.key],
                set_={"data": statement.excluded.data, "updated_at": now},
            ))
        conn.execute(delete(_JOURNAL).where(_JOURNAL.c.execution_id == execution_id))
    return len(rows)
