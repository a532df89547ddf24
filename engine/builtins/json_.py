"""Make's JSON app (`json:`): parse JSON into bundles, create JSON text from mapped values.

JSON text is written as JavaScript's JSON.stringify writes it (Make runs on Node): compact
unless an indentation is chosen, non-ASCII kept, 5.0 written as 5, dates as ISO text.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import orjson

from engine.builtins.util import Accumulator
from engine.errors import ModuleError
from engine.spec import FieldSpec, ModuleCall, ModuleTable, OutputContext, field_specs
from engine.values import format_iso, to_text

MODULES = ModuleTable()

_JS_SAFE_INTEGER = 2**53


# --- Writing JSON -------------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    """Engine values as the plain data JSON.stringify would see."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None  # JSON.stringify(NaN) === "null"
        if value.is_integer() and abs(value) < _JS_SAFE_INTEGER:
            return int(value)
        return value
    if isinstance(value, datetime):
        return format_iso(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return to_text(value)


def _indent(space: Any) -> str | None:
    """The Indentation select: "" compact, "tab", "2" or "4" spaces."""
    text = to_text(space).strip()
    if text == "tab":
        return "\t"
    if text.isdigit() and int(text) > 0:
        return " " * min(int(text), 10)  # JSON.stringify caps the indentation at 10
    return None


def dump_json(value: Any, space: Any = "") -> str:
    """`value` as JSON text, the way Make's JSON modules write it."""
    indent = _indent(space)
    data = _jsonable(value)
    if indent is None:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(data, ensure_ascii=False, indent=indent, separators=(",", ": "))


_SPACE = FieldSpec(
    name="space", type="select", label="Indentation", default="",
    options=[{"label": "Empty", "value": ""}, {"label": "Tab", "value": "tab"},
             {"label": "2 spaces", "value": "2"}, {"label": "4 spaces", "value": "4"}],
)
_JSON_OUT = [FieldSpec(name="json", type="text", label="JSON string")]
_STRUCTURE = FieldSpec(name="type", type="udt", label="Data structure")


# --- Parsing JSON -------------------------------------------------------------------------------

def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def parse_json_text(source: Any) -> Any:
    """Parse JSON text (or bytes); DataError with the line and column when invalid."""
    if isinstance(source, (bytes, bytearray)):
        source = bytes(source).decode("utf-8", errors="replace")
    text = to_text(source).lstrip("\ufeff")
    if not text.strip():
        raise ModuleError("Source is not valid JSON: the JSON string is empty.", name="DataError")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass  # the standard parser says where the text is wrong
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ModuleError(
            f"Source is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            name="DataError",
            detail={"line": exc.lineno, "column": exc.colno, "position": exc.pos},
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ModuleError(f"Source is not valid JSON: {exc}.", name="DataError") from None


def _as_bundle(item: Any) -> dict[str, Any]:
    return item if isinstance(item, dict) else {"value": item}


def parse_json_outputs(parameters: dict[str, Any], _mapper: dict[str, Any],
                       context: OutputContext) -> list[FieldSpec]:
    """The fields of its data structure, else what Make last determined."""
    structure = context.structure(parameters.get("type")) if parameters.get("type") else None
    return field_specs(structure if structure is not None else context.exported)


@MODULES.module(
    "json:ParseJSON",
    label="Parse JSON",
    kind="transformer",
    description="A JSON object becomes one bundle of its fields; a JSON array one bundle per "
    "item (items that are not objects as {value}).",
    parameters=[_STRUCTURE],
    mapper=[FieldSpec(name="json", type="text", label="JSON string", required=True)],
    outputs=parse_json_outputs,
)
def parse_json(call: ModuleCall) -> list[dict[str, Any]]:
    source = call.mapper.get("json")
    data = source if isinstance(source, (dict, list)) else parse_json_text(source)
    if isinstance(data, list):
        return [_as_bundle(item) for item in data]
    return [_as_bundle(data)]


@MODULES.module(
    "json:CreateJSON",
    label="Create JSON",
    kind="transformer",
    description="Writes the mapped fields of a data structure as JSON text.",
    parameters=[_STRUCTURE.model_copy(update={"required": True}), _SPACE],
    interface=_JSON_OUT,
)
def create_json(call: ModuleCall) -> list[dict[str, Any]]:
    return [{"json": dump_json(call.mapper, call.parameters.get("space"))}]


@MODULES.module(
    "json:TransformToJSON",
    label="Transform to JSON",
    kind="transformer",
    description="Writes any value (collection, array, text, ...) as JSON text.",
    parameters=[_SPACE],
    mapper=[FieldSpec(name="object", type="any", label="Object")],
    interface=_JSON_OUT,
)
def transform_to_json(call: ModuleCall) -> list[dict[str, Any]]:
    return [{"json": dump_json(call.mapper.get("object"), call.parameters.get("space"))}]


@MODULES.module(
    "json:AggregateToJSON",
    label="Aggregate to JSON",
    kind="aggregator",
    description="Writes the mapped fields of every bundle as one JSON array.",
    parameters=[
        FieldSpec(name="feeder", type="module", label="Source module", required=True),
        _STRUCTURE,
        _SPACE,
    ],
    interface=_JSON_OUT,
)
class AggregateToJSON(Accumulator):
    def new(self) -> list[Any]:
        return []

    def push(self, acc: list[Any], call: ModuleCall) -> None:
        acc.append(call.mapper)

    def result(self, acc: list[Any], call: ModuleCall) -> dict[str, Any]:
        return {"json": dump_json(acc, call.parameters.get("space"))}
