"""A scheduled scenario that starts with an app's polling trigger: its limit applies per
cycle, a run repeats cycles up to the scenario's maximum while the trigger has more, and
the next scheduled run (even after a restart) picks up where the last one stopped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.history.queries import list_executions, operations
from engine.runtime import Workspace, save_setting
from tests.apps.fakes import fake_service
from tests.apps.test_trigger_and_transactions import ORDERS, shop, shop_app
from tests.runtime.helpers import activate, running

T0 = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def orders_blueprint(limit: int, cycles: int) -> dict[str, object]:
    return {"name": "Orders", "flow": [
        {"id": 1, "module": "shop:watchOrders", "parameters": {"limit": limit}},
        {"id": 2, "module": "util:ComposeTransformer", "mapper": {"value": "order {{1.id}}"}}],
        "metadata": {"scenario": {"roundtrips": cycles}}}


async def test_limit_per_cycle_cycles_per_run_and_a_cursor_across_restarts(
        tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    save_setting(ws.state, "timezone", "UTC")
    clock = Clock()
    with fake_service(shop) as fake:
        base = shop_app(ws.folder / "apps" / "shop") / "base.iml.json"
        base.write_text(base.read_text().replace("https://shop.example", fake.url))
        activate(ws, tmp_path / "orders.json", orders_blueprint(limit=2, cycles=2),
                 schedule="every 15m", start_from={"mode": "all"})
        async with running(ws, now=clock) as (runtime, events):
            runtime.scheduler.tick(T0 + timedelta(minutes=15))
            await events.wait_for(lambda e: len(e.finished()) == 1)
        history = ws.history
        assert history is not None
        first = list_executions(history, ws.folder)[0]
        assert first["operations"] == 6  # 2 cycles x (trigger + 2 orders)
        ORDERS.append({"id": 6, "created": "2026-01-06T00:00:00Z"})
        try:
            clock.now = T0 + timedelta(minutes=20)
            async with running(ws, now=clock) as (runtime, events):  # a restart
                assert runtime.scheduler.planned["Orders"] == T0 + timedelta(minutes=30)
                runtime.scheduler.tick(T0 + timedelta(minutes=30))
                await events.wait_for(lambda e: len(e.finished()) == 1)
        finally:
            ORDERS.pop()
    second = list_executions(history, ws.folder)[0]
    composed = [op["outputs"][0]["value"] for op in operations(history, ws.folder, second["id"])
                if op["module_id"] == 2]
    assert composed == ["order 5", "order 6"]  # where the first run stopped, then the new one
    assert second["operations"] == 3
