"""Data structures: Make's typed field lists that shape data store records (and webhooks).

A structure is `{id, name, spec: [field], strict}` with Make's field objects
(`{name, type, label?, default?, required?, multiline?, spec?}`). A data store may reference
one; records written to it are coerced to the field types. A structure id a blueprint refers
to but the workspace does not know is no error: records then keep the fields the mapper gave.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import Field as SQLField
from sqlmodel import Session, SQLModel, select

from engine.errors import ModuleError
from engine.values import to_bool, to_date, to_number, to_text


class StructureField(BaseModel):
    """One field of a data structure, in Make's shape (unknown keys are kept)."""

    model_config = ConfigDict(extra="allow")

    name: str
    type: str = "text"
    label: str | None = None
    default: Any = None
    required: bool = False
    # Nested fields of a collection, or the item spec of an array (a field dict or a list).
    spec: Any = None


class DataStructure(BaseModel):
    id: str
    name: str = ""
    spec: list[StructureField] = Field(default_factory=list)
    strict: bool = False


class DataStructureRow(SQLModel, table=True):
    __tablename__ = "data_structure"

    id: str = SQLField(primary_key=True)
    name: str = ""
    spec: str = "[]"  # JSON list of fields
    strict: bool = False
    updated_at: datetime = SQLField(default_factory=lambda: datetime.now(UTC))


def save_structure(engine: Engine, structure: DataStructure) -> None:
    spec = orjson.dumps([f.model_dump(exclude_none=True) for f in structure.spec]).decode()
    with Session(engine) as session:
        row = session.get(DataStructureRow, structure.id) or DataStructureRow(id=structure.id)
        row.name, row.spec, row.strict = structure.name, spec, structure.strict
        row.updated_at = datetime.now(UTC)
        session.add(row)
        session.commit()


def create_structure(engine: Engine, name: str, spec: list[Any], *, strict: bool = False
                     ) -> DataStructure:
    """A new structure under the next free integer id (Make's ids are integers)."""
    with Session(engine) as session:
        ids = session.exec(select(DataStructureRow.id)).all()
    next_id = max((int(i) for i in ids if str(i).isdigit()), default=0) + 1
    structure = DataStructure(id=str(next_id), name=name, spec=spec, strict=strict)
    save_structure(engine, structure)
    return structure


def get_structure(engine: Engine, structure_id: Any) -> DataStructure | None:
    if structure_id is None or structure_id == "":
        return None
    with Session(engine) as session:
        row = session.get(DataStructureRow, str(structure_id))
        return _to_model(row) if row is not None else None


def list_structures(engine: Engine) -> list[DataStructure]:
    with Session(engine) as session:
        return [_to_model(row) for row in session.exec(select(DataStructureRow))]


def delete_structure(engine: Engine, structure_id: Any) -> None:
    with Session(engine) as session:
        row = session.get(DataStructureRow, str(structure_id))
        if row is not None:
            session.delete(row)
            session.commit()


def _to_model(row: DataStructureRow) -> DataStructure:
    return DataStructure(id=row.id, name=row.name, spec=orjson.loads(row.spec), strict=row.strict)


# --- shaping values ------------------------------------------------------------------------


def _field_list(spec: Any) -> list[StructureField]:
    if isinstance(spec, list):
        return [f if isinstance(f, StructureField) else StructureField.model_validate(f)
                for f in spec]
    return []


def _coerce(field: StructureField, value: Any, path: str) -> Any:
    if value is None:
        return None
    kind = field.type
    if kind in ("text", "email", "url", "select", "time", "uinteger_text"):
        return value if isinstance(value, str) else to_text(value)
    if kind in ("number", "integer", "uinteger"):
        number = to_number(value)
        if number is None:
            if value == "":
                return None
            raise ModuleError(f"Field {path}: {to_text(value)!r} is not a number.",
                              name="DataError")
        return number
    if kind == "boolean":
        return to_bool(value)
    if kind == "date":
        date = to_date(value)
        if date is None:
            raise ModuleError(f"Field {path}: {to_text(value)!r} is not a date.",
                              name="DataError")
        return date
    if kind == "collection" and isinstance(value, dict):
        return coerce_record(value, _field_list(field.spec), strict=False, prefix=f"{path}.")
    if kind == "array":
        items = value if isinstance(value, list) else [value]
        item_spec = field.spec
        if isinstance(item_spec, dict):
            item_field = StructureField.model_validate({"name": "item", **item_spec})
            return [_coerce(item_field, item, f"{path}[]") for item in items]
        if isinstance(item_spec, list):  # items are collections of these fields
            fields = _field_list(item_spec)
            return [coerce_record(i, fields, strict=False, prefix=f"{path}[].")
                    if isinstance(i, dict) else i for i in items]
        return items
    return value


def coerce_record(
    data: dict[str, Any],
    spec: list[StructureField] | None,
    *,
    strict: bool = False,
    prefix: str = "",
) -> dict[str, Any]:
    """`data` with each known field read as its type; unknown fields kept unless `strict`."""
    if not spec:
        return dict(data)
    by_name = {f.name: f for f in _field_list(spec)}
    out: dict[str, Any] = {}
    for name, value in data.items():
        field = by_name.get(name)
        if field is None:
            if strict:
                raise ModuleError(
                    f"Field {prefix}{name} is not part of the data structure.", name="DataError"
                )
            out[name] = value
        else:
            out[name] = _coerce(field, value, f"{prefix}{name}")
    return out
