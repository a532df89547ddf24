"""A small registry of test modules beside the real flow-control built-ins, so executor
semantics are tested without HTTP or data stores."""

from __future__ import annotations

from typing import Any

import pytest

from engine.blueprint import Blueprint
from engine.builtins import flow
from engine.context import RunServices
from engine.errors import ModuleError
from engine.executor.plan import compile_plan
from engine.executor.result import RunResult
from engine.executor.run import run_plan
from engine.registry import Registry
from engine.spec import ModuleCall, ModuleTable

TEST_MODULES = ModuleTable()


@TEST_MODULES.module("test:Source", label="Source", kind="trigger")
def _source(call: ModuleCall) -> list[dict[str, Any]]:
    return [dict(b) for b in call.parameters.get("bundles", [{}])]


@TEST_MODULES.module("test:Echo", label="Echo", kind="action")
def _echo(call: ModuleCall) -> list[dict[str, Any]]:
    if call.mapper.get("fail"):
        raise ModuleError(f"failed on {call.mapper.get('fail')}", name="RuntimeError")
    return [dict(call.mapper)]


@TEST_MODULES.module("test:Split", label="Split", kind="iterator")
def _split(call: ModuleCall) -> list[dict[str, Any]]:
    return [{"value": v} for v in call.mapper.get("items") or []]


class _Store:
    """A transactional resource that records what was committed."""

    def __init__(self) -> None:
        self.pending: list[Any] = []
        self.committed: list[Any] = []
        self.rolled_back: list[Any] = []

    def commit(self) -> None:
        self.committed.extend(self.pending)
        self.pending.clear()

    def rollback(self) -> None:
        self.rolled_back.extend(self.pending)
        self.pending.clear()


@TEST_MODULES.module("test:Write", label="Write", kind="action", transactional=True)
def _write(call: ModuleCall) -> list[dict[str, Any]]:
    call.run.resource("store", _Store).pending.append(call.mapper.get("value"))
    return [{}]


@pytest.fixture
def registry() -> Registry:
    return Registry([*flow.MODULES, *TEST_MODULES])


class Ran:
    def __init__(self, result: RunResult, services: RunServices, events: list[Any]) -> None:
        self.result = result
        self.services = services
        self.events = events

    def outputs(self, module_id: int) -> list[dict[str, Any]]:
        return [
            b
            for e in self.events
            if getattr(e, "module_id", None) == module_id
            for b in getattr(e, "outputs", [])
        ]

    def sequence(self, module_ids: tuple[int, ...], key: str) -> list[Any]:
        """`key` of every output of these modules, in the order they ran."""
        return [
            b[key]
            for e in self.events
            if getattr(e, "module_id", None) in module_ids
            for b in getattr(e, "outputs", [])
        ]

    def ops(self, module_id: int) -> int:
        return self.result.operations_by_module.get(module_id, 0)


@pytest.fixture
def run(registry: Registry) -> Any:
    async def _run(flow_: list[dict[str, Any]], **settings: Any) -> Ran:
        blueprint = Blueprint.model_validate(
            {"name": "t", "flow": flow_, "metadata": {"scenario": settings}}
        )
        plan = compile_plan(blueprint, registry)
        services = RunServices()
        store = services.resource("store", _Store)
        events: list[Any] = []
        result = await run_plan(plan, services, [events.append])
        services.store = store  # type: ignore[attr-defined]
        return Ran(result, services, events)

    return _run


def source_of(*bundles: dict[str, Any], module_id: int = 1) -> dict[str, Any]:
    return {"id": module_id, "module": "test:Source", "parameters": {"bundles": list(bundles)}}


def echo(module_id: int, **mapper: Any) -> dict[str, Any]:
    return {"id": module_id, "module": "test:Echo", "mapper": mapper}


def when(a: str, o: str, b: str | None = None) -> dict[str, Any]:
    cond = {"a": a, "o": o} if b is None else {"a": a, "o": o, "b": b}
    return {"name": "f", "conditions": [[cond]]}
