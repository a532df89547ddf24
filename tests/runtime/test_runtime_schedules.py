"""Scheduled runs in the runtime, with injected time: on time, persisted across restarts,
caught up (or skipped) after downtime, one at a time, deactivated at maxErrors, and due
automatic retries of incomplete executions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.runtime import registry
from engine.runtime.events import ScenarioDeactivated
from engine.runtime.settings import save_setting
from engine.runtime.workspace import Workspace
from tests.runtime.helpers import activate, http_blueprint, running
from tests.support.http_stub import http_stub

# State on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    save_setting(ws.state, "timezone", "Europe/Prague")
    return ws


async def test_interval_runs_on_time_and_its_plan_survives_a_restart(tmp_path: Path) -> None:
    ws, clock = workspace(tmp_path), Clock(T0)
    with http_stub({"GET /status": (200, {"ok": True})}) as stub:
        activate(ws, tmp_path / "poll.json", http_blueprint("Poll", f"{stub.url}/status"),
                 schedule="every 15m")
        async with running(ws, now=clock) as (runtime, events):
            assert runtime.scheduler.planned["Poll"] == T0 + timedelta(minutes=15)
            assert runtime.scheduler.tick(T0 + timedelta(minutes=14)) == []
            assert runtime.scheduler.tick(T0 + timedelta(minutes=15)) == ["Poll"]
            await events.wait_for(lambda e: len(e.finished("Poll")) == 1)
            assert len(stub.requests) == 1
            assert events.finished()[0].trigger == "schedule"
        assert registry.get(ws.state, "Poll").next_run == T0 + timedelta(minutes=30)
        clock.now = T0 + timedelta(minutes=20)  # restarted before its next run
        async with running(ws, now=clock) as (runtime, events):
            assert runtime.scheduler.planned["Poll"] == T0 + timedelta(minutes=30)


async def test_missed_runs_are_caught_up_once_or_skipped(tmp_path: Path) -> None:
    ws, clock = workspace(tmp_path), Clock(T0)
    with http_stub({"GET /a": (200, {}), "GET /b": (200, {})}) as stub:
        activate(ws, tmp_path / "a.json", http_blueprint("Catch up", f"{stub.url}/a"),
                 schedule="every 1h")
        activate(ws, tmp_path / "b.json", http_blueprint("Skip", f"{stub.url}/b"),
                 schedule="every 1h", catch_up="skip")
        async with running(ws, now=clock) as (runtime, events):
            late = T0 + timedelta(hours=5, minutes=30)  # the computer slept 5 hours
            clock.now = late
            assert runtime.scheduler.tick(late) == ["Catch up"]
            await events.wait_for(lambda e: len(e.finished()) == 1)
            planned = runtime.scheduler.planned
            assert planned["Catch up"] == late + timedelta(hours=1)
            assert planned["Skip"] == T0 + timedelta(hours=6)  # keeps its phase
        assert [r.path for r in stub.requests] == ["/a"]


async def test_a_scenario_runs_one_scheduled_run_at_a_time(tmp_path: Path) -> None:
    ws, clock = workspace(tmp_path), Clock(T0)
    slow = {"name": "Slow", "flow": [
        {"id": 1, "module": "util:FunctionSleep", "mapper": {"duration": "1"}}],
        "metadata": {"scenario": {"roundtrips": 1}}}
    activate(ws, tmp_path / "slow.json", slow, schedule="every 1m")
    async with running(ws, now=clock) as (runtime, events):
        assert runtime.scheduler.tick(T0 + timedelta(minutes=1)) == ["Slow"]
        assert runtime.scheduler.tick(T0 + timedelta(minutes=2)) == []  # still running
        await events.wait_for(lambda e: len(e.finished()) == 1)
        assert runtime.scheduler.tick(T0 + timedelta(minutes=3)) == ["Slow"]
        await events.wait_for(lambda e: len(e.finished()) == 2)


async def test_max_errors_deactivates_the_scenario_and_says_so(tmp_path: Path) -> None:
    ws, clock = workspace(tmp_path), Clock(T0)
    with http_stub() as stub:
        dead_url = f"http://127.0.0.1:{stub.port}/gone"
    activate(ws, tmp_path / "down.json",
             http_blueprint("Down", dead_url, settings={"maxErrors": 2}), schedule="every 5m")
    async with running(ws, now=clock) as (runtime, events):
        for minutes in (5, 10):
            runtime.scheduler.tick(T0 + timedelta(minutes=minutes))
            await events.wait_for(lambda e, n=minutes // 5: len(e.finished()) == n)
        await events.wait_for(lambda e: any(isinstance(x, ScenarioDeactivated)
                                            for x in e.seen))
        deactivated = [x for x in events.seen if isinstance(x, ScenarioDeactivated)]
        assert deactivated[0].automatic and "2 consecutive runs failed" in deactivated[0].reason
        assert "Down" not in runtime.scheduler.planned
        assert runtime.scheduler.tick(T0 + timedelta(minutes=15)) == []
    entry = registry.get(ws.state, "Down")
    assert not entry.active and "maximum number of consecutive errors is 2" in str(
        entry.deactivated_reason)


async def test_due_automatic_retries_run_in_the_runtime(tmp_path: Path) -> None:
    ws, clock = workspace(tmp_path), Clock(T0)
    answers = iter([(500, {"error": "busy"}), (200, {"ok": True})])
    with http_stub() as stub:
        stub.answers["GET /flaky"] = next(answers)
        blueprint = http_blueprint("Flaky", f"{stub.url}/flaky")
        blueprint["flow"][0]["parameters"] = {"handleErrors": True}
        blueprint["flow"][0]["onerror"] = [{"id": 9, "module": "builtin:Break", "mapper": {
            "retry": True, "count": 3, "interval": 1}}]
        activate(ws, tmp_path / "flaky.json", blueprint, schedule="every 1h")
        async with running(ws, now=clock, retry_interval=3600) as (runtime, events):
            runtime.scheduler.tick(T0 + timedelta(hours=1))
            await events.wait_for(lambda e: len(e.finished()) == 1)
            assert events.finished()[0].incomplete_ids
            stub.answers["GET /flaky"] = next(answers)
            # its retry is planned 1 minute after the failure (stored in real time)
            clock.now = datetime.now(UTC) + timedelta(minutes=2)
            assert await runtime.retry_due() == 1
            retried = events.finished()[-1]
            assert (retried.trigger, retried.status) == ("retry", "success")
        assert len(stub.requests) == 2


async def test_pause_all_holds_runs_until_resumed(tmp_path: Path) -> None:
    ws, clock = workspace(tmp_path), Clock(T0)
    with http_stub({"GET /s": (200, {})}) as stub:
        activate(ws, tmp_path / "p.json", http_blueprint("Paused", f"{stub.url}/s"),
                 schedule="every 15m")
        async with running(ws, now=clock) as (runtime, events):
            runtime.pause_all()
            assert runtime.scheduler.tick(T0 + timedelta(minutes=15)) == []
            runtime.resume_all()  # the missed time is caught up (run once)
            assert runtime.scheduler.tick(T0 + timedelta(minutes=30)) == ["Paused"]
            await events.wait_for(lambda e: len(e.finished()) == 1)
        assert len(stub.requests) == 1



async def test_a_scheduled_webhook_scenario_runs_its_queue_at_its_time(tmp_path: Path) -> None:
    import httpx

    from tests.runtime.helpers import hook_url, webhook_blueprint

    ws, clock = workspace(tmp_path), Clock(T0)
    activated = activate(ws, tmp_path / "batch.json", webhook_blueprint("Batch"),
                         schedule="every 15m")
    async with running(ws, now=clock) as (runtime, events), httpx.AsyncClient() as client:
        for name in ("a", "b", "c"):
            assert (await client.post(hook_url(runtime, activated), json={"name": name})
                    ).text == "Accepted"
        await asyncio.sleep(0.3)
        assert events.finished() == []  # queued until its scheduled time
        runtime.scheduler.tick(T0 + timedelta(minutes=15))
        await events.wait_for(lambda e: len(e.finished()) == 3)
        assert {e.trigger for e in events.finished()} == {"webhook"}
