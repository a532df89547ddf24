"""Array functions (length and contains live in text.py: they take text or arrays).

Functions never modify their input: each returns a new array. A value that is not an
array is read as an array of that one value (null as an empty array).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from engine.errors import IMLError
from engine.iml.functions import iml_function
from engine.iml.functions.general import deep_equal, get_path
from engine.iml.operators import equals
from engine.limits import check_size
from engine.values import to_json_value, to_number, to_text


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _int(value: Any, default: int) -> int:
    number = to_number(value)
    if number is None or number != number or number in (float("inf"), float("-inf")):
        return default
    return int(number)


def _identity(value: Any) -> Any:
    """A hashable stand-in for any value (for distinct and set operations)."""
    if isinstance(value, dict | list):
        return orjson.dumps(to_json_value(value), option=orjson.OPT_SORT_KEYS)
    if type(value) in (int, float):
        return ("n", int(value) if type(value) is float and value.is_integer() else value)
    if isinstance(value, bytearray):
        return bytes(value)
    return (type(value).__name__, value)


@iml_function("first")
def first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


@iml_function("last")
def last(value: Any) -> Any:
    if isinstance(value, list):
        return value[-1] if value else None
    return value


@iml_function("map")
def map_(array: Any, key: Any = None, filter_key: Any = None, filter_values: Any = None) -> Any:
    """Values of `key` (a dot path) from each collection of the array, optionally only from
    the collections whose `filter_key` is one of `filter_values` (an array, or text
    separated by commas). Collections without the key are skipped."""
    wanted: set[str] | None = None
    if filter_key is not None and filter_key != "":
        if isinstance(filter_values, list):
            wanted = {to_text(v) for v in filter_values}
        else:
            wanted = {v.strip() for v in to_text(filter_values).split(",")}
    out: list[Any] = []
    for item in _list(array):
        if wanted is not None and to_text(get_path(item, filter_key)) not in wanted:
            continue
        value = get_path(item, key)
        if value is not None:
            out.append(value)
    return out


@iml_function("join")
def join(array: Any, separator: Any = None) -> str:
    sep = "," if separator is None else to_text(separator)
    parts = [to_text(v) for v in _list(array)]
    if sep and len(parts) > 1:  # refuse before building (a long separator times many items)
        size = sum(map(len, parts)) + len(sep) * (len(parts) - 1)
        check_size(size, "the result of function 'join'")
    return sep.join(parts)


@iml_function("add")
def add(array: Any, *values: Any) -> list[Any]:
    return [*_list(array), *values]


def _primitive_equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return deep_equal(a, b)
    return equals(a, b) and (a is None) == (b is None)


@iml_function("remove")
def remove(array: Any, *values: Any) -> list[Any]:
    return [item for item in _list(array) if not any(_primitive_equal(item, v) for v in values)]


def _sort_key(value: Any, case_insensitive: bool) -> tuple[int, Any]:
    if value is None:
        return (3, 0)
    if type(value) in (int, float, bool):
        return (0, value)
    if isinstance(value, datetime):
        return (1, value.timestamp())
    text = to_text(value)
    return (2, text.lower() if case_insensitive else text)


_ORDERS = ("asc", "desc", "asc ci", "desc ci")


@iml_function("sort")
def sort(array: Any, order: Any = None, key: Any = None) -> list[Any]:
    """sort(array; [order]; [key]): ascending or descending (`asc`, `desc`, `asc ci`,
    `desc ci` for case-insensitive text); `key` sorts collections by that field, a dot path
    such as `sender.name`. As in Make's examples, `sort(contacts; name)` is by key, in
    ascending order: a second argument that is not an order is the key. Empty values sort
    last."""
    mode = " ".join(to_text(order).lower().split()) or "asc"
    if mode not in _ORDERS:
        if key is not None and key != "":
            raise IMLError(f"function 'sort': unknown order {to_text(order)!r} "
                           f"(use {', '.join(_ORDERS)})")
        mode, key = "asc", order
    ci = mode.endswith("ci")
    path = None if key is None or key == "" else key
    items = list(_list(array))

    def item_key(item: Any) -> tuple[int, Any]:
        return _sort_key(get_path(item, path) if path is not None else item, ci)

    present = [i for i in items if item_key(i)[0] != 3]
    empty = [i for i in items if item_key(i)[0] == 3]
    present.sort(key=item_key, reverse=mode.startswith("desc"))
    return present + empty


@iml_function("reverse")
def reverse(array: Any) -> Any:
    if isinstance(array, str):
        return array[::-1]
    return list(reversed(_list(array)))


@iml_function("shuffle", scope=True)
def shuffle(scope: Any, array: Any) -> list[Any]:
    """Fisher-Yates with the run's random source, so a deterministic replay reproduces it."""
    items = list(_list(array))
    for i in range(len(items) - 1, 0, -1):
        j = int(scope.random() * (i + 1))
        items[i], items[j] = items[j], items[i]
    return items


@iml_function("merge")
def merge(*arrays: Any) -> list[Any]:
    out: list[Any] = []
    for array in arrays:
        out.extend(_list(array))
    return out


@iml_function("slice")
def slice_(array: Any, start: Any = None, end: Any = None) -> Any:
    """JavaScript slice: 0-based start, exclusive end, negative from the end."""
    items: Any = array if isinstance(array, str) else _list(array)
    a = _int(start, 0)
    if end is None or end == "":
        return items[a:]
    return items[a : _int(end, len(items))]


def _flatten(items: list[Any], depth: int) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, list) and depth > 0:
            out.extend(_flatten(item, depth - 1))
        else:
            out.append(item)
    return out


@iml_function("flatten")
def flatten(array: Any, depth: Any = None) -> list[Any]:
    """Sub-arrays concatenated into the array, `depth` levels deep (default 1)."""
    return _flatten(_list(array), min(max(_int(depth, 1), 0), 64))


@iml_function("distinct")
def distinct(array: Any, key: Any = None) -> list[Any]:
    """The array without duplicates (first occurrence kept); with `key`, collections are
    compared by that field."""
    seen: set[Any] = set()
    out: list[Any] = []
    for item in _list(array):
        marker = _identity(get_path(item, key) if key not in (None, "") else item)
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out


@iml_function("deduplicate")
def deduplicate(array: Any) -> list[Any]:
    unique: list[Any] = distinct(array)
    return unique


@iml_function("keys")
def keys(value: Any) -> list[str]:
    return list(value.keys()) if isinstance(value, dict) else []


@iml_function("toArray")
def to_array(value: Any) -> list[Any]:
    """A collection as an array of `{key, value}` collections."""
    if isinstance(value, dict):
        return [{"key": k, "value": v} for k, v in value.items()]
    return list(_list(value))


@iml_function("toCollection")
def to_collection(array: Any, key_field: Any = None, value_field: Any = None) -> dict[str, Any]:
    """A collection from an array of collections: `keyField` gives each key and
    `valueField` its value."""
    out: dict[str, Any] = {}
    for item in _list(array):
        name = get_path(item, key_field)
        if name is not None:
            out[to_text(name)] = get_path(item, value_field)
    return out


@iml_function("arrayDifference")
def array_difference(a: Any, b: Any = None, mode: Any = None) -> list[Any]:
    """`classic` (default): items of the first array not in the second; `symmetric`: items
    in only one of the two."""
    kind = to_text(mode).strip().lower() or "classic"
    if kind not in ("classic", "symmetric"):
        raise IMLError(f"function 'arrayDifference': unknown mode {to_text(mode)!r}")
    first_items, second_items = _list(a), _list(b)
    in_second = {_identity(v) for v in second_items}
    out = [v for v in first_items if _identity(v) not in in_second]
    if kind == "symmetric":
        in_first = {_identity(v) for v in first_items}
        out.extend(v for v in second_items if _identity(v) not in in_first)
    return out
