"""Shared pieces of the runtime tests: blueprints, a started runtime on a free port, and
waiting for its events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from engine.runtime.activation import Activated, activate_file
from engine.runtime.events import BackgroundRunFinished, RuntimeEvent
from engine.runtime.runtime import Runtime
from engine.runtime.schedule_model import Schedule
from engine.runtime.workspace import Workspace


def write_blueprint(path: Path, blueprint: dict[str, Any]) -> Path:
    path.write_text(json.dumps(blueprint))
    return path


def webhook_blueprint(name: str = "Greeter", *, extra: list[dict[str, Any]] | None = None,
                      settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Webhook -> Set variable -> Compose text (plus `extra` modules)."""
    return {
        "name": name,
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"hook": 7,
                                                                         "maxResults": 1}},
            {"id": 2, "module": "util:SetVariable2",
             "mapper": {"name": "who", "scope": "roundtrip", "value": "{{1.name}}"}},
            {"id": 3, "module": "util:ComposeTransformer",
             "mapper": {"value": "Hello {{2.who}}"}},
            *(extra or []),
        ],
        "metadata": {"scenario": {"roundtrips": 1, "maxErrors": 3, **(settings or {})}},
    }


def http_blueprint(name: str, url: str, *, settings: dict[str, Any] | None = None,
                   webhook: bool = False) -> dict[str, Any]:
    """[Webhook ->] GET url (a scheduled poll when not a webhook)."""
    flow: list[dict[str, Any]] = []
    if webhook:
        flow.append({"id": 1, "module": "gateway:CustomWebHook", "parameters": {}})
    flow.append({"id": 2, "module": "http:ActionSendData", "version": 3,
                 "mapper": {"url": url, "method": "get", "parseResponse": True}})
    return {"name": name, "flow": flow,
            "metadata": {"scenario": {"roundtrips": 1, "maxErrors": 3, **(settings or {})}}}


class Events:
    """Collects a runtime's events; `wait_for(predicate)` awaits one."""

    def __init__(self) -> None:
        self.seen: list[RuntimeEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: RuntimeEvent) -> None:
        self.seen.append(event)
        self._changed.set()

    def finished(self, scenario: str | None = None) -> list[BackgroundRunFinished]:
        return [e for e in self.seen if isinstance(e, BackgroundRunFinished)
                and (scenario is None or e.scenario == scenario)]

    async def wait_for(self, predicate: Callable[[Events], bool], timeout: float = 20.0
                       ) -> None:
        async def until() -> None:
            while not predicate(self):
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait (polling) until `predicate()` holds: for state that changes without an event."""
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout)


@asynccontextmanager
async def running(workspace: Workspace, **options: Any) -> AsyncIterator[tuple[Runtime, Events]]:
    options.setdefault("port", 0)
    options.setdefault("poll_interval", 0.1)
    runtime = Runtime(workspace, **options)
    events = Events()
    runtime.listeners.append(events)
    await runtime.start()
    try:
        yield runtime, events
    finally:
        await runtime.stop(grace=5)


def activate(workspace: Workspace, path: Path, blueprint: dict[str, Any],
             schedule: str | None = None, **options: Any) -> Activated:
    from engine.runtime.schedule_text import parse_schedule_option

    write_blueprint(path, blueprint)
    parsed: Schedule | None = parse_schedule_option(schedule) if schedule else None
    return activate_file(workspace, path, schedule=parsed, **options)


def hook_url(runtime: Runtime, activated: Activated) -> str:
    assert activated.hook is not None
    return f"http://127.0.0.1:{runtime.port}/hook/{activated.hook.token}"
