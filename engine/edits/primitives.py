"""Primitive changes of a blueprint. Each one applied returns its inverse, so any edit made
of primitives undoes exactly, whatever it was."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from engine.blueprint import Blueprint, ModuleNode, Route
from engine.edits.tree import FlowRef, find, orphans, resolve

# What an edit changed, for views to refresh only that: "structure", "positions",
# "settings", "notes", "scenario".
Change = str


class Primitive:
    change: Change = "structure"

    def apply(self, blueprint: Blueprint) -> Primitive:
        raise NotImplementedError

    def touched(self) -> set[int]:
        return set()


@dataclass
class Compound(Primitive):
    """Primitives applied in order as one (an inverse that must also remove a container the
    forward step had to make)."""

    steps: list[Primitive]

    def apply(self, blueprint: Blueprint) -> Primitive:
        return Compound([step.apply(blueprint) for step in self.steps][::-1])

    def touched(self) -> set[int]:
        return set().union(*(step.touched() for step in self.steps))


@dataclass
class InsertNodes(Primitive):
    flow: FlowRef
    index: int
    nodes: list[ModuleNode]

    def apply(self, blueprint: Blueprint) -> Primitive:
        made: list[Primitive] = []  # containers this makes, so undo takes them away again
        if self.flow[0] == "onerror" and find(blueprint, self.flow[1]).onerror is None:
            made.append(SetValue(self.flow[1], ("onerror",), [], "structure").apply(blueprint))
        if self.flow == ("main",) and "flow" not in blueprint.model_fields_set:
            # a default (unset) flow is left out of the saved JSON, modules and all
            assert not blueprint.flow
            made.append(SetValue(None, ("flow",), [], "structure").apply(blueprint))
        target = resolve(blueprint, self.flow)
        target[self.index : self.index] = self.nodes
        remove = RemoveNodes(self.flow, self.index, len(self.nodes))
        return Compound([remove, *made]) if made else remove

    def touched(self) -> set[int]:
        return {n.id for n in self.nodes if n.id is not None}


@dataclass
class RemoveNodes(Primitive):
    flow: FlowRef
    index: int
    count: int

    def apply(self, blueprint: Blueprint) -> Primitive:
        target = resolve(blueprint, self.flow)
        removed = target[self.index : self.index + self.count]
        del target[self.index : self.index + self.count]
        return InsertNodes(self.flow, self.index, removed)


@dataclass
class InsertOrphan(Primitive):
    index: int
    chain: list[ModuleNode]

    def apply(self, blueprint: Blueprint) -> Primitive:
        made: list[Primitive] = []
        designer = blueprint.metadata.designer
        if designer is None or designer.orphans is None:  # undo takes the list away again
            path = ("metadata", "designer", "orphans")
            made.append(SetValue(None, path, [], "structure").apply(blueprint))
        orphans(blueprint).insert(self.index, self.chain)
        remove = RemoveOrphan(self.index)
        return Compound([remove, *made]) if made else remove


@dataclass
class RemoveOrphan(Primitive):
    index: int

    def apply(self, blueprint: Blueprint) -> Primitive:
        chain = orphans(blueprint).pop(self.index)
        return InsertOrphan(self.index, chain)


@dataclass
class InsertRoute(Primitive):
    router_id: int
    index: int
    route: Route

    def apply(self, blueprint: Blueprint) -> Primitive:
        router = find(blueprint, self.router_id)
        if router.routes is None:
            router.routes = []
        router.routes.insert(self.index, self.route)
        return RemoveRoute(self.router_id, self.index)


@dataclass
class RemoveRoute(Primitive):
    router_id: int
    index: int

    def apply(self, blueprint: Blueprint) -> Primitive:
        router = find(blueprint, self.router_id)
        assert router.routes is not None
        route = router.routes.pop(self.index)
        return InsertRoute(self.router_id, self.index, route)


_MISSING = object()


@dataclass
class SetValue(Primitive):
    """Set (or with `value=_MISSING`, delete) a value at `path` inside module `module_id`:
    ("mapper", "url"), ("filter",), ("parameters", "else"), ("metadata", "designer", "x").
    A module id of None addresses the blueprint itself (("name",), ("metadata", ...))."""

    module_id: int | None
    path: tuple[Any, ...]
    value: Any = _MISSING
    change: Change = "settings"

    def apply(self, blueprint: Blueprint) -> Primitive:
        owner: Any = blueprint if self.module_id is None else find(blueprint, self.module_id)
        *parents, last = self.path
        for depth, key in enumerate(parents):
            was = _get(owner, key)
            owner, created = _child(owner, key)
            if created:  # undo puts back what was there (missing or null), not just the leaf
                for sub in parents[depth + 1 :]:
                    owner, _ = _child(owner, sub)
                _set(owner, last, self.value)
                return SetValue(self.module_id, self.path[: depth + 1], was, self.change)
        old = _get(owner, last)
        _set(owner, last, self.value)
        return SetValue(self.module_id, self.path, old, self.change)

    def touched(self) -> set[int]:
        return set() if self.module_id is None else {self.module_id}


def _child(owner: Any, key: Any) -> tuple[Any, bool]:
    """The container at `key`, made (and reported as made) when it is missing."""
    value = _get(owner, key)
    if value is not _MISSING and value is not None:
        return value, False
    value = _new_container(owner, key)
    _set(owner, key, value)
    return value, True


def _new_container(owner: Any, key: Any) -> Any:
    if not isinstance(owner, (dict, list)) and key in type(owner).model_fields:
        annotation = type(owner).model_fields[key].annotation
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                return candidate()
    return {}


def _get(owner: Any, key: Any) -> Any:
    if isinstance(owner, dict):
        return owner.get(key, _MISSING)
    if isinstance(owner, list):
        return owner[key]
    if key in type(owner).model_fields:
        return getattr(owner, key) if key in owner.model_fields_set else _MISSING
    extra = owner.model_extra or {}
    return extra.get(key, _MISSING)


def _set(owner: Any, key: Any, value: Any) -> None:
    if isinstance(owner, dict):
        if value is _MISSING:
            owner.pop(key, None)
        else:
            owner[key] = value
    elif isinstance(owner, list):
        owner[key] = value
    elif key in type(owner).model_fields:
        if value is _MISSING:
            setattr(
                owner, key, type(owner).model_fields[key].get_default(call_default_factory=True)
            )
            owner.model_fields_set.discard(key)
        else:
            setattr(owner, key, value)
    else:
        extra = owner.model_extra
        if value is _MISSING:
            extra.pop(key, None)
        else:
            extra[key] = value


@dataclass
class Edit:
    """One undoable user action: primitives applied in order."""

    label: str
    steps: list[Primitive] = field(default_factory=list)

    def apply(self, blueprint: Blueprint) -> Edit:
        inverse = [step.apply(blueprint) for step in self.steps]
        return Edit(self.label, list(reversed(inverse)))

    def changes(self) -> set[Change]:
        return {step.change for step in self.steps}

    def touched(self) -> set[int]:
        ids: set[int] = set()
        for step in self.steps:
            ids |= step.touched()
        return ids


def deep(value: Any) -> Any:
    """A private copy of a value going into the model (the caller keeps its own)."""
    return copy.deepcopy(value)


def steps_of(edits: Iterable[Edit]) -> list[Primitive]:
    return [s for e in edits for s in e.steps]
