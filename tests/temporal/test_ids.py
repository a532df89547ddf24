"""Workflow ids several serve nodes compute alike (engine.temporal.ids)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.runtime.schedule_model import Schedule
from engine.temporal.ids import scheduled_run_id, webhook_run_id

EVERY_15M = Schedule(type="indefinitely", interval=900)
DAILY = Schedule(type="daily", time="09:00")


def test_an_interval_is_named_by_its_slot_so_two_phases_run_once_per_slot() -> None:
    start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    node_a = [start + timedelta(minutes=2) + k * timedelta(minutes=15) for k in range(8)]
    node_b = [start + timedelta(minutes=11) + k * timedelta(minutes=15) for k in range(8)]
    ids_a = [scheduled_run_id("S", EVERY_15M, t) for t in node_a]
    ids_b = [scheduled_run_id("S", EVERY_15M, t) for t in node_b]
    assert len(set(ids_a)) == 8 and set(ids_a) == set(ids_b)  # each slot: one run
    assert ids_a[0] == "S/schedule/2026-12-07T10:00:00+00:00"


def test_a_wall_clock_time_is_its_own_name_in_utc() -> None:
    due = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert scheduled_run_id("S", DAILY, due) == "S/schedule/2026-12-07T09:00:00+00:00"
    assert scheduled_run_id("S", DAILY, due) != scheduled_run_id("S", DAILY,
                                                                  due + timedelta(days=1))


def test_requests_of_two_nodes_never_share_a_name() -> None:
    assert webhook_run_id("H", "node-a", 1, 1.5) != webhook_run_id("H", "node-b", 1, 1.5)
    assert webhook_run_id("H", "node-a", 1, 1.5) != webhook_run_id("H", "node-a", 1, 2.5)
