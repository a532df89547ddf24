"""What is wrong with a scenario, for the problems banner: structural problems (a module id
used twice, an unknown filter operator…), modules Scenarist cannot run yet, and mappings
that do not parse.

A blueprint with problems still opens, so the user can see and fix them; only a file that
cannot be modelled at all (not JSON, a flow that is not a list) is refused. Opening never
writes the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from engine.blueprint import Blueprint, ModuleNode
from engine.blueprint_check import inspect, iter_modules
from engine.errors import BlueprintError
from engine.loading import load_blueprint, mapping_problems, parse_json
from engine.registry import Registry

UNSUPPORTED = "is not supported yet: it can be edited and saved, not run"


@dataclass(frozen=True)
class Problem:
    message: str
    module_id: int | None = None
    field: str | None = None  # a mapper field, or where in the JSON

    def describe(self) -> str:
        where = [f"module {self.module_id}"] if self.module_id is not None else []
        if self.field:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}" if where else self.message


def load_tolerant(path: Path) -> Blueprint:
    """The blueprint of `path` even when the checks find problems (`scenario_problems`
    lists them); the loader's own error when no model can be built."""
    try:
        return load_blueprint(path)
    except BlueprintError as refused:
        try:
            data = parse_json(Path(path).read_text(encoding="utf-8-sig"), str(path))
            return Blueprint.model_validate(data)
        except (OSError, UnicodeDecodeError, BlueprintError, ValidationError):
            raise refused from None


def renumber_duplicates(blueprint: Blueprint) -> list[Problem]:
    """Give every module whose id an earlier one already has a new id (in memory: the file
    changes only when the user saves), so the canvas shows it and edits reach it; returns
    what was done, for the banner."""
    walked: list[tuple[str, ModuleNode]] = []

    def walk(flow: list[ModuleNode], path: str) -> None:
        for i, node in enumerate(flow):
            walked.append((f"{path}[{i}]", node))
            for label, sub in node.children():
                walk(sub, f"{path}[{i}].{label}")

    walk(blueprint.flow, "flow")
    for k, chain in enumerate(blueprint.metadata.designer.orphans or []
                              if blueprint.metadata.designer else []):
        walk(chain, f"metadata.designer.orphans[{k}]")
    largest = max((n.id for _, n in walked if isinstance(n.id, int)), default=0)
    seen: set[int] = set()
    done = []
    for path, node in walked:
        if not isinstance(node.id, int):
            continue
        if node.id in seen:
            largest += 1
            done.append(Problem(
                f"module id {node.id} was used twice: this {node.module} at {path} is shown "
                f"as module {largest} (saving writes the new id)", largest, "id"))
            node.id = largest
        seen.add(node.id)
    return done


def scenario_problems(blueprint: Blueprint, registry: Registry) -> list[Problem]:
    """Every problem, in document order within each kind: what `scenarist check` reports
    (structure, mappings that don't compile, unknown filter operators, as problems or
    warnings alike: the banner shows both), then modules Scenarist cannot run yet."""
    problems, warnings = inspect(blueprint)
    mappings = [problem for problem, _deferred in mapping_problems(blueprint, None, registry)]
    found = [Problem(p.message, p.module_id, p.path)
             for p in [*problems, *warnings, *mappings]]
    for path, node in iter_modules(blueprint.to_json_obj().get("flow")):
        name = node.get("module")
        module_id = node.get("id") if isinstance(node.get("id"), int) else None
        if isinstance(name, str) and name not in registry:
            found.append(Problem(f"{name} {UNSUPPORTED}", module_id,
                                 None if module_id is not None else path))
    unique: dict[tuple[int | None, str | None, str], Problem] = {}
    for problem in found:  # a bad filter operator is both structural and a compile error
        unique.setdefault((problem.module_id, problem.field, problem.message), problem)
    return list(unique.values())
