"""Changing a data store's records by hand (the browser, the CLI): add, edit, delete,
delete all. Each change is one short transaction, safe while scenarios run.

A record is checked against the store's data structure first (`engine.store.structure_check`)
and coerced to its types; a store's size limit refuses a record that would exceed it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from engine.store.data_structures import DataStructure, coerce_record, get_structure
from engine.store.datastore import DataStoreRecordRow, _upsert, dumps_record
from engine.store.store_admin import StoreError, store_info
from engine.store.structure_check import FieldProblem, validate

_RECORDS = DataStoreRecordRow.__table__  # type: ignore[attr-defined]


class RecordInvalid(ValueError):
    """The record does not fit the store: its problems name their fields."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def check_record(structure: DataStructure | None, key: str,
                 data: dict[str, Any]) -> list[FieldProblem]:
    """What is wrong with a record (the key included); [] when it can be saved."""
    problems = [] if key.strip() else [FieldProblem("key", "is required")]
    if structure is not None:
        problems += validate(data, structure.spec, strict=structure.strict)
    return problems


def save_record(engine: Engine, store_id: Any, key: str, data: dict[str, Any], *,
                previous_key: str | None = None) -> dict[str, Any]:
    """Add or replace a record (renaming it from `previous_key`); returns what was stored."""
    sid = str(store_id)
    info = store_info(engine, sid)
    structure = get_structure(engine, info.structure_id)
    problems = check_record(structure, key, data)
    if problems:
        raise RecordInvalid(problems)
    if structure is not None:
        data = coerce_record(data, structure.spec, strict=structure.strict)
    if info.max_size_mb is not None:
        added = len(key.encode()) + len(dumps_record(data).encode())
        if info.size + added > info.max_size_mb * 1024 * 1024:
            raise StoreError(f"Data store {info.name!r} is full ({info.max_size_mb} MB).")
    with engine.begin() as conn:
        if previous_key is not None and previous_key != key:
            if conn.execute(select(_RECORDS.c.key).where(
                    _RECORDS.c.store_id == sid, _RECORDS.c.key == key)).first():
                raise RecordInvalid([FieldProblem("key", f"{key!r} is taken by another record")])
            conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == sid,
                                                _RECORDS.c.key == previous_key))
        _upsert(conn, sid, key, data)
    return data


def delete_records(engine: Engine, store_id: Any, keys: list[str]) -> int:
    with engine.begin() as conn:
        result = conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == str(store_id),
                                                     _RECORDS.c.key.in_(keys)))
    return int(result.rowcount)


def delete_all_records(engine: Engine, store_id: Any) -> int:
    with engine.begin() as conn:
        result = conn.execute(delete(_RECORDS).where(_RECORDS.c.store_id == str(store_id)))
    return int(result.rowcount)

