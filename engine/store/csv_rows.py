"""CSV cells read as a data structure's types, fast: one converter per column, chosen once.

A million-row import cannot afford the general walk of `structure_check.validate` and
`coerce_record` per row. For a structure whose fields are flat (text, number, boolean,
date), each cell goes through its column's converter; a row any converter refuses returns
None and is then checked the general way, which names the problem. The result equals
`coerce_record` of a valid row (tests/store/test_record_io.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.store.data_structures import DataStructure
from engine.values import to_bool, to_date, to_number

Convert = Callable[[str], Any]
_BOOLEAN_TEXT = {"true", "false", "1", "0", "yes", "no"}
_FAILED = object()


def _text(cell: str) -> Any:
    return cell


def _number(whole: bool, unsigned: bool) -> Convert:
    def convert(cell: str) -> Any:
        number = to_number(cell)
        if number is None or (whole and number != int(number)) or (unsigned and number < 0):
            return _FAILED
        return number
    return convert


def _boolean(cell: str) -> Any:
    return to_bool(cell) if cell.strip().lower() in _BOOLEAN_TEXT else _FAILED


def _date(cell: str) -> Any:
    date = to_date(cell)
    return _FAILED if date is None else date


_CONVERTERS: dict[str, Convert] = {
    "text": _text, "email": _text, "url": _text, "select": _text, "time": _text,
    "number": _number(False, False), "integer": _number(True, False),
    "uinteger": _number(True, True), "boolean": _boolean, "date": _date,
}


def row_converter(structure: DataStructure, columns: list[str]
                  ) -> Callable[[dict[str, str]], dict[str, Any] | None] | None:
    """A function from a row's non-empty cells to the record, or None for a row to check the
    general way; None when the structure or the columns need the general way throughout."""
    types = {f.name: f.type for f in structure.spec}
    if any(t not in _CONVERTERS for t in types.values()):
        return None
    if structure.strict and any(c not in types for c in columns):
        return None
    required = [f.name for f in structure.spec if f.required and f.default in (None, "")]
    converters = {c: _CONVERTERS[types[c]] for c in columns if c in types}

    def convert(cells: dict[str, str]) -> dict[str, Any] | None:
        for name in required:
            if name not in cells:
                return None
        out: dict[str, Any] = {}
        for name, cell in cells.items():
            converter = converters.get(name)
            if converter is None:
                out[name] = cell  # not in the structure (and not strict): kept as is
                continue
            value = converter(cell)
            if value is _FAILED:
                return None
            out[name] = value
        return out

    return convert
