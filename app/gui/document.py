"""One open scenario: the blueprint, its file, and the undo stack.

Views never write to the blueprint: every gesture ends in one of the methods below, which
pushes an undoable command wrapping a pure edit (engine.edits). After each change the
document emits `changed(kinds, module_ids)`; views refresh only what changed.
"""

from __future__ import annotations

import functools
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import orjson
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.gui.problems import Problem, load_tolerant, renumber_duplicates, scenario_problems
from engine.blueprint import Blueprint
from engine.edits import commands
from engine.edits.graph import Graph, Link, project
from engine.edits.layout import auto_layout
from engine.edits.primitives import Edit
from engine.edits.tree import find
from engine.registry import Registry, default_registry
from engine.spec import OutputContext

# Merge ids: successive commands with the same id and key merge into one undo step.
_MERGE_TYPING = 1


class _EditCommand(QUndoCommand):
    def __init__(self, doc: ScenarioDocument, edit: Edit, merge_key: Any = None) -> None:
        super().__init__(edit.label)
        self.doc = doc
        self.edit = edit
        self.inverse: Edit | None = None
        self.merge_key = merge_key
        self.first_inverse: Edit | None = None

    def redo(self) -> None:
        self.inverse = self.edit.apply(self.doc.blueprint)
        self.doc._notify(self.edit)

    def undo(self) -> None:
        assert self.inverse is not None
        self.inverse.apply(self.doc.blueprint)
        self.doc._notify(self.edit)

    def id(self) -> int:
        return _MERGE_TYPING if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        if not isinstance(other, _EditCommand) or other.merge_key != self.merge_key:
            return False
        # Keep our inverse (the state before the first keystroke); take their forward edit.
        assert self.inverse is not None
        self.edit = Edit(self.edit.label, self.edit.steps + other.edit.steps)
        assert other.inverse is not None
        self.inverse = Edit(self.edit.label, other.inverse.steps + self.inverse.steps)
        return True


class ScenarioDocument(QObject):
    changed = Signal(object, object)  # kinds: set[str], module ids: set[int]
    dirty_changed = Signal(bool)
    path_changed = Signal(object)
    problems_changed = Signal()  # beyond `changed`: the repairs made on opening are saved

    def __init__(
        self,
        blueprint: Blueprint | None = None,
        path: Path | None = None,
        registry: Registry | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.blueprint = blueprint or empty_blueprint()
        self.path = path
        self.registry = registry or default_registry()
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._graph: Graph | None = None
        self._problems: list[Problem] | None = None
        # The workspace the scenario lives in (set by the window): its data structures and
        # webhook options tell what modules output before any run.
        self.workspace: Path | None = None
        self.repairs: list[Problem] = []  # made on opening; listed until saved

    def _clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    # ---------------------------------------------------------------- reading

    @classmethod
    def open(cls, path: Path, registry: Registry | None = None) -> ScenarioDocument:
        """A scenario file, problems and all (`problems()` lists them); BlueprintError
        only when no model can be built from it."""
        blueprint = load_tolerant(Path(path))
        repaired = renumber_duplicates(blueprint)
        document = cls(blueprint, Path(path), registry)
        document.repairs = repaired
        return document

    @property
    def name(self) -> str:
        return self.blueprint.name or (self.path.stem if self.path else "New scenario")

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def graph(self) -> Graph:
        """Modules and links as the canvas draws them (cached until the next change)."""
        if self._graph is None:
            self._graph = project(self.blueprint)
        return self._graph

    def problems(self) -> list[Problem]:
        """What is wrong with the scenario now (cached until the next change)."""
        if self._problems is None:
            self._problems = self.repairs + scenario_problems(self.blueprint, self.registry)
        return self._problems

    def output_context(self) -> OutputContext:
        """What the workspace knows about this scenario's outputs (engine.runtime)."""
        if self.workspace is None:
            return OutputContext()
        from engine.runtime import workspace_output_context

        return workspace_output_context(self.workspace, self.name)

    def node(self, module_id: int) -> Any:
        return find(self.blueprint, module_id)

    def to_json(self) -> bytes:
        """The blueprint as Make exports it: `metadata.instant` says whether the scenario
        starts with an instant trigger (a webhook), as Make sets it (derived from the flow,
        so it is set here rather than as an edit of its own)."""
        self.blueprint.metadata.instant = self.is_instant()
        return orjson.dumps(self.blueprint.to_json_obj(), option=orjson.OPT_INDENT_2)

    def is_instant(self) -> bool:
        flow = self.blueprint.flow
        spec = self.registry.get(flow[0].module) if flow else None
        return spec is not None and spec.kind == "instant_trigger"

    # ------------------------------------------------------------------ edits

    def push(self, edit: Edit, merge_key: Any = None) -> None:
        if edit.steps:
            self.undo_stack.push(_EditCommand(self, edit, merge_key))

    def _notify(self, edit: Edit) -> None:
        kinds = edit.changes()
        if kinds & {"structure", "positions", "settings"}:  # names and filters are drawn too
            self._graph = None
        self._problems = None
        self.changed.emit(kinds, edit.touched())

    def defaults(self, module_type: str) -> commands.Settings:
        """What a new module of this type starts with: Make's defaults."""
        spec = self.registry.get(module_type)
        return spec.default_settings() if spec is not None else None

    def add_module(self, module_type: str, x: float, y: float) -> int:
        edit, module_id = commands.add_module(self.blueprint, module_type, x, y,
                                              self.defaults(module_type))
        self.push(edit)
        return module_id

    def append_after(self, source: int, module_type: str) -> int:
        edit, module_id = commands.append_after(self.blueprint, source, module_type,
                                                self.defaults(module_type))
        self.push(edit)
        return module_id

    def connect(self, source: int, target: int) -> None:
        self.push(commands.connect(self.blueprint, source, target))

    def disconnect(self, link: Link) -> None:
        self.push(commands.disconnect(self.blueprint, link))

    def insert_on_link(self, link: Link, module_type: str) -> int:
        edit, module_id = commands.insert_on_link(self.blueprint, link, module_type,
                                                  self.defaults(module_type))
        self.push(edit)
        return module_id

    def delete_modules(self, module_ids: list[int]) -> None:
        self.push(commands.delete_modules(self.blueprint, module_ids))

    def move_modules(self, positions: dict[int, tuple[float, float]]) -> None:
        """Called once when a drag ends, so a whole move is one undo step."""
        self.push(commands.move_modules(self.blueprint, positions))

    def set_field(
        self, module_id: int, section: str, path: tuple[Any, ...], value: Any,
        *, typing: bool = False, label: str | None = None,
    ) -> None:
        """Set a parameter/mapper field; `typing=True` merges successive keystrokes;
        `label` names the field in the undo entry."""
        merge = (module_id, section, path) if typing else None
        self.push(commands.set_field(self.blueprint, module_id, section, path, value,
                                     label=label), merge)

    def clear_field(self, module_id: int, section: str, path: tuple[Any, ...],
                    *, label: str | None = None) -> None:
        self.push(commands.clear_field(self.blueprint, module_id, section, path, label=label))

    def set_filter(self, module_id: int, filter_: dict[str, Any] | None) -> None:
        self.push(commands.set_filter(self.blueprint, module_id, filter_))

    def set_branch(
        self, if_else_id: int, index: int, label: str | None,
        conditions: list[list[dict[str, Any]]],
    ) -> None:
        self.push(commands.set_branch(self.blueprint, if_else_id, index, label, conditions))

    def set_merge_outputs(
        self, merge_id: int, outputs: list[dict[str, Any]], *, typing: bool = False,
    ) -> None:
        """A Merge's outputs in one step; `typing=True` merges successive keystrokes into
        the same cell (the first output name or mapping that differs from the model)."""

        def cells(items: list[dict[str, Any]]) -> list[tuple[int, Any, Any]]:
            return [(i, key, value) for i, o in enumerate(items)
                    for key, value in [("name", o.get("name")),
                                       *enumerate(o.get("mappings") or [])]]

        edit = commands.set_merge_outputs(self.blueprint, merge_id, outputs)
        old = cells([o.model_dump() for o in self.node(merge_id).outputs or []])
        new = cells(outputs)
        where = next((n[:2] for k, n in enumerate(new) if old[k:k + 1] != [n]), None)
        self.push(edit, (merge_id, "outputs", where) if typing else None)

    def set_else_branch(self, if_else_id: int, index: int) -> None:
        self.push(commands.set_else_branch(self.blueprint, if_else_id, index))

    def set_fallback(self, router_id: int, route_index: int | None) -> None:
        self.push(commands.set_fallback(self.blueprint, router_id, route_index))

    def add_error_handler(self, module_id: int, directive: str) -> int:
        edit, handler_id = commands.add_error_handler(self.blueprint, module_id, directive)
        self.push(edit)
        return handler_id

    def rename_module(self, module_id: int, name: str | None) -> None:
        self.push(commands.rename_module(self.blueprint, module_id, name))

    def set_scenario_settings(self, values: dict[str, Any]) -> None:
        self.push(commands.set_scenario_settings(self.blueprint, values))

    def rename(self, name: str) -> None:
        self.push(commands.rename_scenario(self.blueprint, name))

    def set_note(self, module_id: int, text: str | None) -> None:
        self.push(commands.set_note(self.blueprint, module_id, text))

    def copy_modules(self, module_ids: list[int]) -> str:
        return commands.copy_modules(self.blueprint, module_ids)

    def paste_modules(self, text: str, at: tuple[float, float] | None = None) -> list[int]:
        edit, ids = commands.paste_modules(self.blueprint, text, at)
        self.push(edit)
        return ids

    def auto_layout(self) -> None:
        self.push(auto_layout(self.blueprint))

    # ----------------------------------------------------------------- saving

    def save(self, path: Path | None = None) -> Path:
        """Write the blueprint atomically (a temp file renamed over the target), so a crash
        never leaves a half-written scenario."""
        target = Path(path or self.path or f"{self.name}.blueprint.json")
        write_atomic(target, self.to_json())
        if target != self.path:
            self.path = target
            self.path_changed.emit(target)
        self.undo_stack.setClean()
        if self.repairs:
            self.repairs, self._problems = [], None
            self.problems_changed.emit()
        return target


def empty_blueprint(name: str = "New scenario") -> Blueprint:
    """A new scenario as Make would export it: no modules yet, default settings."""
    return Blueprint.model_validate({
        "name": name,
        "flow": [],
        "metadata": {
            "instant": False,
            "version": 1,
            "scenario": {
                "roundtrips": 1, "maxErrors": 3, "autoCommit": True,
                "autoCommitTriggerLast": True, "sequential": False, "confidential": False,
                "dataloss": False, "dlq": False, "freshVariables": False,
            },
            "designer": {"orphans": []},
        },
    })


def write_atomic(target: Path, data: bytes, *, new_mode: int | None = None) -> None:
    """Write `data` to `target` through a temp file renamed over it, so a crash never leaves
    half a file. A symlink stays a link (its target is replaced) and an existing file keeps
    its permissions; a new file gets `new_mode`, else the usual umask default."""
    real = Path(os.path.realpath(target))
    real.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(real.stat().st_mode)
    except FileNotFoundError:
        mode = new_mode if new_mode is not None else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)  # mkstemp makes 0600
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@functools.cache
def _umask() -> int:
    current = os.umask(0o022)  # reading it means setting it: put it straight back
    os.umask(current)
    return current
