"""Where things are in a blueprint: flows (lists of modules) and the modules in them.

A blueprint is a tree: the main flow, router routes, If-Else branches, error-handler routes,
and the designer's orphans (chains of modules not attached yet, in
`metadata.designer.orphans` as Make exports them). A `FlowRef` names one such list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engine.blueprint import Blueprint, ModuleNode
from engine.blueprint_check import iter_modules

# ("main",) | ("orphan", k) | ("route", router_id, k) | ("branch", if_else_id, k)
# | ("onerror", module_id)
FlowRef = tuple[Any, ...]


@dataclass(frozen=True)
class Place:
    """A module's place: the flow it is in and its index there."""

    flow: FlowRef
    index: int


def orphans(blueprint: Blueprint) -> list[list[ModuleNode]]:
    """The orphan chains (read-only use: an empty list when there are none)."""
    designer = blueprint.metadata.designer
    if designer is None or designer.orphans is None:
        return []
    return designer.orphans


def resolve(blueprint: Blueprint, ref: FlowRef) -> list[ModuleNode]:
    kind = ref[0]
    if kind == "main":
        return blueprint.flow
    if kind == "orphan":
        return orphans(blueprint)[ref[1]]
    node = find(blueprint, ref[1])
    if kind == "route":
        assert node.routes is not None
        return node.routes[ref[2]].flow
    if kind == "branch":
        assert node.branches is not None
        return node.branches[ref[2]].flow
    if kind == "onerror":  # `InsertNodes` makes a missing handler route (and undoes that)
        return node.onerror if node.onerror is not None else []
    raise KeyError(f"unknown flow reference {ref!r}")


def flows(blueprint: Blueprint) -> Iterator[tuple[FlowRef, list[ModuleNode]]]:
    """Every flow, depth-first: the main flow first, then orphan chains."""

    def visit(ref: FlowRef, flow: list[ModuleNode]) -> Iterator[tuple[FlowRef, list[ModuleNode]]]:
        yield ref, flow
        for node in flow:
            for k, route in enumerate(node.routes or []):
                yield from visit(("route", node.id, k), route.flow)
            for k, branch in enumerate(node.branches or []):
                yield from visit(("branch", node.id, k), branch.flow)
            if node.onerror:
                yield from visit(("onerror", node.id), node.onerror)

    yield from visit(("main",), blueprint.flow)
    for k, chain in enumerate(orphans(blueprint)):
        yield from visit(("orphan", k), chain)


def modules(blueprint: Blueprint) -> Iterator[tuple[Place, ModuleNode]]:
    for ref, flow in flows(blueprint):
        for i, node in enumerate(flow):
            yield Place(ref, i), node


def find(blueprint: Blueprint, module_id: int) -> ModuleNode:
    for _, node in modules(blueprint):
        if node.id == module_id:
            return node
    raise KeyError(f"module {module_id} is not in the scenario")


def place_of(blueprint: Blueprint, module_id: int) -> Place:
    for place, node in modules(blueprint):
        if node.id == module_id:
            return place
    raise KeyError(f"module {module_id} is not in the scenario")


def all_ids(blueprint: Blueprint) -> Iterator[int]:
    """The id of every module anywhere: the flow, routes, branches, error handlers, orphan
    chains, and the flows of AI-agent tools (kept as raw JSON in the model)."""
    for _, node in modules(blueprint):
        if isinstance(node.id, int):
            yield node.id
        tools = (node.model_extra or {}).get("tools")
        if isinstance(tools, list):
            for tool in tools:
                if isinstance(tool, dict):
                    for _, raw in iter_modules(tool.get("flow")):
                        if isinstance(raw.get("id"), int) and not isinstance(raw["id"], bool):
                            yield raw["id"]


def next_id(blueprint: Blueprint) -> int:
    """The one id allocator: ids are unique across the whole blueprint, so a new one is one
    more than the largest anywhere. Ask it before an edit moves anything out of the tree
    (`commands._Builder.new_id` does)."""
    return max(all_ids(blueprint), default=0) + 1


def contains(node: ModuleNode, module_id: int) -> bool:
    """Whether `module_id` is `node` or nested anywhere inside it."""
    if node.id == module_id:
        return True
    return any(contains(child, module_id) for _, flow in node.children() for child in flow)


def position(node: ModuleNode) -> tuple[float, float]:
    designer = (node.metadata or {}).get("designer") or {}
    return float(designer.get("x", 0) or 0), float(designer.get("y", 0) or 0)


def upstream(blueprint: Blueprint, module_id: int) -> list[int]:
    """The modules whose output can be mapped into `module_id`, nearest first: the modules
    before it on its path (through routers, branches and error handlers up to the trigger).
    Modules inside an iterator's loop are hidden after the aggregator that closes it."""
    parents: dict[tuple[Any, ...], tuple[FlowRef, int]] = {}
    for ref, flow in flows(blueprint):
        for i, node in enumerate(flow):
            for k, _ in enumerate(node.routes or []):
                parents[("route", node.id, k)] = (ref, i)
            for k, _ in enumerate(node.branches or []):
                parents[("branch", node.id, k)] = (ref, i)
            if node.onerror:
                parents[("onerror", node.id)] = (ref, i + 1)  # the failing module itself
    place = place_of(blueprint, module_id)
    found: list[int] = []
    ref, index = place.flow, place.index
    while True:
        flow = resolve(blueprint, ref)
        hidden: set[int] = set()
        for node in reversed(flow[:index]):
            if node.id is None or node.id in hidden:
                continue
            found.append(node.id)
            feeder = (node.parameters or {}).get("feeder")
            if isinstance(feeder, int):  # an aggregator: the loop's modules are closed off
                hidden |= _between(flow, feeder, node.id)
        if ref not in parents:
            return found
        ref, index = parents[ref]


def _between(flow: list[ModuleNode], start: int, end: int) -> set[int]:
    ids = [n.id for n in flow]
    if start in ids and end in ids:
        return {i for i in ids[ids.index(start) + 1 : ids.index(end)] if i is not None}
    return set()
