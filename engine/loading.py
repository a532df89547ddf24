"""Reading a blueprint file: JSON text -> structural checks -> `Blueprint`.

Every failure is a `BlueprintError` naming the file, and for bad JSON the line and column.

`check_blueprint` is the one validation `scenarist check` and `scenarist run` share: it also
compiles every mapping and filter operand, and returns every problem (de-duplicated) instead
of stopping at the first. `load_blueprint` only refuses what cannot be modelled, so the editor
still opens a file whose mapping has a typo, to fix it.

Numbers are read as JavaScript reads them (Make runs on Node): an integer beyond ±2^53 becomes
a double, so nothing SQLite or orjson can't hold enters from a file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from engine.blueprint import Blueprint, ModuleNode
from engine.blueprint_check import deduplicate, inspect, validate
from engine.errors import BlueprintError, IMLError
from engine.values import normalize_number

if TYPE_CHECKING:
    from engine.registry import Registry

# Flow-control modules whose `mapper` is not a mapping (null in exports; never compiled).
_NO_MAPPER = ("builtin:BasicRouter", "builtin:BasicIfElse", "builtin:BasicMerge")


@dataclass
class BlueprintCheck:
    """What `check_blueprint` found: the model (None when it could not be built), every
    problem, and warnings (located like problems; the blueprint still runs)."""

    file: str | None
    blueprint: Blueprint | None = None
    problems: list[BlueprintError] = field(default_factory=list)
    warnings: list[BlueprintError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems and self.blueprint is not None


def load_blueprint(path: str | Path) -> Blueprint:
    """Load, check and model a blueprint file."""
    file = str(path)
    return load_blueprint_text(_read_text(path, file), file=file)


def check_blueprint(path: str | Path, registry: Registry | None = None) -> BlueprintCheck:
    """Load a file, check its structure and compile its mappings: every problem found."""
    file = str(path)
    try:
        text = _read_text(path, file)
    except BlueprintError as error:
        return BlueprintCheck(file, problems=[error])
    return check_blueprint_text(text, file, registry)


def read_blueprint_text(path: str | Path) -> str:
    """A blueprint file's text (BlueprintError naming the file when it can't be read)."""
    return _read_text(path, str(path))


def check_blueprint_text(text: str, file: str | None = None,
                         registry: Registry | None = None) -> BlueprintCheck:
    """`check_blueprint` for a file's text already read (`file` names it in problems)."""
    try:
        data = parse_json(text, file)
    except BlueprintError as error:
        return BlueprintCheck(file, problems=[error])
    return check_blueprint_data(data, file, registry)


def check_blueprint_data(
    data: Any, file: str | None = None, registry: Registry | None = None
) -> BlueprintCheck:
    """`check_blueprint` for data already parsed."""
    problems, warnings = inspect(data, file)
    result = BlueprintCheck(file, problems=problems, warnings=warnings)
    if problems:
        return result
    try:
        result.blueprint = Blueprint.model_validate(data)
    except ValidationError as error:
        result.problems = deduplicate([_model_problem(data, e, file) for e in error.errors()])
        return result
    found = mapping_problems(result.blueprint, file, registry)
    result.problems = deduplicate([p for p, deferred in found if not deferred])
    # As in Make ("Failed to map ..."), a module's own mapper that doesn't compile fails
    # only when that module runs: real exports with one still load and run up to it.
    result.warnings.extend(deduplicate([p for p, deferred in found if deferred]))
    return result


def _read_text(path: str | Path, file: str) -> str:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise BlueprintError("file not found", file=file) from None
    except IsADirectoryError:
        raise BlueprintError("is a folder, not a blueprint file", file=file) from None
    except OSError as error:
        raise BlueprintError(f"cannot read the file: {error.strerror}", file=file) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BlueprintError(f"not UTF-8 text (byte {error.start})", file=file) from None


def _js_int(text: str) -> int | float:
    """JSON.parse's reading of an integer: beyond 2^53 it is a double."""
    if len(text) > 4000:  # Python refuses int() of very long texts; a double is inf anyway
        return normalize_number(float(text))
    return normalize_number(int(text))


def parse_json(text: str, file: str | None = None) -> Any:
    """JSON text -> data; syntax errors say where (line and column, 1-based)."""
    if not text.strip():
        raise BlueprintError("the file is empty, expected a blueprint JSON object", file=file)
    try:
        return json.loads(text, parse_int=_js_int)
    except json.JSONDecodeError as error:
        # Some messages end in "at" ("Invalid control character at"): say it once.
        message = error.msg.removesuffix(" at")
        raise BlueprintError(
            f"not valid JSON: {message} at line {error.lineno}, column {error.colno}",
            file=file,
        ) from None
    except RecursionError:
        raise BlueprintError("not valid JSON: nested too deeply", file=file) from None


def load_blueprint_text(text: str, file: str | None = None) -> Blueprint:
    return blueprint_from_data(parse_json(text, file), file=file)


def blueprint_from_data(data: Any, file: str | None = None) -> Blueprint:
    """Check raw blueprint data, then build the model."""
    validate(data, file)
    try:
        return Blueprint.model_validate(data)
    except ValidationError as error:
        raise _model_problem(data, error.errors()[0], file) from None


def _model_problem(data: Any, error: Any, file: str | None) -> BlueprintError:
    loc = tuple(error.get("loc", ()))
    return BlueprintError(
        error.get("msg", "invalid value"), file=file, module_id=_module_at(data, loc),
        path=_json_path(loc),
    )


# ---- mappings -----------------------------------------------------------------------------


def mapping_problems(
    blueprint: Blueprint, file: str | None = None, registry: Registry | None = None
) -> list[tuple[BlueprintError, bool]]:
    """Every mapping (mapper field, filter operand, Merge output, group-by) that does not
    compile, one problem per field, located by module, JSON path and column. Compiles what
    `compile_plan` compiles, so a blueprint this passes also compiles for running. Each
    comes with whether it is deferred: a module's own mapper field, which `compile_plan`
    turns into a failure raised when the module runs."""
    from engine.registry import default_registry

    registry = registry or default_registry()
    found = []
    for path, node in blueprint.walk():
        for where, value, template_only in _mappings(node, path, registry):
            error = _compile(value, template_only)
            if error is not None:
                deferred = where.startswith(f"{path}.mapper") and node.module not in _NO_MAPPER
                if deferred:
                    error.message += " (fails when this module runs)"
                found.append((_located(error, where, node.id, file), deferred))
    return found


def _mappings(
    node: ModuleNode, path: str, registry: Registry
) -> Iterator[tuple[str, Any, bool]]:
    """(JSON path, value, is a filter operand) of every mapping of one module."""
    if node.module not in _NO_MAPPER:
        if isinstance(node.mapper, dict):
            for key, value in node.mapper.items():
                yield f"{path}.mapper.{key}", value, False
        elif node.mapper:
            yield f"{path}.mapper", node.mapper, False
    if node.filter is not None:
        yield from _conditions(node.filter.conditions, f"{path}.filter.conditions")
    for i, branch in enumerate(node.branches or []):
        if branch.type != "else":
            yield from _conditions(branch.conditions, f"{path}.branches[{i}].conditions")
    if node.module == "builtin:BasicMerge":
        for i, output in enumerate(node.outputs or []):
            for j, mapping in enumerate(output.mappings):
                yield f"{path}.outputs[{i}].mappings[{j}]", mapping, False
    spec = registry.get(node.module)
    if spec is not None and spec.kind == "aggregator":  # module-level flags win, as in plan
        flags = (node.model_extra or {}).get("flags")
        if isinstance(flags, dict) and "groupBy" in flags:
            where, group_by = f"{path}.flags.groupBy", flags["groupBy"]
        else:
            where, group_by = f"{path}.parameters.groupBy", (node.parameters or {}).get(
                "groupBy")
        if group_by not in (None, ""):
            yield where, group_by, False


def _conditions(conditions: Any, path: str) -> Iterator[tuple[str, Any, bool]]:
    from engine.filters import find_operator

    for i, group in enumerate(conditions or []):
        for j, condition in enumerate(group or []):
            yield f"{path}[{i}][{j}].a", condition.a, True
            operator = find_operator(condition.o)
            if operator is None or not operator.unary:  # a unary operator ignores `b`
                yield f"{path}[{i}][{j}].b", condition.b, True


def _compile(value: Any, template_only: bool) -> IMLError | None:
    from engine.iml import compile_mapper, compile_template

    try:
        if template_only:  # filters compile only operands that hold `{{`
            if isinstance(value, str) and "{{" in value:
                compile_template(value)
        else:
            compile_mapper(value)
    except IMLError as error:
        return error
    except RecursionError:
        return IMLError("mapping nested too deeply")
    return None


def _located(error: IMLError, where: str, module_id: int | None, file: str | None
             ) -> BlueprintError:
    inner = error.field or ""
    path = where + ("" if not inner else inner if inner.startswith("[") else f".{inner}")
    message = error.message if error.column is None else f"column {error.column}: {error.message}"
    return BlueprintError(message, file=file, module_id=module_id, path=path)


def _json_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _module_at(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The id of the innermost module on the way to `loc`."""
    module_id = None
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "module" in node and isinstance(node.get("id"), int):
            module_id = node["id"]
    return module_id
