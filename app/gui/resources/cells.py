"""How record values read in a table cell or a form field, and back from typed text."""

from __future__ import annotations

from typing import Any

import orjson

from engine.values import to_json_value, to_text

COMPLEX_TYPES = ("collection", "array", "buffer")


def cell_text(value: Any) -> str:
    """A value as one line of text: scalars as Make prints them, the rest as JSON."""
    if isinstance(value, (dict, list)):
        return orjson.dumps(to_json_value(value)).decode()
    return to_text(value)


def value_from_text(text: str, field_type: str | None) -> Any:
    """What the user typed, as the value to store (coerced to the field's type on save):
    JSON for collections and arrays, and for untyped fields when it parses; "" is empty."""
    if text == "":
        return None
    if field_type in COMPLEX_TYPES or field_type is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            if field_type in COMPLEX_TYPES:
                raise ValueError("is not valid JSON") from None
    return text
