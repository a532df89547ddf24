"""Flow control (`builtin:`): router, If-Else, Merge, iterator, array aggregator, repeater,
error directives, and the designer's empty placeholder.

Routers, If-Else, Merge and the directives are walked by the executor itself; they are
declared here so the palette, the settings forms and `scenarist check` know them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from engine.errors import ModuleError
from engine.spec import FieldSpec, ModuleCall, ModuleTable, OutputContext
from engine.values import to_number

MODULES = ModuleTable()

_FEEDER = FieldSpec(name="feeder", type="module", label="Source Module", required=True)

MODULES.add_declaration("builtin:BasicRouter", label="Router", kind="router")
MODULES.add_declaration("builtin:BasicIfElse", label="If-else", kind="flow")
MODULES.add_declaration("builtin:BasicMerge", label="Merge", kind="flow")

MODULES.add_declaration("builtin:Ignore", label="Ignore", kind="directive")
MODULES.add_declaration("builtin:Commit", label="Commit", kind="directive")
MODULES.add_declaration("builtin:Rollback", label="Rollback", kind="directive")
MODULES.add_declaration(
    "builtin:Resume",
    label="Resume",
    kind="directive",
    description="Substitutes the failed module's output with the mapped bundle and goes on.",
)
MODULES.add_declaration(
    "builtin:Break",
    label="Break",
    kind="directive",
    description="Stores the run as an incomplete execution, optionally retried.",
    mapper=[
        FieldSpec(name="retry", type="boolean", label="Automatically complete execution"),
        FieldSpec(name="count", type="uinteger", label="Number of attempts", default=3),
        FieldSpec(name="interval", type="uinteger", label="Interval between attempts (min)",
                  default=15),
    ],
)


_FEEDER_META = [
    FieldSpec(name="__IMTINDEX__", type="uinteger", label="Bundle order position"),
    FieldSpec(name="__IMTLENGTH__", type="uinteger", label="Total number of bundles"),
]


def iterator_outputs(_parameters: dict[str, Any], mapper: dict[str, Any],
                     context: OutputContext) -> list[FieldSpec]:
    """The item fields of the mapped array (when the earlier module declares them), else a
    `value` per item; then the bundle's position and the total."""
    array = mapper.get("array")
    items = context.fields_at(array) if isinstance(array, str) and array else None
    if not items:
        items = [FieldSpec(name="value", type="any",
                           label="Value (items that are not collections)")]
    return [*items, *_FEEDER_META]


def aggregator_outputs(parameters: dict[str, Any], mapper: dict[str, Any],
                       _context: OutputContext) -> list[FieldSpec]:
    """`array` of the aggregated fields (the mapper's keys)."""
    item = [FieldSpec(name=str(key), type="any", label=str(key)) for key in mapper]
    return [FieldSpec(name="array", type="array", label="Array", spec=item or None)]


@MODULES.module(
    "builtin:BasicFeeder",
    label="Iterator",
    kind="iterator",
    mapper=[FieldSpec(name="array", type="array", label="Array", required=True)],
    interface=[
        FieldSpec(name="value", type="any", label="Value (items that are not collections)"),
        *_FEEDER_META,
    ],
    outputs=iterator_outputs,
)
async def iterate(call: ModuleCall) -> list[dict[str, Any]]:
    items = call.mapper.get("array")
    if items is None or items == "":
        return []
    if not isinstance(items, list):
        items = [items]  # Make wraps a single value into a one-item array
    total = len(items)
    out = []
    for position, item in enumerate(items, 1):
        bundle = dict(item) if isinstance(item, dict) else {"value": item}
        bundle["__IMTINDEX__"] = position
        bundle["__IMTLENGTH__"] = total
        out.append(bundle)
        if not position % _SPLIT_CHUNK:
            await asyncio.sleep(0)  # a huge array must not hold the event loop (the window)
    return out


_SPLIT_CHUNK = 10_000


@MODULES.module(
    "builtin:BasicAggregator",
    label="Array aggregator",
    kind="aggregator",
    parameters=[
        _FEEDER,
        FieldSpec(name="target", type="text", label="Target structure type", advanced=True),
    ],
    interface=[FieldSpec(name="array", type="array", label="Array")],
    outputs=aggregator_outputs,
)
class ArrayAggregator:
    """Collects the mapped fields of every bundle of the loop into `{array: [...]}`.
    (Group-by and stop-if-empty are the executor's, shared by every aggregator.)"""

    def start(self, call: ModuleCall) -> list[dict[str, Any]]:
        return []

    def add(self, state: list[dict[str, Any]], call: ModuleCall) -> None:
        state.append(dict(call.mapper))

    def finish(self, state: list[dict[str, Any]], call: ModuleCall) -> list[dict[str, Any]]:
        return [{"array": state}]


@MODULES.module(
    "builtin:BasicRepeater",
    label="Repeater",
    kind="iterator",
    mapper=[
        FieldSpec(name="start", type="number", label="Initial value", default=1),
        FieldSpec(name="repeats", type="uinteger", label="Repeats", required=True),
        FieldSpec(name="step", type="number", label="Step", default=1),
    ],
    interface=[FieldSpec(name="i", type="number", label="i")],
)
def repeat(call: ModuleCall) -> list[dict[str, Any]]:
    m = call.mapper
    start = _number(m.get("start"), 1, "start")
    step = _number(m.get("step"), 1, "step")
    repeats = _number(m.get("repeats"), 1, "repeats")
    if not 0 <= repeats <= 10000:
        raise ModuleError(f"repeats must be between 0 and 10000, got {repeats}", name="DataError")
    return [{"i": start + k * step} for k in range(int(repeats))]


def _number(value: Any, default: int, field: str) -> int | float:
    if value is None or value == "":
        return default
    number = to_number(value)
    if number is None:
        raise ModuleError(f"{field}: {value!r} is not a number", name="DataError")
    return number


@MODULES.module("placeholder:Placeholder", label="Empty module", kind="action")
def placeholder(call: ModuleCall) -> list[dict[str, Any]]:
    return [{}]  # an empty slot passes one empty bundle on
