"""Bundles as plain JSON for Temporal's payloads, and back.

Make's item types (engine.values) are JSON's plus dates and buffers, and the executor's
bundle maps are keyed by module id (ints). Those three are tagged (`{"$d": iso}`, `{"$b":
base64}`, `{"$m": [[key, value], ...]}`) so a workflow history stays readable JSON (a test
searches it for secrets) and a value comes back with the type it had.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

_TAGS = ("$d", "$b", "$m", "$o")


def encode(value: Any) -> Any:
    if isinstance(value, dict):
        if all(type(k) is str for k in value):
            inner = {k: encode(v) for k, v in value.items()}
            if len(inner) == 1 and next(iter(inner)) in _TAGS:
                return {"$o": inner}  # a bundle that looks like a tag stays itself
            return inner
        return {"$m": [[k, encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, datetime):
        return {"$d": value.isoformat()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        tag, inner = next(iter(value.items()))
        if tag == "$d":
            return datetime.fromisoformat(inner)
        if tag == "$b":
            return base64.b64decode(inner)
        if tag == "$m":
            return {k: decode(v) for k, v in inner}
        if tag == "$o":
            return {k: decode(v) for k, v in inner.items()}
    return {k: decode(v) for k, v in value.items()}
