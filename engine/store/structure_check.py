"""Validation of a value against a data structure: every problem, each naming its field path.

`validate` never raises: webhooks answer 400 with the problems, the record form shows them
beside their fields, and imports report the row. Paths read like mappings: `address.zip`,
`tags[2]`, `items[1].sku` (1-based, as in IML).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.store.data_structures import StructureField
from engine.values import is_empty, to_date, to_number

_TEXT = ("text", "email", "url", "select", "time", "uinteger_text", "password", "color")
_NUMBER = ("number", "integer", "uinteger")
_BOOLEAN_TEXT = ("true", "false", "1", "0", "yes", "no")


@dataclass(frozen=True)
class FieldProblem:
    path: str
    message: str
    # what is wrong, for callers with wording of their own (a webhook answers as Make does):
    # "required", "unknown", or the type the value should have been ("number", "integer",
    # "boolean", "date", "text", "collection", "array", "object")
    kind: str = "invalid"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def validate(value: Any, spec: list[StructureField] | list[dict[str, Any]] | None, *,
             strict: bool = False) -> list[FieldProblem]:
    """The problems of `value` (an object) against the fields `spec`; [] when it fits."""
    fields = _fields(spec)
    if not isinstance(value, dict):
        return [FieldProblem("", "expected an object of fields", "object")]
    problems: list[FieldProblem] = []
    _check_object(value, fields, strict, "", problems)
    return problems


def _number_kind(kind: str) -> str:
    return "number" if kind == "number" else "integer"


def _fields(spec: Any) -> list[StructureField]:
    if not isinstance(spec, list):
        return []
    return [f if isinstance(f, StructureField) else StructureField.model_validate(f)
            for f in spec]


def _check_object(value: dict[str, Any], fields: list[StructureField], strict: bool,
                  prefix: str, problems: list[FieldProblem]) -> None:
    known = {f.name for f in fields}
    for field in fields:
        path = f"{prefix}{field.name}"
        item = value.get(field.name)
        if is_empty(item):
            if field.required and is_empty(field.default):
                problems.append(FieldProblem(path, "is required", "required"))
            continue
        _check(field, item, path, strict, problems)
    if strict:
        for name in value:
            if name not in known:
                problems.append(FieldProblem(f"{prefix}{name}",
                                             "is not part of the data structure", "unknown"))


def _check(field: StructureField, value: Any, path: str, strict: bool,
           problems: list[FieldProblem]) -> None:
    kind = field.type
    if kind in _NUMBER:
        number = None if isinstance(value, bool) else to_number(value)
        if number is None:
            problems.append(FieldProblem(path, f"{value!r} is not a number", _number_kind(kind)))
        elif kind != "number" and number != int(number):
            problems.append(FieldProblem(path, f"{value!r} is not a whole number", "integer"))
        elif kind == "uinteger" and number < 0:
            problems.append(FieldProblem(path, "must not be negative", "integer"))
    elif kind == "boolean":
        if not isinstance(value, bool) and str(value).strip().lower() not in _BOOLEAN_TEXT:
            problems.append(FieldProblem(path, f"{value!r} is not a boolean", "boolean"))
    elif kind == "date":
        if isinstance(value, bool) or to_date(value) is None:
            problems.append(FieldProblem(path, f"{value!r} is not a date", "date"))
    elif kind in _TEXT:
        if isinstance(value, (dict, list)):
            problems.append(FieldProblem(path, "expected text", "text"))
    elif kind == "collection":
        if not isinstance(value, dict):
            problems.append(FieldProblem(path, "expected a collection (an object)", "collection"))
        else:
            _check_object(value, _fields(field.spec), strict, f"{path}.", problems)
    elif kind == "array":
        if not isinstance(value, list):
            problems.append(FieldProblem(path, "expected an array", "array"))
            return
        _check_items(field, value, path, strict, problems)


def _check_items(field: StructureField, items: list[Any], path: str, strict: bool,
                 problems: list[FieldProblem]) -> None:
    spec = field.spec
    for index, item in enumerate(items, start=1):
        item_path = f"{path}[{index}]"
        if isinstance(spec, dict):
            item_field = StructureField.model_validate({"name": "item", **spec})
            if not is_empty(item):
                _check(item_field, item, item_path, strict, problems)
        elif isinstance(spec, list) and spec:
            if not isinstance(item, dict):
                problems.append(FieldProblem(item_path, "expected a collection (an object)",
                                             "collection"))
            else:
                _check_object(item, _fields(spec), strict, f"{item_path}.", problems)
