"""Make's Tools app (`util:`): variables, counter, sleep, compose, switch, basic trigger and
the text, numeric and table aggregators.
"""

from __future__ import annotations

from typing import Any

from engine.builtins.regexp import compile_js_regex
from engine.errors import ModuleError
from engine.spec import FieldSpec, ModuleCall, ModuleTable, OutputContext
from engine.values import to_bool, to_number, to_text

MODULES = ModuleTable()

# --- Aggregation ------------------------------------------------------------------------------

class Accumulator:
    """An aggregator for one loop (one group): `new()` state, `push` each bundle, `result`.

    The executor owns Make's aggregator flags: it starts one state per `groupBy` key and adds
    `__IMTKEY__` to each result, and honours `stopIfEmpty` (otherwise an empty loop finishes a
    fresh state, so every aggregator has a sensible empty result).
    """

    def new(self) -> Any:
        raise NotImplementedError

    def push(self, acc: Any, call: ModuleCall) -> None:
        raise NotImplementedError

    def result(self, acc: Any, call: ModuleCall) -> dict[str, Any]:
        raise NotImplementedError

    def start(self, call: ModuleCall) -> Any:
        return self.new()

    def add(self, state: Any, call: ModuleCall) -> None:
        self.push(state, call)

    def finish(self, state: Any, call: ModuleCall) -> list[dict[str, Any]]:
        return [self.result(state, call)]


_FEEDER = FieldSpec(name="feeder", type="module", label="Source module", required=True)
_ROW_SEPARATORS = ["\n", "\t", "other"]


def _separator(params: dict[str, Any], name: str, other_name: str) -> str:
    """A separator select: a literal choice, or "other" with its own text field."""
    chosen = params.get(name)
    if chosen == "other":
        return to_text(params.get(other_name))
    return to_text(chosen)


# --- Variables ----------------------------------------------------------------------------------

_SCOPE = FieldSpec(
    name="scope", type="select", label="Variable lifetime", required=True, default="roundtrip",
    options=[{"label": "One cycle", "value": "roundtrip"},
             {"label": "One execution", "value": "execution"}],
)


def _variable_name(raw: Any) -> str:
    name = to_text(raw)
    if not name:
        raise ModuleError("Variable name is required.", name="DataError")
    return name


def _store(call: ModuleCall, scope: Any, name: str, value: Any) -> None:
    """Keep one variable per name: setting it in one scope replaces it in the other."""
    run = call.run
    if scope == "execution":
        run.execution_vars[name] = value
        run.roundtrip_vars.pop(name, None)
    else:
        run.roundtrip_vars[name] = value
        run.execution_vars.pop(name, None)


def _lookup(call: ModuleCall, name: str) -> Any:
    run = call.run
    if name in run.roundtrip_vars:
        return run.roundtrip_vars[name]
    return run.execution_vars.get(name)


def _named(names: list[Any]) -> list[FieldSpec]:
    """One output per variable name known before the run (a mapped name is known only then)."""
    fields: list[FieldSpec] = []
    for raw in names:
        name = raw if isinstance(raw, str) else None
        if name and "{{" not in name and all(f.name != name for f in fields):
            fields.append(FieldSpec(name=name, type="any", label=name))
    return fields


def _item_names(items: Any, *keys: str) -> list[Any]:
    found = []
    for item in items if isinstance(items, list) else []:
        found.append(next((item.get(k) for k in keys if k in item), None)
                     if isinstance(item, dict) else item)
    return found


def variable_outputs(_parameters: dict[str, Any], mapper: dict[str, Any],
                     _context: OutputContext) -> list[FieldSpec]:
    """Set/Get variable: {<name>: value}."""
    return _named([mapper.get("name")])


def variables_outputs(_parameters: dict[str, Any], mapper: dict[str, Any],
                      _context: OutputContext) -> list[FieldSpec]:
    """Set/Get multiple variables: one field per variable name."""
    return _named(_item_names(mapper.get("variables"), "name", "value"))


@MODULES.module(
    "util:SetVariable2",
    label="Set variable",
    kind="action",
    description="Stores a value for this cycle or the whole execution; outputs {<name>: value}.",
    mapper=[
        FieldSpec(name="name", type="text", label="Variable name", required=True),
        _SCOPE,
        FieldSpec(name="value", type="any", label="Variable value"),
    ],
    outputs=variable_outputs,
)
def set_variable(call: ModuleCall) -> list[dict[str, Any]]:
    mapper = call.mapper
    name = _variable_name(mapper.get("name"))
    value = mapper.get("value")
    _store(call, mapper.get("scope"), name, value)
    return [{name: value}]


@MODULES.module(
    "util:SetVariables",
    label="Set multiple variables",
    kind="action",
    description="Stores several values at once; outputs one field per variable.",
    mapper=[
        FieldSpec(name="variables", type="array", label="Variables", spec=[
            FieldSpec(name="name", type="text", label="Variable name", required=True),
            FieldSpec(name="value", type="any", label="Variable value"),
        ]),
        _SCOPE,
    ],
    outputs=variables_outputs,
)
def set_variables(call: ModuleCall) -> list[dict[str, Any]]:
    scope = call.mapper.get("scope")
    out: dict[str, Any] = {}
    for item in call.mapper.get("variables") or []:
        if not isinstance(item, dict):
            continue
        name = _variable_name(item.get("name"))
        value = item.get("value")
        _store(call, scope, name, value)
        out[name] = value
    return [out]


@MODULES.module(
    "util:GetVariable2",
    label="Get variable",
    kind="action",
    description="Reads a variable set earlier in this cycle or execution (empty if unset).",
    mapper=[FieldSpec(name="name", type="text", label="Variable name", required=True)],
    outputs=variable_outputs,
)
def get_variable(call: ModuleCall) -> list[dict[str, Any]]:
    name = _variable_name(call.mapper.get("name"))
    return [{name: _lookup(call, name)}]


@MODULES.module(
    "util:GetVariables",
    label="Get multiple variables",
    kind="action",
    description="Reads several variables; outputs one field per name.",
    mapper=[FieldSpec(name="variables", type="array", label="Variables", spec=[
        FieldSpec(name="value", type="text", label="Variable name", required=True)])],
    outputs=variables_outputs,
)
def get_variables(call: ModuleCall) -> list[dict[str, Any]]:
    out: dict[str, Any] = {}
    for item in call.mapper.get("variables") or []:
        raw = item.get("value", item.get("name")) if isinstance(item, dict) else item
        if raw is None or raw == "":
            continue
        name = to_text(raw)
        out[name] = _lookup(call, name)
    return [out]


# --- Counter, sleep, compose --------------------------------------------------------------------

@MODULES.module(
    "util:FunctionIncrement",
    label="Increment function",
    kind="action",
    description="Outputs 1, 2, 3, ... on each operation; reset after a cycle, a run or never.",
    parameters=[FieldSpec(
        name="reset", type="select", label="Reset a value", required=True, default="run",
        options=[{"label": "After one cycle", "value": "run"},
                 {"label": "After one scenario run", "value": "execution"},
                 {"label": "Never", "value": "scenario"}],
    )],
    interface=[FieldSpec(name="i", type="uinteger", label="Value")],
)
def increment(call: ModuleCall) -> list[dict[str, Any]]:
    counters = call.run.counters
    module_id = call.module_id
    reset = call.parameters.get("reset") or "run"
    if reset == "scenario":  # never: the count goes on from the scenario's previous runs
        from engine.store.counters import PersistedCounters

        persisted = call.run.resource("util:FunctionIncrement.persisted",
                                      lambda: PersistedCounters(call.run))
        return [{"i": persisted.next(module_id)}]
    if reset == "run":
        # Per cycle: restart when the run's cycle number (if the executor keeps one) changes.
        cycle = getattr(call.run, "cycle", None)
        seen = call.run.resource("util:FunctionIncrement.cycles", dict)
        if module_id in seen and seen[module_id] != cycle:
            counters.pop(module_id, None)
        seen[module_id] = cycle
    value = counters.get(module_id, 0) + 1
    counters[module_id] = value
    return [{"i": value}]


@MODULES.module(
    "util:FunctionSleep",
    label="Sleep",
    kind="action",
    description="Pauses the flow for 1 to 300 seconds.",
    mapper=[FieldSpec(name="duration", type="uinteger", label="Delay", required=True,
                      help="Seconds, 1 to 300.")],
)
async def sleep(call: ModuleCall) -> list[dict[str, Any]]:
    raw = call.mapper.get("duration")
    seconds = to_number(raw)
    if seconds is None or not 1 <= seconds <= 300:
        raise ModuleError(
            f"Delay must be a number of seconds between 1 and 300, got {to_text(raw)!r}.",
            name="DataError",
        )
    await call.run.sleep(float(seconds))
    return [{}]


@MODULES.module(
    "util:ComposeTransformer",
    label="Compose a string",
    kind="transformer",
    mapper=[FieldSpec(name="value", type="text", label="Text")],
    interface=[FieldSpec(name="value", type="text", label="Text")],
)
def compose(call: ModuleCall) -> list[dict[str, Any]]:
    value = call.mapper.get("value")
    return [{"value": value if type(value) is str else to_text(value)}]


# --- Switch, basic trigger ----------------------------------------------------------------------

@MODULES.module(
    "util:Switcher",
    label="Switch",
    kind="transformer",
    description="Outputs the value of the first case whose pattern matches the input.",
    mapper=[
        FieldSpec(name="input", type="text", label="Input"),
        FieldSpec(name="useRegExpMatch", type="boolean", required=True, default=False,
                  label="Use regular expressions to match"),
        FieldSpec(name="casesTable", type="array", label="Cases", required=True, spec=[
            FieldSpec(name="pattern", type="text", label="Pattern"),
            FieldSpec(name="output", type="any", label="Output"),
        ]),
        FieldSpec(name="elseOutput", type="any", label="Else"),
    ],
    interface=[FieldSpec(name="output", type="any", label="Output")],
)
def switch(call: ModuleCall) -> list[dict[str, Any]]:
    mapper = call.mapper
    text = to_text(mapper.get("input"))
    use_regex = to_bool(mapper.get("useRegExpMatch"))
    for case in mapper.get("casesTable") or []:
        if not isinstance(case, dict):
            continue
        pattern = to_text(case.get("pattern"))
        if use_regex:
            matched = compile_js_regex(pattern).search(text) is not None
        else:
            matched = pattern == text
        if matched:
            return [{"output": case.get("output")}]
    return [{"output": mapper.get("elseOutput")}]


@MODULES.module(
    "util:BasicTrigger",
    label="Basic trigger",
    kind="trigger",
    description="Starts the scenario with the bundles you define.",
    parameters=[FieldSpec(name="values", type="array", label="Bundles", spec=[
        FieldSpec(name="spec", type="array", label="Items", spec=[
            FieldSpec(name="name", type="text", label="Name", required=True),
            FieldSpec(name="value", type="any", label="Value"),
        ]),
    ])],
)
def basic_trigger(call: ModuleCall) -> list[dict[str, Any]]:
    entries = call.parameters.get("values") or call.mapper.get("values") or []
    bundles = []
    for entry in entries:
        pairs = entry.get("spec") if isinstance(entry, dict) else None
        bundle = {
            to_text(pair.get("name")): pair.get("value")
            for pair in pairs or []
            if isinstance(pair, dict) and pair.get("name") not in (None, "")
        }
        bundles.append(bundle)
    return bundles


# --- Aggregators --------------------------------------------------------------------------------

@MODULES.module(
    "util:TextAggregator",
    label="Text aggregator",
    kind="aggregator",
    description="Joins one text per bundle into a single text.",
    parameters=[
        _FEEDER,
        FieldSpec(name="rowSeparator", type="select", label="Row separator", default="",
                  options=[{"label": "Empty", "value": ""}, {"label": "New row", "value": "\n"},
                           {"label": "Tab", "value": "\t"}, {"label": "Other", "value": "other"}]),
        FieldSpec(name="otherRowSeparator", type="text", label="Separator"),
    ],
    mapper=[FieldSpec(name="value", type="text", label="Text")],
    interface=[FieldSpec(name="text", type="text", label="Text")],
)
class TextAggregator(Accumulator):
    def new(self) -> list[str]:
        return []

    def push(self, acc: list[str], call: ModuleCall) -> None:
        acc.append(to_text(call.mapper.get("value")))

    def result(self, acc: list[str], call: ModuleCall) -> dict[str, Any]:
        separator = _separator(call.parameters, "rowSeparator", "otherRowSeparator")
        return {"text": separator.join(acc)}


_NUMERIC_FUNCTIONS = ["sum", "avg", "count", "max", "min"]


@MODULES.module(
    "util:FunctionAggregator2",
    label="Numeric aggregator",
    kind="aggregator",
    description="SUM, AVG, COUNT, MAX or MIN of one number per bundle.",
    parameters=[
        _FEEDER,
        FieldSpec(name="fn", type="select", label="Aggregate function", required=True,
                  default="sum", options=[{"label": name.upper(), "value": name}
                                          for name in _NUMERIC_FUNCTIONS]),
    ],
    mapper=[FieldSpec(name="value", type="number", label="Value")],
    interface=[FieldSpec(name="result", type="number", label="Result")],
)
class NumericAggregator(Accumulator):
    """COUNT counts bundles; the others use the numeric values and skip empty ones."""

    def new(self) -> list[Any]:
        return [0, []]  # bundles seen, numbers

    def push(self, acc: list[Any], call: ModuleCall) -> None:
        acc[0] += 1
        number = to_number(call.mapper.get("value"))
        if number is not None:
            acc[1].append(number)

    def result(self, acc: list[Any], call: ModuleCall) -> dict[str, Any]:
        fn = to_text(call.parameters.get("fn") or "sum").lower()
        count, numbers = acc
        if fn == "count":
            return {"result": count}
        if fn == "sum":
            return {"result": sum(numbers)}
        if fn not in ("avg", "max", "min"):
            raise ModuleError(f"Unknown aggregate function {fn!r}.", name="DataError")
        if not numbers:
            return {"result": None}
        if fn == "avg":
            return {"result": sum(numbers) / len(numbers)}
        return {"result": max(numbers) if fn == "max" else min(numbers)}


@MODULES.module(
    "util:AggregateAggregator",
    label="Table aggregator",
    kind="aggregator",
    description="One row per bundle (the mapped fields as columns) joined into a text table.",
    parameters=[
        _FEEDER,
        FieldSpec(name="columnSeparator", type="select", label="Column separator", default="\t",
                  options=[{"label": "Tab", "value": "\t"}, {"label": "Comma", "value": ","},
                           {"label": "Semicolon", "value": ";"},
                           {"label": "Other", "value": "other"}]),
        FieldSpec(name="otherColumnSeparator", type="text", label="Separator"),
        FieldSpec(name="rowSeparator", type="select", label="Row separator", default="\n",
                  options=[{"label": "New row", "value": "\n"}, {"label": "Tab", "value": "\t"},
                           {"label": "Other", "value": "other"}]),
        FieldSpec(name="otherRowSeparator", type="text", label="Separator"),
    ],
    mapper=[FieldSpec(name="value", type="array", label="Aggregated fields",
                      help="One column per mapped field, in order.")],
    interface=[FieldSpec(name="text", type="text", label="Text")],
)
class TableAggregator(Accumulator):
    def new(self) -> list[list[str]]:
        return []

    def push(self, acc: list[list[str]], call: ModuleCall) -> None:
        cells: list[str] = []
        for value in call.mapper.values():
            cells.extend(to_text(v) for v in (value if isinstance(value, list) else [value]))
        acc.append(cells)

    def result(self, acc: list[list[str]], call: ModuleCall) -> dict[str, Any]:
        params = call.parameters
        column = _separator(params, "columnSeparator", "otherColumnSeparator")
        row = _separator(params, "rowSeparator", "otherRowSeparator")
        if "columnSeparator" not in params:
            column = "\t"
        if "rowSeparator" not in params:
            row = "\n"
        return {"text": row.join(column.join(cells) for cells in acc)}
