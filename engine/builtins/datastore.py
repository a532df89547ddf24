"""Data store app: keyed records in the workspace (`parameters.datastore` names the store).

Records live in `engine.store.datastore`; this file is Make's modules over a run's
`DataStoreSession`, so their writes follow the run's autoCommit / commit / rollback.
An unknown store id is created empty on first use. Outputs:
- Add/replace, Update: `{key, ...fields}`; Get: the fields (`{key, data}` when wrapped),
  one empty bundle when the key is missing (so "does not exist" filters work);
- Check existence: `{exist}`; Search: one `{key, data}` bundle per record; Count: `{count}`;
  Get data store info (Stats): `{count, size}`;
- Delete / Delete all: one empty bundle, so the route goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cmp_to_key
from typing import TYPE_CHECKING, Any

from engine.errors import ModuleError
from engine.filters import find_operator
from engine.spec import FieldSpec, ModuleCall, ModuleTable, OutputContext, field_specs
from engine.values import is_empty, to_bool, to_number, to_text

if TYPE_CHECKING:
    from engine.store.datastore import DataStoreSession

MODULES = ModuleTable()

_STORE = FieldSpec(name="datastore", type="datastore", label="Data store", required=True)
_KEY = FieldSpec(name="key", label="Key", required=True)
_DATA = FieldSpec(name="data", type="collection", label="Record")
_RECORD_INTERFACE = [FieldSpec(name="key", label="Key"),
                     FieldSpec(name="data", type="collection", label="Record")]


def _fields(parameters: dict[str, Any], context: OutputContext) -> list[FieldSpec]:
    """The fields of the store's data structure (none for a keys-only or unknown store)."""
    store_id = parameters.get("datastore")
    return field_specs(context.store_structure(store_id)) if not is_empty(store_id) else []


def record_outputs(parameters: dict[str, Any], _mapper: dict[str, Any],
                   context: OutputContext) -> list[FieldSpec]:
    """`{key, ...fields}`: Add/replace and Update output the record beside its key."""
    fields = _fields(parameters, context)
    if not fields and context.exported:
        return field_specs(context.exported)  # what Make last determined
    return [FieldSpec(name="key", label="Key"), *fields]


def get_outputs(parameters: dict[str, Any], mapper: dict[str, Any],
                context: OutputContext) -> list[FieldSpec]:
    fields = _fields(parameters, context) or field_specs(context.exported)
    if to_bool(mapper.get("returnWrapped")):
        return [FieldSpec(name="key", label="Key"),
                FieldSpec(name="data", type="collection", label="Record", spec=fields)]
    return fields


def search_outputs(parameters: dict[str, Any], _mapper: dict[str, Any],
                   context: OutputContext) -> list[FieldSpec]:
    return [FieldSpec(name="key", label="Key"),
            FieldSpec(name="data", type="collection", label="Record",
                      spec=_fields(parameters, context))]


def _store(call: ModuleCall) -> tuple[DataStoreSession, str]:
    store_id = call.parameters.get("datastore")
    if is_empty(store_id):
        raise ModuleError("No data store is selected (parameters.datastore is empty).",
                          name="DataError")
    # Imported on first use: SQLAlchemy costs ~0.5 s at start-up of every run otherwise.
    from engine.store.datastore import datastore_session

    session = datastore_session(call.run)
    return session, session.ensure_store(store_id)


def _new_key(call: ModuleCall) -> str:
    """A generated record key, through the run (so a deterministic replay reproduces it)."""
    make: Callable[[], str] = call.run.uuid
    return make()


def _key(call: ModuleCall, *, required: bool = True) -> str:
    key = to_text(call.mapper.get("key")).strip()
    if not key and required:
        raise ModuleError("The record key is empty: map or type a key.", name="DataError")
    return key


def _data(call: ModuleCall) -> dict[str, Any]:
    data = call.mapper.get("data")
    if data is None or data == "":
        return {}
    if not isinstance(data, dict):
        raise ModuleError(
            f"The record must be a collection of fields, not {to_text(data)!r}.",
            name="DataError",
        )
    return data


def _shaped(session: DataStoreSession, store: str, data: dict[str, Any]) -> dict[str, Any]:
    structure = session.structure(store)
    if structure is None:
        return dict(data)
    from engine.store.data_structures import coerce_record

    return coerce_record(data, structure.spec, strict=structure.strict)


@MODULES.module(
    "datastore:AddRecord",
    label="Add/replace a record",
    kind="action",
    transactional=True,
    parameters=[_STORE],
    mapper=[
        FieldSpec(name="key", label="Key", help="Left empty, a unique key is generated."),
        _DATA,
        FieldSpec(name="overwrite", type="boolean", label="Overwrite an existing record",
                  default=False),
    ],
    interface=[FieldSpec(name="key", label="Key")],
    outputs=record_outputs,
)
def add_record(call: ModuleCall) -> list[dict[str, Any]]:
    session, store = _store(call)
    key = _key(call, required=False) or _new_key(call)
    data = _shaped(session, store, _data(call))
    if not to_bool(call.mapper.get("overwrite")) and session.exists(store, key):
        raise ModuleError(
            f"Duplicate key: data store {store} already has a record with the key {key!r} "
            "(turn on 'Overwrite an existing record' to replace it).",
            name="DataError",
        )
    session.put(store, key, data)
    return [{**data, "key": key}]


@MODULES.module(
    "datastore:UpdateRecord",
    label="Update a record",
    kind="action",
    transactional=True,
    parameters=[_STORE],
    mapper=[
        _KEY,
        FieldSpec(name="upsert", type="boolean", label="Insert missing record", default=False),
        _DATA,
        FieldSpec(name="overwriteArrays", type="boolean", label="Overwrite arrays",
                  default=False),
    ],
    interface=[FieldSpec(name="key", label="Key")],
    outputs=record_outputs,
)
def update_record(call: ModuleCall) -> list[dict[str, Any]]:
    session, store = _store(call)
    upsert = to_bool(call.mapper.get("upsert"))
    key = _key(call, required=not upsert) or _new_key(call)
    changes = _shaped(session, store, _data(call))
    current = session.get(store, key)
    if current is None:
        if not upsert:
            raise ModuleError(
                f"Data store {store} has no record with the key {key!r} "
                "(turn on 'Insert missing record' to create it).",
                name="DataError",
            )
        current = {}
    overwrite_arrays = to_bool(call.mapper.get("overwriteArrays"))
    record = dict(current)
    for name, value in changes.items():
        old = record.get(name)
        if not overwrite_arrays and isinstance(old, list) and isinstance(value, list):
            record[name] = old + value  # Make appends unless "Overwrite arrays" is on
        else:
            record[name] = value
    session.put(store, key, record)
    return [{**record, "key": key}]


@MODULES.module(
    "datastore:GetRecord",
    label="Get a record",
    kind="action",
    parameters=[_STORE],
    mapper=[_KEY, FieldSpec(name="returnWrapped", type="boolean", label="Return Wrapped Output",
                            default=False)],
    outputs=get_outputs,
)
def get_record(call: ModuleCall) -> list[dict[str, Any]]:
    session, store = _store(call)
    key = _key(call)
    record = session.get(store, key)
    if record is None:
        return [{}]
    if to_bool(call.mapper.get("returnWrapped")):
        return [{"key": key, "data": record}]
    return [record]


@MODULES.module(
    "datastore:ExistRecord",
    label="Check the existence of a record",
    kind="action",
    parameters=[_STORE],
    mapper=[_KEY],
    interface=[FieldSpec(name="exist", type="boolean", label="Exist")],
)
def exist_record(call: ModuleCall) -> list[dict[str, Any]]:
    session, store = _store(call)
    return [{"exist": session.exists(store, _key(call))}]


@MODULES.module(
    "datastore:DeleteRecord",
    label="Delete a record",
    kind="action",
    transactional=True,
    parameters=[_STORE],
    mapper=[_KEY],
)
def delete_record(call: ModuleCall) -> list[dict[str, Any]]:
    session, store = _store(call)
    session.delete(store, _key(call))
    return [{}]


@MODULES.module(
    "datastore:DeleteAllRecords",
    label="Delete all records",
    kind="action",
    transactional=True,
    parameters=[_STORE],
)
def delete_all_records(call: ModuleCall) -> list[dict[str, Any]]:
    session, store = _store(call)
    session.delete_all(store)
    return [{}]


@MODULES.module(
    "datastore:CountRecords",
    label="Count records",
    kind="action",
    parameters=[_STORE],
    interface=[FieldSpec(name="count", type="number", label="Count")],
)
def count_records(call: ModuleCall) -> list[dict[str, Any]]:
    session, store = _store(call)
    return [{"count": session.count(store)}]


@MODULES.module(
    "datastore:Stats",
    label="Get data store info",
    kind="action",
    description="How many records the data store holds and how much space they take.",
    parameters=[_STORE],
    interface=[FieldSpec(name="count", type="uinteger", label="Number of records"),
               FieldSpec(name="size", type="uinteger", label="Size (bytes)")],
)
def stats(call: ModuleCall) -> list[dict[str, Any]]:
    """`count` as real exports use it (`{{N.count}}`); `size` is the records' stored JSON in
    bytes (unverified: Make's name for it, and whether it reports a maximum size)."""
    session, store = _store(call)
    count, size = session.stats(store)
    return [{"count": count, "size": size}]


# --- search ------------------------------------------------------------------------------


def _column(key: str, record: dict[str, Any], column: Any) -> Any:
    name = to_text(column).strip()
    if name == "key":
        return key
    if name in record:
        return record[name]
    value: Any = record
    for part in name.split("."):  # a nested field of a collection
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _matches(key: str, record: dict[str, Any], conditions: Any) -> bool:
    """Make's filter shape: OR of AND groups of {a: column, o: operator, b: value}."""
    if not conditions:
        return True
    groups = conditions if isinstance(conditions[0], list) else [conditions]
    for group in groups:
        if all(_condition(key, record, c) for c in group if isinstance(c, dict)):
            return True
    return False


def _condition(key: str, record: dict[str, Any], condition: dict[str, Any]) -> bool:
    if is_empty(condition.get("a")):
        return True  # an unfinished row in the UI
    operator = find_operator(condition.get("o") or "text:equal")
    if operator is None:
        raise ModuleError(f"Unknown search operator {condition.get('o')!r}.", name="DataError")
    return operator.test(_column(key, record, condition.get("a")),
                         operator.prepare(condition.get("b")))


def _sign(a: float | str, b: float | str) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


def _compare(a: Any, b: Any) -> int:
    """An order over mixed values: empty last, numbers and dates by value, the rest as text."""
    if is_empty(a) or is_empty(b):
        return int(is_empty(a)) - int(is_empty(b))
    numeric = (int, float)
    if isinstance(a, numeric) and isinstance(b, numeric) and bool not in (type(a), type(b)):
        return _sign(float(a), float(b))
    if isinstance(a, datetime) and isinstance(b, datetime):
        return _sign(a.timestamp(), b.timestamp())
    return _sign(to_text(a), to_text(b))


Row = tuple[str, dict[str, Any]]


def _sorted(rows: list[Row], sort: Any) -> list[Row]:
    for item in reversed(sort or []):  # stable sorts, least significant key first
        if not isinstance(item, dict) or is_empty(item.get("key")):
            continue
        descending = to_text(item.get("order", 1)).lower() in ("-1", "desc", "descending")
        column = item["key"]

        def by_column(x: Row, y: Row, column: Any = column) -> int:
            return _compare(_column(x[0], x[1], column), _column(y[0], y[1], column))

        rows = sorted(rows, key=cmp_to_key(by_column), reverse=descending)
    return rows


@MODULES.module(
    "datastore:SearchRecord",
    label="Search records",
    kind="search",
    parameters=[
        _STORE,
        FieldSpec(name="limit", type="uinteger", label="Limit"),
        FieldSpec(name="continueWhenNoRes", type="boolean", default=False,
                  label="Continue the execution of the route even if the module finds no records"),
    ],
    mapper=[
        FieldSpec(name="filter", type="filter", label="Filter"),
        FieldSpec(name="sort", type="array", label="Sort",
                  spec=[FieldSpec(name="key", label="Key"),
                        FieldSpec(name="order", type="select", label="Order",
                                  options=[{"label": "Ascending", "value": 1},
                                           {"label": "Descending", "value": -1}])]),
    ],
    interface=_RECORD_INTERFACE,
    outputs=search_outputs,
)
def search_records(call: ModuleCall) -> list[dict[str, Any]]:
    session, store = _store(call)
    conditions = call.mapper.get("filter") or []
    sort = call.mapper.get("sort")
    number = to_number(call.parameters.get("limit", call.mapper.get("limit")))
    limit = int(number) if number is not None and number > 0 else None

    def accept(key: str, record: dict[str, Any]) -> bool:
        return _matches(key, record, conditions)

    # Without a sort the first `limit` matches are the answer: the search stops there.
    rows = session.search(store, conditions, accept, None if sort else limit)
    rows = _sorted(rows, sort)
    if limit is not None:
        rows = rows[:limit]
    if not rows:
        return [{}] if to_bool(call.parameters.get("continueWhenNoRes")) else []
    return [{"key": key, "data": record} for key, record in rows]
