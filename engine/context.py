"""Per-run services a module implementation may use (`call.run`): the module contract
next to engine/spec.py, independent of the executor that provides them."""

from __future__ import annotations

import asyncio
import random as _random
import time
import uuid as _uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from engine.effects import EffectLog
from engine.limits import DEFAULT_LIMITS, RunLimits


class Transactional(Protocol):
    """A resource taking part in a cycle's transaction (data stores are the first)."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RunServices:
    """Everything outside the bundle a module may need, for one run.

    Modules reach shared resources only through here, so tests and replay can inject
    them (clock, sleep, HTTP client, data dir, limits).
    """

    def __init__(
        self,
        *,
        data_dir: Path | None = None,
        webhook_request: dict[str, Any] | None = None,
        now: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        auto_commit: bool = True,
        scenario_name: str = "",
        execution_id: str = "",
        timezone: str = "UTC",
        effects: EffectLog | None = None,
        secrets: list[str] | None = None,
        limits: RunLimits = DEFAULT_LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.data_dir = data_dir
        # Value size, regex time, module call time, run duration (engine.limits).
        self.limits = limits
        # Monotonic seconds measuring the run's duration (injected by tests); `now` is the
        # scenario's wall clock and may be frozen or replayed.
        self.clock = clock
        # Recording external effects (for deterministic replay) or feeding them back.
        self.effects = effects
        # Secret values (credentials) that history and logs must never store.
        self.secrets: list[str] = list(secrets or [])
        self.webhook_request = webhook_request
        self.now = now
        self.sleep = sleep
        self.auto_commit = auto_commit
        self.scenario_name = scenario_name
        self.execution_id = execution_id
        self.timezone = timezone
        # util:SetVariable scopes; the executor clears `roundtrip_vars` every cycle.
        self.roundtrip_vars: dict[str, Any] = {}
        self.execution_vars: dict[str, Any] = {}
        # util:FunctionIncrement counters by module id (reset "run"/"execution").
        self.counters: dict[int, int] = {}
        self.cycle = 0  # the executor numbers cycles from 1
        # A polling trigger sets this when more data waits: the executor runs another cycle
        # (up to the scenario's `roundtrips`).
        self.more = False
        # Polling triggers' "choose where to start", until they have a cursor of their own:
        # None (everything not seen yet) | {"mode": "now"} | {"mode": "all"} |
        # {"mode": "since", "date": ...} | {"mode": "last", "count": N} | {"mode": "id", "id": X}
        self.start_from: dict[str, Any] | None = None
        # Set by gateway:WebhookRespond: {"status": int, "headers": {...}, "body": ...}.
        self.webhook_response: dict[str, Any] | None = None
        # Sub-scenarios (engine.subscenarios): the typed inputs a parent's call gave this run
        # (`{{var.input.x}}`, StartSubscenario's bundle), what its ReturnData returned, and
        # how deep in calls it runs (a scenario calling itself stops at a limit).
        self.inputs: dict[str, Any] = {}
        self.returned: dict[str, Any] | None = None
        self.call_depth = 0
        # The blueprint being run (the executor sets it), for a module that reads its own
        # designer metadata: a sub-scenario call's label names the scenario it calls.
        self.blueprint: Any = None
        self.warnings: list[str] = []
        self._resources: dict[str, Any] = {}
        if effects is not None:
            live_now, log = now, effects
            self.now = lambda: log.take("now", live_now)
            self.random = lambda: log.take("random", _random.random)
            self.uuid = lambda: log.take("uuid", lambda: str(_uuid.uuid4()))
        else:
            self.random = _random.random
            self.uuid = lambda: str(_uuid.uuid4())

    def resource(self, name: str, factory: Callable[[], Any]) -> Any:
        """A per-run resource made on first use (HTTP client, data store session)."""
        found = self._resources.get(name)
        if found is None:
            found = self._resources[name] = factory()
        return found

    def transactional(self) -> list[Transactional]:
        return [r for r in self._resources.values() if hasattr(r, "commit")]

    async def aclose(self) -> None:
        for r in self._resources.values():
            close = getattr(r, "aclose", None)
            if close is not None:
                await close()
            elif hasattr(r, "close"):
                r.close()
        self._resources.clear()

    def warn(self, message: str) -> None:
        self.warnings.append(message)
