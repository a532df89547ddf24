"""Narrowing a data store search in SQLite before the exact filter runs in Python.

`datastore:SearchRecord` filters with Make's operators (`engine.filters`); checking a million
records in Python takes seconds. When every OR group of the filter holds an equality on the
key or on a field, the records are first narrowed with an indexed SQL lookup that returns a
superset of the matches (never fewer), and only those are checked exactly. A field's index,
on `json_extract(data, path)` per store, is created the first time a search needs it.

Supersets, because SQLite sees stored JSON, not Make's values: `text:equal` compares text,
so a number 5 matches "5", and a tagged date or buffer (`{"$date": …}`, read by json_extract
as JSON text starting `{"$`) may match too; those candidates are always included.
`number:equal` is narrowed only when the structure types the field as a number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from engine.store.data_structures import DataStructure
from engine.values import is_empty, to_bool, to_date, to_number, to_text

_TEXT_EQUAL = ("text:equal", "string:equal")
_NUMBER_TYPES = ("number", "integer", "uinteger")
_TAGGED_FROM, _TAGGED_TO = '{"$', '{"%'  # json_extract's text of tagged values


@dataclass(frozen=True)
class Lookup:
    """One group's indexed equality: `column` is "key" or a field path."""

    column: str
    values: tuple[Any, ...]


def plan(conditions: Any, structure: DataStructure | None) -> list[Lookup] | None:
    """One lookup per OR group, or None when some group has no usable equality."""
    if not conditions:
        return None
    groups = conditions if isinstance(conditions[0], list) else [conditions]
    lookups = []
    for group in groups:
        found = next((lk for c in group if isinstance(c, dict)
                      if (lk := _lookup(c, structure)) is not None), None)
        if found is None:
            return None
        lookups.append(found)
    return lookups


def _lookup(condition: dict[str, Any], structure: DataStructure | None) -> Lookup | None:
    column = to_text(condition.get("a")).strip()
    operator = condition.get("o") or "text:equal"
    b = condition.get("b")
    if not column or any(c in column for c in "{}.\"'") or is_empty(b):
        return None  # nested (`a.b` may also be a field's own name) or odd names: a scan
    if operator in _TEXT_EQUAL:
        wanted = to_text(b)
        if to_date(wanted) is not None and not _is_plain_number(wanted):
            return None  # a stored date's text could equal it: not narrowed
        values: list[Any] = [wanted]
        number = to_number(wanted) if _is_plain_number(wanted) else None
        if number is not None:
            values.append(number)
        if wanted in ("true", "false"):
            values.append(1 if to_bool(wanted) else 0)
        return Lookup(column, tuple(values))
    if operator == "number:equal" and column != "key" and _typed_number(column, structure):
        number = to_number(b)
        return Lookup(column, (number,)) if number is not None else None
    return None


def _is_plain_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip() == value


def _typed_number(column: str, structure: DataStructure | None) -> bool:
    if structure is None:
        return False
    field = next((f for f in structure.spec if f.name == column), None)
    return field is not None and field.type in _NUMBER_TYPES


def candidates(engine: Engine, store_id: str, lookups: Sequence[Lookup]
               ) -> Iterator[tuple[str, str]]:
    """(key, stored JSON) of every record some lookup may match, oldest first, read as
    they are consumed (a search that stops at its limit reads no further)."""
    arms: list[str] = []
    params: dict[str, Any] = {"sid": store_id}
    with engine.connect() as conn:
        for n, lookup in enumerate(lookups):
            expression = "key"
            if lookup.column != "key":
                expression = ensure_index(conn, lookup.column)
                arms.append(f"{expression} >= '{_TAGGED_FROM}' AND "
                            f"{expression} < '{_TAGGED_TO}'")
            for i, value in enumerate(lookup.values):
                params[f"v{n}_{i}"] = value
                arms.append(f"{expression} = :v{n}_{i}")
        conn.commit()  # the index, if one was made
        # Each arm is one indexed equality or range; the empty ones are dropped, so the
        # usual search (one value, no tagged dates) is a single index walk already in rowid
        # order. Several arms are a UNION (an OR would make SQLite scan the whole store).
        arms = [arm for arm in arms if conn.execute(text(
            f"SELECT 1 FROM data_store_record WHERE store_id = :sid AND {arm} LIMIT 1"),
            params).first() is not None]
        if not arms:
            return
        union = " UNION ".join(
            f"SELECT rowid, key, data FROM data_store_record WHERE store_id = :sid AND {arm}"
            for arm in arms)
        query = (f"SELECT key, data FROM data_store_record WHERE store_id = :sid AND "
                 f"{arms[0]} ORDER BY rowid" if len(arms) == 1
                 else f"SELECT key, data FROM ({union}) ORDER BY rowid")
        yield from ((key, data) for key, data in conn.execute(text(query), params))


def field_expression(column: str, dialect: str = "sqlite") -> str:
    """SQL reading a top-level field of a record (no quotes or dots in its name); the path
    is literal text, so an index on the same expression serves the queries. On PostgreSQL
    the value is jsonb (ordered by type, then value)."""
    if dialect == "postgresql":
        return f"""((data::jsonb) -> '{column}')"""
    return f"""json_extract(data, '$."{column}"')"""


_made: set[tuple[str, str]] = set()  # (database, index) made or found by this process


def _index_name(column: str) -> str:
    return "ix_data_store_field_" + hashlib.sha1(column.encode()).hexdigest()[:16]


def has_index(engine: Engine, column: str) -> bool:
    """Whether the field's index exists (making one takes ~1 s per million records)."""
    catalog = ("SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND"
               " indexname = :name" if engine.dialect.name == "postgresql" else
               "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name")
    with engine.connect() as conn:
        return conn.execute(text(catalog), {"name": _index_name(column)}).first() is not None


def index_field(engine: Engine, column: str) -> None:
    with engine.begin() as conn:
        ensure_index(conn, column)


def ensure_index(conn: Connection, column: str) -> str:
    """The field's expression, after making its index if the store has none yet."""
    expression = field_expression(column, conn.dialect.name)
    name = _index_name(column)
    made = (str(conn.engine.url), name)
    if made not in _made:
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} "
                          f"ON data_store_record (store_id, {expression})"))
        _made.add(made)
    return expression
