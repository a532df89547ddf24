"""The editor's actions as pure edits: each function returns an `Edit` computed against the
blueprint as it is, without changing it (the document applies it through its undo stack)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from pydantic import ValidationError

from engine.blueprint import (
    Blueprint,
    Branch,
    Condition,
    Filter,
    MergeOutput,
    ModuleNode,
    Route,
)
from engine.edits.graph import Link, project
from engine.edits.primitives import (
    _MISSING,
    Edit,
    InsertNodes,
    InsertOrphan,
    InsertRoute,
    Primitive,
    RemoveNodes,
    RemoveOrphan,
    RemoveRoute,
    SetValue,
    deep,
)
from engine.edits.tree import contains, find, next_id, orphans, place_of, position, resolve
from engine.errors import ScenaristError

ROUTER = "builtin:BasicRouter"
IF_ELSE = "builtin:BasicIfElse"
MERGE = "builtin:BasicMerge"
DIRECTIVES = ("Ignore", "Resume", "Commit", "Rollback", "Break")
ROOM_X = 300  # the room a module takes in a row (auto-layout's step)
# A new module's starting values: {"parameters": {...}, "mapper": {...}} (the declaration's
# defaults, ModuleSpec.default_settings), or None for none.
Settings = dict[str, dict[str, Any]] | None


class EditError(ScenaristError):
    """An action that doesn't make sense here (the UI shows the message, nothing changes)."""


class _Builder:
    """Applies primitives as it goes (so later ones see earlier ones), then undoes them all:
    the result is the forward edit, and the blueprint is left as it was."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        self.forward: list[Primitive] = []
        self.inverse: list[Primitive] = []
        self._free: int | None = None

    def new_id(self) -> int:
        """A fresh module id. Counted from the blueprint as it was before this edit's first
        step: a step that takes modules out of the tree for a moment (relinking a tail
        into a router) must not free their ids for the new module."""
        if self._free is None:
            assert not self.forward, "ask for ids before the first step"
            self._free = next_id(self.blueprint)
        self._free += 1
        return self._free - 1

    def do(self, step: Primitive) -> None:
        self.inverse.append(step.apply(self.blueprint))
        self.forward.append(step)

    def finish(self, label: str) -> Edit:
        for step in reversed(self.inverse):
            step.apply(self.blueprint)
        return Edit(label, self.forward)


def _build(blueprint: Blueprint, label: str, fill: Callable[[_Builder], None]) -> Edit:
    builder = _Builder(blueprint)
    try:
        fill(builder)
    except BaseException:
        builder.finish(label)  # leave the model untouched
        raise
    return builder.finish(label)


def new_module(module_id: int, module_type: str, x: float, y: float,
               settings: Settings = None, **extra: Any) -> ModuleNode:
    data: dict[str, Any] = {
        "id": module_id,
        "module": module_type,
        "version": 1,
        "parameters": deep((settings or {}).get("parameters") or {}),
        "mapper": deep((settings or {}).get("mapper") or {}),
        "metadata": {"designer": {"x": round(x), "y": round(y)}},
    }
    if module_type in (ROUTER, "builtin:BasicIfElse", "builtin:BasicMerge"):
        data["mapper"] = None
    if module_type == ROUTER:
        data["routes"] = []
    data.update(extra)
    return ModuleNode.model_validate(data)


# ------------------------------------------------------------------ adding and linking


def add_module(blueprint: Blueprint, module_type: str, x: float, y: float,
               settings: Settings = None) -> tuple[Edit, int]:
    """A new module where it was dropped: the first module of an empty scenario is the
    trigger; others wait unattached until linked."""
    made: list[int] = []

    def fill(b: _Builder) -> None:
        made.append(b.new_id())
        node = new_module(made[0], module_type, x, y, settings)
        if not blueprint.flow:
            b.do(InsertNodes(("main",), 0, [node]))
        else:
            b.do(InsertOrphan(len(orphans(blueprint)), [node]))

    return _build(blueprint, f"Add {module_type}", fill), made[0]


def connect(blueprint: Blueprint, source: int, target: int) -> Edit:
    """Link `source` to `target` (the head of an unattached chain), as Make does: after the
    source's last module; into a new route of a router; and when the source already has a
    successor, through a new router that keeps both paths."""
    if source == target:
        raise EditError("a module cannot be linked to itself")
    target_place = place_of(blueprint, target)
    if find(blueprint, target).module == MERGE:
        return _connect_to_merge(blueprint, source, target)
    if target_place.flow[0] != "orphan" or target_place.index != 0:
        raise EditError(f"module {target} already has an incoming link")
    place_of(blueprint, source)  # a KeyError for an unknown source, before anything moves
    if any(contains(node, source) for node in orphans(blueprint)[target_place.flow[1]]):
        raise EditError("that link would make a loop")  # the source is in the target's chain
    source_node = find(blueprint, source)

    def fill(b: _Builder) -> None:
        router_id = b.new_id()  # taken now: the steps below move modules out for a moment
        chain = orphans(blueprint)[target_place.flow[1]]
        b.do(RemoveOrphan(target_place.flow[1]))
        place = place_of(blueprint, source)
        flow = resolve(blueprint, place.flow)
        if source_node.module == ROUTER:
            b.do(InsertRoute(source, len(source_node.routes or []), Route(flow=chain)))
        elif source_node.module == IF_ELSE:
            branches = list(source_node.branches or [])
            label = f"Condition {sum(1 for x in branches if x.type != 'else') + 1}"
            branches.insert(_else_index(branches), Branch(type="condition", label=label,
                                                          conditions=[], merge=False,
                                                          flow=chain))
            b.do(SetValue(source, ("branches",), branches, "structure"))
        elif place.index == len(flow) - 1:
            b.do(InsertNodes(place.flow, place.index + 1, chain))
        else:
            tail = flow[place.index + 1 :]
            b.do(RemoveNodes(place.flow, place.index + 1, len(tail)))
            x, y = position(source_node)
            router = new_module(router_id, ROUTER, x + 150, y)
            router.routes = [Route(flow=tail), Route(flow=chain)]
            b.do(InsertNodes(place.flow, place.index + 1, [router]))

    return _build(blueprint, "Link modules", fill)


def _else_index(branches: list[Branch]) -> int:
    """New condition branches go before the Else branch, which stays last."""
    for k, branch in enumerate(branches):
        if branch.type == "else":
            return k
    return len(branches)


def _connect_to_merge(blueprint: Blueprint, source: int, merge: int) -> Edit:
    """The last module of an If-Else branch linked to a Merge: the branch merges there. An
    unattached Merge first takes its place right after the If-Else."""
    place = place_of(blueprint, source)
    if place.flow[0] != "branch" or place.index != len(resolve(blueprint, place.flow)) - 1:
        raise EditError("only the last module of an If-else branch can be linked to a Merge")
    if_else_id, k = place.flow[1], place.flow[2]
    if_else_place = place_of(blueprint, if_else_id)
    owner = resolve(blueprint, if_else_place.flow)
    after = owner[if_else_place.index + 1] if if_else_place.index + 1 < len(owner) else None
    merge_place = place_of(blueprint, merge)

    def fill(b: _Builder) -> None:
        if after is None or after.id != merge:
            if after is not None and after.module == MERGE:
                raise EditError(f"this If-else already merges into module {after.id}")
            if merge_place.flow[0] != "orphan" or merge_place.index != 0:
                raise EditError(f"module {merge} already has an incoming link")
            if after is not None:
                raise EditError("the If-else is already followed by other modules")
            chain = orphans(blueprint)[merge_place.flow[1]]
            if any(contains(node, source) for node in chain):
                raise EditError("that link would make a loop")
            b.do(RemoveOrphan(merge_place.flow[1]))
            here = place_of(blueprint, if_else_id)  # taking the chain out renumbers orphans
            b.do(InsertNodes(here.flow, here.index + 1, chain))
        b.do(SetValue(if_else_id, ("branches", k, "merge"), True, "structure"))
        node = find(blueprint, merge)
        outputs = [o.model_copy(deep=True) for o in node.outputs or []]
        for output in outputs:  # one mapping per merging branch, in branch order
            while len(output.mappings) < _merging(blueprint, if_else_id):
                output.mappings.append("")
        b.do(SetValue(merge, ("outputs",), outputs, "settings"))

    return _build(blueprint, "Merge branch", fill)


def _merging(blueprint: Blueprint, if_else_id: int) -> int:
    return sum(1 for x in find(blueprint, if_else_id).branches or [] if x.merge)


def _owner(blueprint: Blueprint, link: Link) -> int:
    """The If-else a merge link belongs to (its source is a branch's last module, or the
    If-else itself for an empty branch)."""
    place = place_of(blueprint, link.source)
    node = find(blueprint, link.source)
    if node.module == IF_ELSE and link.index is not None:
        branches = node.branches or []
        flow = resolve(blueprint, place.flow)
        follows = flow[place.index + 1].id if place.index + 1 < len(flow) else None
        # An If-else may also be the last module of another If-else's branch: it owns the
        # link only when the Merge follows it and the link's branch of its own is empty.
        if follows == link.target and link.index < len(branches) \
                and not branches[link.index].flow:
            return link.source
    return int(place.flow[1])


def set_else_branch(blueprint: Blueprint, if_else_id: int, index: int) -> Edit:
    """Make branch `index` the If-else's Else branch (runs when no condition matched); the
    previous Else becomes a condition branch. The Else branch moves last, as Make keeps it."""
    branches = [x.model_copy() for x in find(blueprint, if_else_id).branches or []]
    if not 0 <= index < len(branches):
        raise EditError(f"the If-else has no branch {index + 1}")
    for k, branch in enumerate(branches):
        if k == index:
            branch.type, branch.label, branch.conditions = "else", "Else", None
        elif branch.type == "else":
            branch.type, branch.conditions = "condition", []
            branch.label = f"Condition {k + 1}"
    chosen = branches.pop(index)
    branches.append(chosen)
    return _build(blueprint, "Set Else branch", lambda b: b.do(
        SetValue(if_else_id, ("branches",), branches, "structure")))


def disconnect(blueprint: Blueprint, link: Link) -> Edit:
    """Remove a link: the target and everything after it become an unattached chain."""

    def fill(b: _Builder) -> None:
        place = place_of(blueprint, link.target)
        flow = resolve(blueprint, place.flow)
        chain = flow[place.index :]
        if link.kind == "merge":  # the branch stops merging; nothing else moves
            b.do(SetValue(_owner(blueprint, link), ("branches", link.index, "merge"), False,
                          "structure"))
            return
        if link.kind == "route" and place.index == 0:
            _remove_route(b, link.source, place.flow[2])
        elif link.kind == "branch" and place.index == 0:
            branches = list(find(blueprint, link.source).branches or [])
            del branches[place.flow[2]]
            b.do(SetValue(link.source, ("branches",), branches, "structure"))
        elif link.kind == "onerror" and place.index == 0:
            b.do(SetValue(link.source, ("onerror",), _MISSING, "structure"))
        else:
            b.do(RemoveNodes(place.flow, place.index, len(chain)))
        b.do(InsertOrphan(len(orphans(blueprint)), chain))

    return _build(blueprint, "Remove link", fill)


def insert_on_link(blueprint: Blueprint, link: Link, module_type: str,
                   settings: Settings = None) -> tuple[Edit, int]:
    """A module dropped on a link runs between its two ends (the filter stays with the
    module it guarded). As in Make, it gets a place of its own: when the two ends are less
    than two modules apart, the target and everything after it move right to make room."""
    sx, sy = position(find(blueprint, link.source))
    tx, ty = position(find(blueprint, link.target))
    x, y, shift = (sx + tx) / 2, (sy + ty) / 2, 0.0
    if sx <= tx < sx + 2 * ROOM_X:
        x, y, shift = sx + ROOM_X, ty, sx + 2 * ROOM_X - tx
    made: list[int] = []

    def fill(b: _Builder) -> None:
        made.append(b.new_id())
        if shift:
            for module_id in _downstream(blueprint, link.target):
                mx, _ = position(find(blueprint, module_id))
                b.do(SetValue(module_id, ("metadata", "designer", "x"), round(mx + shift),
                              "positions"))
        node = new_module(made[0], module_type, x, y, settings)
        if link.kind == "merge":  # at the branch's end: the Merge must stay after the If-else
            branch = ("branch", _owner(blueprint, link), link.index)
            b.do(InsertNodes(branch, len(resolve(blueprint, branch)), [node]))
            return
        place = place_of(blueprint, link.target)
        b.do(InsertNodes(place.flow, place.index, [node]))

    return _build(blueprint, f"Insert {module_type}", fill), made[0]


def _downstream(blueprint: Blueprint, start: int) -> list[int]:
    """`start` and every module reachable from it through links."""
    links = project(blueprint).links
    seen, queue = [start], [start]
    while queue:
        current = queue.pop()
        for link in links:
            if link.source == current and link.target not in seen:
                seen.append(link.target)
                queue.append(link.target)
    return seen


def append_after(blueprint: Blueprint, source: int, module_type: str,
                 settings: Settings = None) -> tuple[Edit, int]:
    """The "+" after a module: a new module linked right after it."""
    x, y = position(find(blueprint, source))
    added, module_id = add_module(blueprint, module_type, x + ROOM_X, y, settings)
    inverse = added.apply(blueprint)
    try:
        linked = (
            connect(blueprint, source, module_id)
            if blueprint.flow[0].id != module_id
            else Edit("", [])
        )
    finally:
        inverse.apply(blueprint)
    return Edit(f"Add {module_type}", added.steps + linked.steps), module_id


def add_error_handler(blueprint: Blueprint, module_id: int, directive: str) -> tuple[Edit, int]:
    if directive not in DIRECTIVES:
        raise EditError(f"unknown error handler directive {directive!r}")
    node = find(blueprint, module_id)
    x, y = position(node)
    made: list[int] = []

    def fill(b: _Builder) -> None:
        made.append(b.new_id())
        handler = new_module(made[0], f"builtin:{directive}", x + 150, y + 150, mapper=None)
        b.do(InsertNodes(("onerror", module_id), len(node.onerror or []), [handler]))

    return _build(blueprint, f"Add {directive} error handler", fill), made[0]


# ----------------------------------------------------------------------- deleting


def delete_modules(blueprint: Blueprint, module_ids: Iterable[int]) -> Edit:
    """Delete modules; the modules after each one close the gap. A deleted router's routes
    become unattached chains; an emptied route or chain disappears."""
    ids = list(dict.fromkeys(module_ids))

    def fill(b: _Builder) -> None:
        for module_id in ids:
            try:
                place = place_of(blueprint, module_id)
            except KeyError:
                continue  # inside something deleted already
            node = find(blueprint, module_id)
            nested: list[list[ModuleNode]] = [r.flow for r in node.routes or []]
            nested += [x.flow for x in node.branches or []]
            for flow_ in nested:
                if flow_:
                    b.do(InsertOrphan(len(orphans(blueprint)), flow_))
            b.do(RemoveNodes(place.flow, place.index, 1))
            flow = resolve(blueprint, place.flow)
            if not flow:
                _drop_empty(b, place.flow)

    return _build(blueprint, "Delete", fill)


def _drop_empty(b: _Builder, ref: tuple[Any, ...]) -> None:
    if ref[0] == "orphan":
        b.do(RemoveOrphan(ref[1]))
    elif ref[0] == "route":
        _remove_route(b, ref[1], ref[2])
    elif ref[0] == "onerror":
        b.do(SetValue(ref[1], ("onerror",), _MISSING, "structure"))


def _remove_route(b: _Builder, router_id: int, index: int) -> None:
    """Remove a route; the fallback (`parameters.else`, a route index) keeps naming the same
    route, or goes with it."""
    fallback = (find(b.blueprint, router_id).parameters or {}).get("else")
    if isinstance(fallback, int) and not isinstance(fallback, bool) and fallback >= index:
        value: Any = _MISSING if fallback == index else fallback - 1
        b.do(SetValue(router_id, ("parameters", "else"), value, "structure"))
    b.do(RemoveRoute(router_id, index))


# ------------------------------------------------------------------ settings


def move_modules(blueprint: Blueprint, positions: dict[int, tuple[float, float]]) -> Edit:
    def fill(b: _Builder) -> None:
        for module_id, (x, y) in positions.items():
            b.do(SetValue(module_id, ("metadata", "designer", "x"), round(x), "positions"))
            b.do(SetValue(module_id, ("metadata", "designer", "y"), round(y), "positions"))

    return _build(blueprint, "Move", fill)


def set_field(
    blueprint: Blueprint, module_id: int, section: str, path: tuple[Any, ...], value: Any,
    *, label: str | None = None,
) -> Edit:
    """Set a parameter or mapper field (`section` "parameters" or "mapper"); `value=None`
    with `remove=True` semantics is `clear_field`. `label`: the field as the form names it
    ("Connection"), for the undo entry; else its path."""
    if section not in ("parameters", "mapper"):
        raise EditError(f"unknown section {section!r}")
    return _build(
        blueprint,
        f"Edit {label or '.'.join(map(str, path))}",
        lambda b: b.do(SetValue(module_id, (section, *path), deep(value))),
    )


def clear_field(blueprint: Blueprint, module_id: int, section: str, path: tuple[Any, ...],
                *, label: str | None = None) -> Edit:
    return _build(
        blueprint,
        f"Clear {label or '.'.join(map(str, path))}",
        lambda b: b.do(SetValue(module_id, (section, *path), _MISSING)),
    )


def set_filter(blueprint: Blueprint, module_id: int, filter_: dict[str, Any] | None) -> Edit:
    value: Any = _MISSING if filter_ is None else Filter.model_validate(filter_)
    label = "Remove filter" if filter_ is None else "Set filter"
    return _build(blueprint, label, lambda b: b.do(SetValue(module_id, ("filter",), value)))


def set_fallback(blueprint: Blueprint, router_id: int, route_index: int | None) -> Edit:
    routes = find(blueprint, router_id).routes or []
    if route_index is not None and not 0 <= route_index < len(routes):
        raise EditError(f"the router has no route {route_index + 1}")
    value: Any = _MISSING if route_index is None else route_index
    return _build(
        blueprint,
        "Set fallback route",
        lambda b: b.do(SetValue(router_id, ("parameters", "else"), value, "structure")),
    )


def rename_module(blueprint: Blueprint, module_id: int, name: str | None) -> Edit:
    value: Any = name if name else _MISSING
    return _build(
        blueprint,
        "Rename module",
        lambda b: b.do(SetValue(module_id, ("metadata", "designer", "name"), value)),
    )


def rename_scenario(blueprint: Blueprint, name: str) -> Edit:
    return _build(
        blueprint, "Rename scenario", lambda b: b.do(SetValue(None, ("name",), name, "scenario"))
    )


SCENARIO_SETTINGS = ("sequential", "confidential", "dlq", "dataloss", "roundtrips",
                     "maxErrors", "autoCommit", "autoCommitTriggerLast", "freshVariables")


def set_scenario_settings(blueprint: Blueprint, values: dict[str, Any]) -> Edit:
    """Make's scenario settings (`metadata.scenario`), those that change, in one step."""
    unknown = set(values) - set(SCENARIO_SETTINGS)
    if unknown:
        raise EditError(f"unknown scenario settings: {', '.join(sorted(unknown))}")
    current = blueprint.metadata.scenario

    def fill(b: _Builder) -> None:
        for key in SCENARIO_SETTINGS:
            if key in values and values[key] != getattr(current, key):
                b.do(SetValue(None, ("metadata", "scenario", key), values[key], "scenario"))

    return _build(blueprint, "Change scenario settings", fill)


def set_note(blueprint: Blueprint, module_id: int, text: str | None) -> Edit:
    """A note on a module (Make keeps them in metadata.designer.notes); empty removes it."""
    designer = blueprint.metadata.designer
    notes = [dict(n) for n in (designer.notes if designer and designer.notes else [])]
    notes = [n for n in notes if not (n.get("id") == module_id and not n.get("filter"))]
    if text:
        notes.append({"id": module_id, "text": text, "filter": False})
    return _build(
        blueprint,
        "Edit note",
        lambda b: b.do(SetValue(None, ("metadata", "designer", "notes"), notes, "notes")),
    )


# ------------------------------------------------------------------- clipboard


def copy_modules(blueprint: Blueprint, module_ids: Iterable[int]) -> str:
    """The chosen modules as JSON for the clipboard (routers keep their routes; a chosen
    module inside another chosen one comes along once, inside it)."""
    chosen = [find(blueprint, i) for i in dict.fromkeys(module_ids)]
    tops = [n for n in chosen
            if not any(o is not n and n.id is not None and contains(o, n.id) for o in chosen)]
    nodes = [n.model_dump(mode="json", exclude_unset=True) for n in tops]
    return orjson.dumps({"scenarist/modules": nodes}).decode()


_MAPPING = re.compile(r"\{\{(.*?)\}\}", re.S)
_REFERENCE = re.compile(r"(?<![\w.`])(\d+)(?=\.)")


def _is_module(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("id"), int)
            and not isinstance(value["id"], bool) and isinstance(value.get("module"), str))


def _renumbered(raw: list[Any], new_id: Callable[[], int]) -> tuple[list[Any], list[int]]:
    """Pasted JSON with a fresh id for every module in it (each occurrence, so even a
    clipboard naming one id twice pastes unique ids). Mappings `{{N.x}}` and an
    aggregator's `feeder` between pasted modules follow the new ids; references to modules
    outside stay as they are."""
    renumber: dict[int, int] = {}

    def collect(value: Any) -> None:  # document order, so ids count up as they read
        if _is_module(value) and value["id"] not in renumber:
            renumber[value["id"]] = new_id()
        if isinstance(value, dict):
            for child in value.values():
                collect(child)
        elif isinstance(value, list):
            for child in value:
                collect(child)

    collect(raw)
    seen: set[int] = set()

    def remap(text: str) -> str:
        def inside(m: re.Match[str]) -> str:
            refs = _REFERENCE.sub(
                lambda r: str(renumber.get(int(r.group(1)), r.group(1))), m.group(1))
            return "{{" + refs + "}}"

        return _MAPPING.sub(inside, text)

    def rewrite(value: Any) -> Any:
        if isinstance(value, str):
            return remap(value)
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {k: rewrite(v) for k, v in value.items()}
        if _is_module(value):
            fresh = renumber[value["id"]]
            out["id"] = fresh if fresh not in seen else new_id()
            seen.add(out["id"])
            feeder = (out.get("parameters") or {}).get("feeder")
            if isinstance(feeder, int) and feeder in renumber:
                out["parameters"]["feeder"] = renumber[feeder]
        return out

    nodes = [rewrite(n) for n in raw]
    return nodes, [n["id"] for n in nodes if _is_module(n)]


def paste_modules(
    blueprint: Blueprint, text: str, at: tuple[float, float] | None = None
) -> tuple[Edit, list[int]]:
    """Paste copied modules as unattached chains, with fresh ids; mappings between pasted
    modules follow the new ids."""
    try:
        data = orjson.loads(text)
        raw = data["scenarist/modules"]
        if not isinstance(raw, list):
            raise TypeError
    except (orjson.JSONDecodeError, KeyError, TypeError):
        raise EditError("the clipboard holds no Scenarist modules") from None
    pasted: list[int] = []

    def fill(b: _Builder) -> None:
        data, ids = _renumbered(raw, b.new_id)
        try:
            nodes = [ModuleNode.model_validate(n) for n in data]
        except ValidationError:
            raise EditError("the clipboard holds no Scenarist modules") from None
        if at is not None and nodes:
            x0, y0 = position(nodes[0])
            for node in nodes:
                x, y = position(node)
                if node.metadata is None:
                    node.metadata = {}
                designer = node.metadata.setdefault("designer", {})
                designer["x"], designer["y"] = round(at[0] + x - x0), round(at[1] + y - y0)
        pasted.extend(ids)
        for node in nodes:
            b.do(InsertOrphan(len(orphans(blueprint)), [node]))

    return _build(blueprint, "Paste", fill), pasted


def set_branch(
    blueprint: Blueprint, if_else_id: int, index: int, label: str | None,
    conditions: list[list[dict[str, Any]]],
) -> Edit:
    """An If-Else branch's label and conditions, as one undo step."""
    parsed = [[Condition.model_validate(c) for c in group] for group in conditions]
    base = ("branches", index)

    def fill(b: _Builder) -> None:
        b.do(SetValue(if_else_id, (*base, "label"), label or _MISSING))
        b.do(SetValue(if_else_id, (*base, "conditions"), parsed))

    return _build(blueprint, "Edit branch condition", fill)


def set_merge_outputs(blueprint: Blueprint, merge_id: int, outputs: list[dict[str, Any]]) -> Edit:
    """A Merge's outputs (`[{name, mappings: [IML per merging branch]}]`) as one undo step.
    Names must be unique and non-empty: `{{<merge_id>.<name>}}` reads them after the Merge."""
    if find(blueprint, merge_id).module != MERGE:
        raise EditError(f"module {merge_id} is not a Merge")
    try:
        parsed = [MergeOutput.model_validate(deep(o)) for o in outputs]
    except ValidationError:
        raise EditError("a merged output needs a name and a list of mappings") from None
    names = [o.name.strip() for o in parsed]
    if any(not name for name in names):
        raise EditError("every merged output needs a name")
    if len(set(names)) != len(names):
        raise EditError("two merged outputs have the same name")
    return _build(blueprint, "Edit merged outputs",
                  lambda b: b.do(SetValue(merge_id, ("outputs",), parsed)))
