"""Two serve nodes that share one PostgreSQL (each with its own folder) share a scenario's
health: failed runs on either count towards Make's maxErrors, and the node that reaches it
switches the scenario off for both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.runtime import registry
from engine.runtime.events import ScenarioDeactivated
from engine.runtime.workspace import Workspace
from tests.runtime.helpers import activate, http_blueprint, running, until
from tests.support.http_stub import http_stub

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


async def test_failures_on_either_node_count_towards_max_errors(
        tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_DATABASE", postgres_url)
    node_a, node_b = Workspace(tmp_path / "a"), Workspace(tmp_path / "b")
    with http_stub() as stub:
        dead_url = f"http://127.0.0.1:{stub.port}/gone"
    activate(node_a, tmp_path / "down.json",
             http_blueprint("Down", dead_url, settings={"maxErrors": 3}), schedule="every 5m")
    async with running(node_a, now=lambda: T0) as (runtime_a, events_a), \
            running(node_b, now=lambda: T0) as (runtime_b, events_b):
        await until(lambda: "Down" in runtime_b.scheduler.planned)
        runtime_a.scheduler.tick(T0 + timedelta(minutes=5))
        await events_a.wait_for(lambda e: len(e.finished("Down")) == 1)
        runtime_b.scheduler.tick(T0 + timedelta(minutes=10))
        await events_b.wait_for(lambda e: len(e.finished("Down")) == 1)
        assert not any(isinstance(x, ScenarioDeactivated) for x in events_a.seen
                       + events_b.seen)  # two failures: still on
        runtime_a.scheduler.tick(T0 + timedelta(minutes=15))  # the third, counted across
        await events_a.wait_for(lambda e: any(
            isinstance(x, ScenarioDeactivated) and x.automatic for x in e.seen))
        await until(lambda: "Down" not in runtime_b.scheduler.planned)
        assert runtime_b.scheduler.tick(T0 + timedelta(minutes=20)) == []
    entry = registry.get(node_b.state, "Down")
    assert not entry.active
    assert "maximum number of consecutive errors is 3" in str(entry.deactivated_reason)
