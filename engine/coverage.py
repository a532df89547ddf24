"""Which module types blueprints use, and which of them the registry implements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.blueprint_check import iter_modules

if TYPE_CHECKING:
    from engine.blueprint import Blueprint
    from engine.registry import Registry

# A module in a blueprint: its id, or its JSON path when Make left the id null.
ModuleRef = int | str


def module_uses(blueprint: Blueprint | dict[str, Any]) -> dict[str, list[ModuleRef]]:
    """Module type (`app:Name`) -> the modules using it, in flow order."""
    data = blueprint if isinstance(blueprint, dict) else blueprint.to_json_obj()
    uses: dict[str, list[ModuleRef]] = {}
    for path, node in iter_modules(data.get("flow")):
        name = node.get("module")
        if isinstance(name, str):
            module_id = node.get("id")
            uses.setdefault(name, []).append(module_id if isinstance(module_id, int) else path)
    return uses


@dataclass(frozen=True)
class ModuleCoverage:
    module: str
    files: int
    uses: int
    supported: bool


@dataclass
class CoverageReport:
    rows: list[ModuleCoverage] = field(default_factory=list)

    @property
    def total_uses(self) -> int:
        return sum(row.uses for row in self.rows)

    @property
    def supported_uses(self) -> int:
        return sum(row.uses for row in self.rows if row.supported)

    @property
    def percent_supported(self) -> float:
        total = self.total_uses
        return 100.0 * self.supported_uses / total if total else 100.0

    @property
    def supported_types(self) -> int:
        return sum(1 for row in self.rows if row.supported)

    def to_json(self) -> dict[str, Any]:
        return {
            "modules": [
                {"module": r.module, "files": r.files, "uses": r.uses, "supported": r.supported}
                for r in self.rows
            ],
            "totals": {
                "module_types": len(self.rows),
                "supported_module_types": self.supported_types,
                "uses": self.total_uses,
                "supported_uses": self.supported_uses,
                "percent_supported": round(self.percent_supported, 1),
            },
        }


def unsupported(uses: dict[str, list[ModuleRef]], registry: Registry) -> dict[str, list[ModuleRef]]:
    return {name: refs for name, refs in uses.items() if name not in registry}


def coverage(per_file: Iterable[dict[str, list[ModuleRef]]], registry: Registry) -> CoverageReport:
    """Rows sorted by uses (most used first), then by module type."""
    files: dict[str, int] = {}
    counts: dict[str, int] = {}
    for uses in per_file:
        for name, refs in uses.items():
            files[name] = files.get(name, 0) + 1
            counts[name] = counts.get(name, 0) + len(refs)
    rows = [
        ModuleCoverage(name, files[name], counts[name], name in registry) for name in counts
    ]
    rows.sort(key=lambda row: (-row.uses, row.module))
    return CoverageReport(rows)
