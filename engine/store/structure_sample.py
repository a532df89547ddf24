"""Make's "Determine data structure": a structure's fields generated from a sample value.

Objects become collections (their keys in order), lists become arrays whose item spec is
generated from their first item, ISO dates become `date`, and the rest `text`, `number` or
`boolean`. Webhooks, Parse JSON, Create JSON and data stores take the result as their
structure.
"""

from __future__ import annotations

import re
from typing import Any

from engine.store.data_structures import StructureField

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                       r"(?:Z|[+-]\d{2}:?\d{2})?)?$")


def fields_from_sample(sample: Any) -> list[StructureField]:
    """The fields of a sample object (a list: of its first object); [] for anything else."""
    if isinstance(sample, list):
        sample = next((item for item in sample if isinstance(item, dict)), None)
    if not isinstance(sample, dict):
        return []
    return [StructureField.model_validate(_field(str(name), value))
            for name, value in sample.items()]


def _field(name: str, value: Any) -> dict[str, Any]:
    field = _type_of(value)
    return {"name": name, **field}


def _type_of(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, (int, float)):
        return {"type": "number"}
    if isinstance(value, dict):
        return {"type": "collection",
                "spec": [_field(str(name), item) for name, item in value.items()]}
    if isinstance(value, list):
        first = next((item for item in value if item is not None), None)
        if first is None:
            return {"type": "array"}
        if isinstance(first, dict):
            return {"type": "array", "spec": [_field(str(n), v) for n, v in first.items()]}
        return {"type": "array", "spec": _type_of(first)}
    if isinstance(value, str) and _ISO_DATE.match(value):
        return {"type": "date"}
    return {"type": "text"}
