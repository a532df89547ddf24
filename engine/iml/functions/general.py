"""General functions: get, pick, omit, equal (if/ifempty/switch are compiled lazily by
engine.iml.compiler)."""

from __future__ import annotations

from typing import Any

from engine.errors import IMLError
from engine.iml.functions import iml_function
from engine.iml.indexes import pick_index
from engine.values import to_text


def _segment(value: Any, segment: str) -> Any:
    if isinstance(value, dict):
        return value.get(segment)
    return pick_index(value, segment)


def get_path(value: Any, path: Any) -> Any:
    """Read `path` (dot-separated; numeric segments are 1-based array indexes) from value.

    A number path on an array is an index; a whole path that is a key of a collection
    (keys may contain dots) wins over splitting it."""
    if value is None or path is None:
        return None
    if isinstance(path, bool):
        path = to_text(path)
    if isinstance(path, int | float):
        return _segment(value, to_text(path))
    text = to_text(path)
    if isinstance(value, dict) and text in value:
        return value[text]
    for segment in text.split("."):
        value = _segment(value, segment)
        if value is None:
            return None
    return value


@iml_function("get")
def get(value: Any, path: Any = None) -> Any:
    return get_path(value, path)


def _key_list(keys: tuple[Any, ...]) -> list[str]:
    out: list[str] = []
    for key in keys:
        if isinstance(key, list):
            out.extend(to_text(k) for k in key)
        elif key is not None:
            out.append(to_text(key))
    return out


def _collection(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise IMLError(f"function {name!r} expects a collection, got {type(value).__name__}")
    return value


@iml_function("pick")
def pick(collection: Any, *keys: Any) -> Any:
    """A collection with only the given keys (keys may also be given as arrays)."""
    source = _collection(collection, "pick")
    if source is None:
        return None
    wanted = _key_list(keys)
    return {k: source[k] for k in wanted if k in source}


@iml_function("omit")
def omit(collection: Any, *keys: Any) -> Any:
    """A collection without the given keys."""
    source = _collection(collection, "omit")
    if source is None:
        return None
    unwanted = set(_key_list(keys))
    return {k: v for k, v in source.items() if k not in unwanted}


def deep_equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return False
    if type(a) in (int, float) and type(b) in (int, float):
        return bool(a == b)
    return type(a) is type(b) and bool(a == b)


@iml_function("equal")
def equal(a: Any = None, b: Any = None) -> bool:
    """Deep equality of two values (arrays and collections compared element by element)."""
    return deep_equal(a, b)
