"""A blueprint compiled for running: every module a `Step` with its compiled mapper and
filter, its implementation, and the flows it owns. Compiled once; a run only walks it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from engine.blueprint import Blueprint, ModuleNode
from engine.errors import BlueprintError, IMLError
from engine.filters import compile_conditions, compile_filter
from engine.iml import Evaluator, compile_mapper
from engine.registry import Registry, default_registry
from engine.spec import ModuleSpec

DIRECTIVES = {
    "builtin:Ignore": "ignore",
    "builtin:Resume": "resume",
    "builtin:Commit": "commit",
    "builtin:Rollback": "rollback",
    "builtin:Break": "break",
}

# How the walker treats a step (ints: compared on the hot path).
OPERATE, ROUTER, IF_ELSE, MERGE, AGGREGATE, DIRECTIVE = range(6)


class Flow:
    """A list of steps; `then` continues after its end (a merging If-Else branch)."""

    __slots__ = ("steps", "then")

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.then: MergeEntry | None = None


class MergeEntry:
    """The end of an If-Else branch that flows into a Merge: which mapping to take."""

    __slots__ = ("merge", "branch_index")

    def __init__(self, merge: Step, branch_index: int) -> None:
        self.merge = merge
        self.branch_index = branch_index


class RoutePlan:
    __slots__ = ("flow", "disabled")

    def __init__(self, flow: Flow, disabled: bool) -> None:
        self.flow = flow
        self.disabled = disabled


class BranchPlan:
    __slots__ = ("flow", "condition", "disabled")

    def __init__(self, flow: Flow, condition: Callable[[Any], bool] | None, disabled: bool):
        self.flow = flow
        self.condition = condition  # None: the else branch
        self.disabled = disabled


class Step:
    """One module of the scenario, ready to run."""

    __slots__ = (
        "id",
        "module",
        "node",
        "spec",
        "how",
        "parameters",
        "mapper",
        "filter",
        "impl",
        "is_async",
        "onerror",
        "routes",
        "fallback",
        "branches",
        "merge_outputs",
        "closes",
        "flow",
        "index",
        "directive",
        "group_by",
        "stop_if_empty",
        "depth",
    )

    def __init__(self, node: ModuleNode, spec: ModuleSpec | None, step_id: int) -> None:
        self.id = step_id
        self.module = node.module
        self.node = node
        self.spec = spec
        self.parameters: dict[str, Any] = dict(node.parameters or {})
        self.mapper: Evaluator | None = None
        self.filter: Callable[[Any], bool] | None = None
        self.impl: Any = spec.implementation if spec else None
        self.is_async = inspect.iscoroutinefunction(self.impl)
        self.onerror: Flow | None = None
        self.routes: list[RoutePlan] = []
        self.fallback: int | None = None
        self.branches: list[BranchPlan] = []
        self.merge_outputs: list[tuple[str, list[Evaluator]]] = []
        self.closes: list[Step] = []  # aggregators whose loop this step opens
        self.flow: Flow | None = None
        self.index = 0
        self.directive = DIRECTIVES.get(node.module)
        self.how = OPERATE
        self.group_by: Evaluator | None = None  # aggregators: one result per key
        self.stop_if_empty = False
        self.depth = 0  # nesting: 0 in the main flow, +1 per route, branch or error handler


class Plan:
    """The compiled scenario."""

    def __init__(self, blueprint: Blueprint, main: Flow, steps: dict[int, Step]) -> None:
        self.blueprint = blueprint
        self.main = main
        self.steps = steps
        self.source_json: Any = None  # the blueprint dumped as JSON, once (runtime.start)
        self.credential_refs: list[Any] | None = None  # found once (runtime.start)

    @property
    def unsupported(self) -> list[Step]:
        return [s for s in self.steps.values() if s.impl is None and s.how == OPERATE]


def compile_plan(blueprint: Blueprint, registry: Registry | None = None) -> Plan:
    return _Compiler(registry or default_registry()).compile(blueprint)


class _Compiler:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.steps: dict[int, Step] = {}
        self._next_free_id = -1  # `"id": null` placeholders get negative ids
        self._depth = 0

    def compile(self, blueprint: Blueprint) -> Plan:
        main = self.flow(blueprint.flow)
        for step in self.steps.values():
            if step.how == AGGREGATE:
                self._attach_aggregator(step, main)
        return Plan(blueprint, main, self.steps)

    def flow(self, nodes: list[ModuleNode]) -> Flow:
        flow = Flow([])
        self._depth += 1
        for node in nodes:
            step = self.step(node)
            step.depth = self._depth - 1
            step.flow = flow
            step.index = len(flow.steps)
            flow.steps.append(step)
        self._wire_merges(flow)
        self._depth -= 1
        return flow

    def step(self, node: ModuleNode) -> Step:
        step_id = node.id if node.id is not None else self._placeholder_id()
        spec = self.registry.get(node.module)
        step = Step(node, spec, step_id)
        self.steps[step_id] = step
        try:
            if node.filter is not None:
                step.filter = compile_filter(node.filter)
            if node.module == "builtin:BasicRouter":
                step.how = ROUTER
                step.routes = [
                    RoutePlan(self.flow(r.flow), bool(r.disabled)) for r in node.routes or []
                ]
                fallback = step.parameters.get("else")
                step.fallback = fallback if isinstance(fallback, int) else None
            elif node.module == "builtin:BasicIfElse":
                step.how = IF_ELSE
                step.branches = [self._branch(b) for b in node.branches or []]
            elif node.module == "builtin:BasicMerge":
                step.how = MERGE
                step.merge_outputs = [
                    (out.name, [compile_mapper(m) for m in out.mappings])
                    for out in node.outputs or []
                ]
            elif step.directive is not None:
                step.how = DIRECTIVE
                step.mapper = _mapper_or_failure(node.mapper, step_id)
            else:
                if spec is not None and spec.kind == "aggregator":
                    step.how = AGGREGATE
                    self._aggregator_flags(step, node)
                step.mapper = _mapper_or_failure(node.mapper, step_id)
        except IMLError as exc:
            raise exc.at(step_id, exc.field) from None
        if node.onerror:
            step.onerror = self.flow(node.onerror)
        return step

    def _aggregator_flags(self, step: Step, node: ModuleNode) -> None:
        """Group-by and stop-if-empty: module-level `flags` in exports, or parameters."""
        flags = dict(step.parameters)
        extra = node.model_extra or {}
        if isinstance(extra.get("flags"), dict):
            flags.update(extra["flags"])
        group_by = flags.get("groupBy")
        if group_by not in (None, ""):
            step.group_by = compile_mapper(group_by)
        step.stop_if_empty = bool(flags.get("stopIfEmpty"))

    def _branch(self, branch: Any) -> BranchPlan:
        condition = None if branch.type == "else" else compile_conditions(branch.conditions)
        return BranchPlan(self.flow(branch.flow), condition, bool(branch.disabled))

    def _wire_merges(self, flow: Flow) -> None:
        """A Merge right after an If-Else receives its merging branches, in branch order."""
        for i, step in enumerate(flow.steps[:-1]):
            after = flow.steps[i + 1]
            if step.how != IF_ELSE or after.how != MERGE:
                continue
            k = 0
            for branch, node in zip(step.branches, step.node.branches or [], strict=True):
                if node.merge:
                    branch.flow.then = MergeEntry(after, k)
                    k += 1

    def _attach_aggregator(self, agg: Step, main: Flow) -> None:
        feeder_id = agg.parameters.get("feeder")
        feeder = self.steps.get(feeder_id) if isinstance(feeder_id, int) else None
        if feeder is None:
            # No (known) source: the trigger opens the loop, as the only sound choice.
            if not main.steps:
                raise BlueprintError("aggregator has no source module", module_id=agg.id)
            feeder = main.steps[0]
        feeder.closes.append(agg)

    def _placeholder_id(self) -> int:
        self._next_free_id -= 1
        return self._next_free_id


def _mapper_or_failure(mapper: Any, step_id: int) -> Evaluator | None:
    """The compiled mapper; one that doesn't compile fails when its module runs, as in Make
    ("Failed to map ..."), so real exports with a broken mapping still load and run up to it
    (`scenarist check` lists it as a warning)."""
    if not mapper:
        return None
    try:
        return compile_mapper(mapper)
    except IMLError as exc:
        error = exc.at(step_id, exc.field)
    except RecursionError:
        error = IMLError("mapping nested too deeply").at(step_id, None)

    def fail(_scope: Any) -> Any:
        raise error

    return fail
