"""Sub-scenarios: finding the scenario a `scenario-service:CallSubscenario` names, its typed
inputs and outputs, and running it as a run of its own.

Finding it. A sub-scenario is another blueprint of the workspace: a file in
`<workspace>/scenarios/*.blueprint.json` or a registered scenario (engine.runtime.registry,
read only). Make exports name it by scenario id (`"scenario": "SCN_4882761"`) and keep its name
as the module's label (`metadata.restore.parameters.scenario.label`), so a blueprint matches
when it declares that id (`metadata.scenarist.makeScenarioId: 4882761`, ours, kept out of
Make's keys), when its name (or registered name, or file name) is the reference itself, or,
failing both, when its name is the label: exporting both scenarios from Make into the
workspace's scenarios folder is enough.

Inputs and outputs are the scenario's interface as exports carry it: the top-level
`io: {input_spec, output_spec}` (real exports), or `interface: {input, output}` (Make's newer
API form). Inputs are typed and defaulted before the child starts (a required one missing
fails the call); the child reads them as StartSubscenario's bundle and `{{var.input.x}}`.
Outputs are what its ReturnData returned, typed, one per declared output (null when not
returned, as Make does).

Running it. The child goes through `start_run` with the `subscenario` RunPolicy: recorded in
history when its parent's run is (trigger "subscenario", the parent's execution id in
`resumed_from`), with its own connections, crash guard and incomplete executions.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import ModuleError
from engine.values import format_iso, to_bool, to_date, to_number, to_text

if TYPE_CHECKING:
    from engine.blueprint import Blueprint
    from engine.context import RunServices
    from engine.executor.result import RunResult

SCENARIOS_FOLDER = "scenarios"
SUFFIX = ".blueprint.json"
MAX_DEPTH = 16  # calls within calls (a scenario calling itself stops here); unverified in Make
_MAKE_ID = re.compile(r"^(?:SCN_)?(\d+)$", re.IGNORECASE)
_NUMBERS = frozenset({"number", "integer", "uinteger", "port"})
_TEXTS = frozenset({"text", "email", "url", "filename", "path", "hidden", "uuid", "color",
                    "timezone", "time", "select", "password"})


@dataclass(frozen=True)
class Subscenario:
    name: str  # what its runs are recorded as
    file: Path
    blueprint: Blueprint

    def interface(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return interface_of(self.blueprint)


def interface_of(blueprint: Blueprint) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(inputs, outputs) the scenario declares, as Forman fields."""
    extra = blueprint.model_extra or {}
    newer, io = extra.get("interface"), extra.get("io")
    if isinstance(newer, dict):
        found = newer.get("input"), newer.get("output")
    elif isinstance(io, dict):
        found = io.get("input_spec"), io.get("output_spec")
    else:
        found = None, None
    return tuple(  # type: ignore[return-value]
        [f for f in spec if isinstance(f, dict) and f.get("name")]
        if isinstance(spec, list) else [] for spec in found)


def make_scenario_id(reference: Any) -> str | None:
    """`SCN_4882761` / `4882761` / 4882761 → "4882761"."""
    found = _MAKE_ID.match(to_text(reference).strip())
    return found.group(1) if found else None


# --- finding -----------------------------------------------------------------------------------


def _candidates(workspace: Path) -> list[tuple[str | None, Path]]:
    """(registered name or None, file) for every blueprint a call may name."""
    out: list[tuple[str | None, Path]] = []
    folder = workspace / SCENARIOS_FOLDER
    if folder.is_dir():
        out += [(None, p) for p in sorted(folder.glob(f"*{SUFFIX}"))]
    if (workspace / "state.db").exists():
        from engine.runtime.registry import entries
        from engine.runtime.workspace import Workspace

        out += [(e.name, e.file) for e in entries(Workspace(workspace).state)]
    return out


def _declared_id(blueprint: Blueprint) -> str | None:
    ours = (blueprint.metadata.model_extra or {}).get("scenarist")
    return make_scenario_id(ours.get("makeScenarioId")) if isinstance(ours, dict) else None


def _stem(path: Path) -> str:
    return path.name[:-len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem


def find_subscenario(workspace: Path, reference: Any, label: str | None = None) -> Subscenario:
    from engine.errors import BlueprintError
    from engine.loading import load_blueprint

    wanted_id = make_scenario_id(reference)
    wanted = to_text(reference).strip()
    label = (label or "").strip()
    by_id: Subscenario | None = None
    by_name: Subscenario | None = None
    by_label: Subscenario | None = None
    for registered, file in _candidates(workspace):
        try:
            blueprint = load_blueprint(file)
        except (BlueprintError, OSError):
            continue
        name = registered or blueprint.name or _stem(file)
        found = Subscenario(name, file, blueprint)
        names = {n.strip() for n in (registered, blueprint.name, _stem(file)) if n}
        if wanted_id is not None and _declared_id(blueprint) == wanted_id:
            by_id = by_id or found
        if wanted in names:
            by_name = by_name or found
        if label and label in names:
            by_label = by_label or found
    chosen = by_id or by_name or by_label
    if chosen is None:
        what = f"{wanted}" + (f" ({label!r})" if label else "")
        hint = f" named {label!r}" if label else ""
        raise ModuleError(
            f"sub-scenario {what} is not in this workspace: put its blueprint{hint} in "
            f"{workspace / SCENARIOS_FOLDER}, or declare the id in its metadata "
            f'("metadata": {{"scenarist": {{"makeScenarioId": '
            f'{wanted_id or chr(34) + wanted + chr(34)}}}}})',
            name="InvalidConfigurationError")
    return chosen


# --- typed inputs and outputs ------------------------------------------------------------------


def typed_value(field: dict[str, Any], value: Any) -> Any:
    kind = to_text(field.get("type")).split(":", 1)[0]
    if value is None:
        return None
    if kind in _NUMBERS:
        number = to_number(value)
        return number if number is not None else value
    if kind == "boolean":
        return to_bool(value)
    if kind == "date":
        when = to_date(value)
        return format_iso(when) if when is not None else value
    if kind in _TEXTS and not isinstance(value, (dict, list)):
        return to_text(value)
    return value


def typed_inputs(spec: list[dict[str, Any]], given: dict[str, Any], scenario: str
                 ) -> dict[str, Any]:
    """The declared inputs, defaulted and typed (undeclared ones dropped); raises DataError
    naming a required input that is missing. No declaration: the values as given."""
    if not spec:
        return dict(given)
    out: dict[str, Any] = {}
    for field in spec:
        name = str(field["name"])
        value = given.get(name)
        if value is None or value == "":
            value = field.get("default")
        if (value is None or value == "") and field.get("required"):
            raise ModuleError(f"sub-scenario {scenario!r} needs its input {name!r}",
                              name="DataError")
        out[name] = typed_value(field, value if value != "" else None)
    return out


def typed_outputs(spec: list[dict[str, Any]], returned: dict[str, Any] | None
                  ) -> dict[str, Any]:
    returned = returned or {}
    if not spec:
        return dict(returned)
    return {str(f["name"]): typed_value(f, returned.get(str(f["name"]))) for f in spec}


# --- running -----------------------------------------------------------------------------------


@dataclass
class ChildRun:
    execution_id: str
    result: RunResult
    returned: dict[str, Any] | None


async def run_subscenario(parent: RunServices, sub: Subscenario, inputs: dict[str, Any],
                          *, execution_id: str | None = None) -> ChildRun:
    """Run the sub-scenario to its end, as a run of its own (see the module docstring)."""
    from engine.context import RunServices
    from engine.runtime.policy import RunPolicy
    from engine.runtime.start import start_run

    if parent.data_dir is None:
        raise ModuleError("sub-scenarios run only in a workspace (this run has none)",
                          name="InvalidConfigurationError")
    if parent.call_depth >= MAX_DEPTH:
        raise ModuleError(f"sub-scenario {sub.name!r} would run {MAX_DEPTH + 1} calls deep: "
                          "a scenario calling itself without end?", name="RuntimeError")
    made: list[RunServices] = []

    def services_type(**kwargs: Any) -> RunServices:
        services = RunServices(**kwargs)
        services.inputs = inputs
        services.call_depth = parent.call_depth + 1
        made.append(services)
        return services

    # History records the child when the parent's run is recorded (its effect log says so).
    policy = RunPolicy.subscenario(history=parent.effects is not None)
    handle = await asyncio.to_thread(
        start_run, parent.data_dir, sub.blueprint, policy, scenario=sub.name,
        trigger_input=inputs, resumed_from=parent.execution_id or None,
        execution_id=execution_id or uuid.uuid4().hex, services_type=services_type)
    result = await handle.run()
    await asyncio.to_thread(handle.finish, result)
    services = made[0]
    return ChildRun(handle.execution_id or services.execution_id, result, services.returned)
