"""Make's blueprint JSON as pydantic models.

Lenient on input: unknown keys are kept and written back (`extra="allow"`), so a Make export
round-trips unchanged. Structural checks live in `engine.blueprint_check`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Condition(_Open):
    a: Any = None
    o: str | None = None
    b: Any = None


class Filter(_Open):
    name: str | None = None
    conditions: list[list[Condition]] | None = None


class Route(_Open):
    flow: list[ModuleNode] = Field(default_factory=list)
    disabled: bool | None = None


class Branch(_Open):
    type: str | None = None  # "condition" | "else"
    label: str | None = None
    conditions: list[list[Condition]] | None = None
    merge: bool | None = None
    disabled: bool | None = None
    flow: list[ModuleNode] = Field(default_factory=list)


class MergeOutput(_Open):
    name: str
    mappings: list[Any] = Field(default_factory=list)


class ModuleNode(_Open):
    id: int | None = None
    module: str
    version: int | None = None
    parameters: dict[str, Any] | None = None
    mapper: Any = None
    filter: Filter | None = None
    metadata: dict[str, Any] | None = None
    routes: list[Route] | None = None
    onerror: list[ModuleNode] | None = None
    branches: list[Branch] | None = None
    outputs: list[MergeOutput] | None = None
    filters: list[Filter | None] | None = None

    @property
    def app(self) -> str:
        return self.module.split(":", 1)[0]

    def children(self) -> Iterator[tuple[str, list[ModuleNode]]]:
        """Nested flows with a JSON-path-like label: routes, branches, error handler."""
        for i, route in enumerate(self.routes or []):
            yield f"routes[{i}].flow", route.flow
        for i, branch in enumerate(self.branches or []):
            yield f"branches[{i}].flow", branch.flow
        if self.onerror:
            yield "onerror", self.onerror


class ScenarioSettings(_Open):
    roundtrips: int | None = 1
    maxErrors: int | None = 3
    autoCommit: bool | None = True
    autoCommitTriggerLast: bool | None = True
    sequential: bool | None = False
    slots: Any = None
    confidential: bool | None = False
    dataloss: bool | None = False
    dlq: bool | None = False
    freshVariables: bool | None = False


class Designer(_Open):
    """Canvas state: modules not attached to the flow yet, and notes on modules."""

    orphans: list[list[ModuleNode]] | None = None
    notes: list[dict[str, Any]] | None = None


class BlueprintMetadata(_Open):
    instant: bool | None = None
    version: int | None = None
    scenario: ScenarioSettings = Field(default_factory=ScenarioSettings)
    designer: Designer | None = None
    zone: str | None = None


class Blueprint(_Open):
    name: str | None = None
    flow: list[ModuleNode] = Field(default_factory=list)
    metadata: BlueprintMetadata = Field(default_factory=BlueprintMetadata)

    def walk(self) -> Iterator[tuple[str, ModuleNode]]:
        """Every module, depth-first in flow order, with its JSON path."""

        def visit(flow: list[ModuleNode], path: str) -> Iterator[tuple[str, ModuleNode]]:
            for i, node in enumerate(flow):
                here = f"{path}[{i}]"
                yield here, node
                for label, sub in node.children():
                    yield from visit(sub, f"{here}.{label}")

        yield from visit(self.flow, "flow")

    def to_json_obj(self) -> dict[str, Any]:
        """The blueprint as JSON-ready data, unknown keys included, nothing added."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


Route.model_rebuild()
Designer.model_rebuild()
Branch.model_rebuild()
ModuleNode.model_rebuild()
