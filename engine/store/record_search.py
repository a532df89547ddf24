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
from collections.abc import Sequence
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
               ) -> list[tuple[str, str]]:
    """(key, stored JSON) of every record some lookup may match, oldest first."""
    clauses, params = [], {"sid": store_id}
    with engine.connect() as conn:
        for n, lookup in enumerate(lookups):
            names = [f"v{n}_{i}" for i in range(len(lookup.values))]
            params.update(zip(names, lookup.values, strict=True))
            listed = ", ".join(f":{name}" for name in names)
            if lookup.column == "key":
                clauses.append(f"key IN ({listed})")
                continue
            expression = ensure_index(conn, lookup.column)
            clauses.append(f"{expression} IN ({listed})")
            clauses.append(f"{expression} >= '{_TAGGED_FROM}' AND "
                           f"{expression} < '{_TAGGED_TO}'")
        conn.commit()  # the index, if one was made
        # One SELECT per clause, so each uses its index (an OR makes SQLite scan the store).
        union = " UNION ".join(
            f"SELECT rowid, key, data FROM data_store_record WHERE store_id = :sid AND {c}"
            for c in clauses)
        rows = conn.execute(text(f"SELECT key, data FROM ({union}) ORDER BY rowid"),
                            params).all()
    return [(key, data) for key, data in rows]


def field_expression(column: str) -> str:
    """SQL reading a top-level field of a record (no quotes or dots in its name); the path
    is literal text, so an index on the same expression serves the queries."""
    return f"""json_extract(data, '$."{column}"')"""


_made: set[tuple[str, str]] = set()  # (database, index) made or found by this process


def ensure_index(conn: Connection, column: str) -> str:
    """The field's expression, after making its index if the store has none yet."""
    expression = field_expression(column)
    name = "ix_data_store_field_" + hashlib.sha1(column.encode()).hexdigest()[:16]
    made = (str(conn.engine.url), name)
    if made not in _made:
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} "
                          f"ON data_store_record (store_id, {expression})"))
        _made.add(made)
    return expression
