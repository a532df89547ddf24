"""The canvas's view of a blueprint: module bubbles and the links between them."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.blueprint import Blueprint, ModuleNode
from engine.edits.tree import FlowRef, flows, position

LinkKind = str  # "flow" | "route" | "branch" | "merge" | "onerror"


@dataclass(frozen=True)
class ModuleView:
    id: int
    module: str  # "app:Name"
    x: float
    y: float
    name: str | None  # the user's label (metadata.designer.name)
    first: bool  # the scenario's first module (trigger)
    flow: FlowRef
    index: int

    @property
    def app(self) -> str:
        return self.module.split(":", 1)[0]


@dataclass(frozen=True)
class Link:
    source: int
    target: int
    kind: LinkKind
    index: int | None = None  # route / branch number
    has_filter: bool = False  # the target module's filter sits on this link
    fallback: bool = False
    disabled: bool = False
    label: str | None = None
    filter_name: str | None = None  # the label of the filter on this link ("Only POST")


@dataclass
class Graph:
    modules: dict[int, ModuleView] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)

    def link_into(self, module_id: int) -> Link | None:
        for link in self.links:
            if link.target == module_id:
                return link
        return None

    def links_from(self, module_id: int) -> list[Link]:
        return [link for link in self.links if link.source == module_id]


def project(blueprint: Blueprint) -> Graph:
    graph = Graph()
    for ref, flow in flows(blueprint):
        for i, node in enumerate(flow):
            if node.id is None:
                continue
            x, y = position(node)
            name = ((node.metadata or {}).get("designer") or {}).get("name")
            graph.modules[node.id] = ModuleView(
                node.id, node.module, x, y, name, ref == ("main",) and i == 0, ref, i
            )
            before = flow[i - 1].id if i > 0 else None
            if before is not None and not _is_merge_after_if_else(flow, i):
                graph.links.append(
                    Link(before, node.id, "flow", has_filter=node.filter is not None,
                         filter_name=filter_name(node))
                )
            _nested_links(graph, node, flow, i)
    return graph


def filter_name(node: ModuleNode) -> str | None:
    """The label of the filter guarding `node` (None without one, or without a label)."""
    return (node.filter.name or None) if node.filter is not None else None


def _is_merge_after_if_else(flow: list[ModuleNode], i: int) -> bool:
    return flow[i].module == "builtin:BasicMerge" and flow[i - 1].module == "builtin:BasicIfElse"


def _nested_links(graph: Graph, node: ModuleNode, flow: list[ModuleNode], i: int) -> None:
    assert node.id is not None
    fallback = (node.parameters or {}).get("else")
    for k, route in enumerate(node.routes or []):
        head = route.flow[0] if route.flow else None
        if head is not None and head.id is not None:
            graph.links.append(
                Link(
                    node.id,
                    head.id,
                    "route",
                    k,
                    head.filter is not None,
                    fallback == k,
                    bool(route.disabled),
                    filter_name=filter_name(head),
                )
            )
    merge = flow[i + 1] if i + 1 < len(flow) and _is_merge_after_if_else(flow, i + 1) else None
    for k, branch in enumerate(node.branches or []):
        label = branch.label or ("Else" if branch.type == "else" else f"Condition {k + 1}")
        head = branch.flow[0] if branch.flow else None
        if head is not None and head.id is not None:
            graph.links.append(
                Link(
                    node.id,
                    head.id,
                    "branch",
                    k,
                    branch.conditions is not None,
                    disabled=bool(branch.disabled),
                    label=label,
                )
            )
        if merge is not None and merge.id is not None and branch.merge:
            source = branch.flow[-1].id if branch.flow else node.id
            if source is not None:
                graph.links.append(Link(source, merge.id, "merge", k, label=label))
    if node.onerror and node.onerror[0].id is not None:
        graph.links.append(Link(node.id, node.onerror[0].id, "onerror"))
