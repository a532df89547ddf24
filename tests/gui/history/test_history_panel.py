"""The History dock of a scenario tab: app runs are complete history entries (with their
recorded effects, error counts, no guard file left), listed newest first, filtered by
status and date, check runs hidden unless asked, a page at a time."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from app.gui.debugger import DebugSession
from app.gui.history.history_panel import PAGE, HistoryPanel
from app.gui.main_window import MainWindow
from engine.history.queries import recorded_value
from engine.history.runs import HistoryReader
from engine.store.history_db import Execution, open_history_engine
from engine.store.incomplete import scenario_health
from engine.store.state_db import state_engine
from tests.gui.debugger.conftest import case_input
from tests.gui.debugger.stub import http_stub
from tests.gui.history.helpers import history_of, run_once

ITERATOR = "iterator-aggregator"


async def test_app_runs_are_listed_newest_first_and_filtered(
    window: MainWindow, open_case: Callable[[str, str], DebugSession], workspace: Path,
) -> None:
    with http_stub({"POST /order-summaries": {"ok": True}}) as stub:
        session = open_case(ITERATOR, stub.url)
        panel = history_of(session).panel
        assert panel.model.rowCount() == 0
        first = await run_once(session, case_input(ITERATOR))
        stub.answers["POST /order-summaries"] = "drop"  # the API hangs up: the run fails
        second = await run_once(session, case_input(ITERATOR))

    # Refreshed after each run: two rows, newest first, with Make's figures.
    assert panel.model.ids() == [second, first]
    assert [r.status for r in panel.model.rows] == ["error", "success"]
    assert panel.model.rows[1].operations == 7
    model = panel.model
    assert model.data(model.index(0, 0)) == "✗" and model.data(model.index(1, 0)) == "✓"
    assert model.data(model.index(1, 3)) == "7"
    assert model.data(model.index(1, 5)) == "webhook"
    assert panel.count.text() == "2 runs"

    # Run once from the app goes through start_run: effects recorded for deterministic
    # replay, the error counted towards maxErrors, no crash guard left behind.
    engine = open_history_engine(workspace)
    try:
        effects = recorded_value(engine, workspace, first, "effects")
    finally:
        engine.dispose()
    assert effects is not None and effects.get("http")
    health = scenario_health(state_engine(workspace), "Iterator and Aggregator")
    assert health.consecutive_errors == 1
    assert list((workspace / "running").glob("*.json")) == []

    # Filter by status.
    panel.set_status_filter("error")
    assert panel.model.ids() == [second]
    panel.set_status_filter("success")
    assert panel.model.ids() == [first]
    panel.set_status_filter(None)

    # Filter by date: from tomorrow shows nothing, up to yesterday nothing, today both.
    today = QDate.currentDate()
    panel.since.set(today.addDays(1))
    assert panel.model.ids() == []
    panel.since.set(None)
    panel.until.set(today.addDays(-1))
    assert panel.model.ids() == []
    panel.since.set(today)
    panel.until.set(today)
    assert panel.model.ids() == [second, first]


async def test_the_list_refreshes_when_the_tab_comes_back(
    window: MainWindow, open_case: Callable[[str, str], DebugSession], workspace: Path,
) -> None:
    with http_stub({"POST /order-summaries": {"ok": True}}) as stub:
        session = open_case(ITERATOR, stub.url)
        await run_once(session, case_input(ITERATOR))
        history = history_of(session)
        window.new_scenario()  # another tab comes forward
        # Meanwhile another run of the scenario is recorded (the CLI, a schedule...).
        from engine.replay import replay

        await replay(workspace, session.controller.execution_id or "")
        assert history.panel.model.rowCount() == 1
        window.tabs.setCurrentWidget(session.editor)
    assert history.panel.model.rowCount() == 2
    assert history.panel.model.rows[0].kind == "replay"


def _add_runs(workspace: Path, scenario: str, count: int, check_runs: int) -> None:
    engine = open_history_engine(workspace)
    start = datetime.now(UTC) - timedelta(hours=1)
    rows = [
        {"id": uuid.uuid4().hex, "scenario": scenario, "status": "success",
         "started_at": start + timedelta(seconds=i),
         "finished_at": start + timedelta(seconds=i, milliseconds=250),
         "operations": 1 if i < check_runs else 3, "check_run": i < check_runs}
        for i in range(count)
    ]
    try:
        with engine.begin() as conn:
            conn.execute(Execution.__table__.insert(), rows)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


@pytest.mark.usefixtures("backend")  # history on SQLite and on PostgreSQL
def test_thousands_of_runs_arrive_a_page_at_a_time(qtbot: QtBot, workspace: Path) -> None:
    _add_runs(workspace, "Busy", 2 * PAGE + 50 + 5, check_runs=5)
    _add_runs(workspace, "Other", 3, check_runs=0)
    reader = HistoryReader(workspace)
    panel = HistoryPanel(reader, lambda: "Busy")
    qtbot.addWidget(panel)
    panel.refresh()
    model = panel.model
    assert model.rowCount() == PAGE and model.total == 2 * PAGE + 50
    assert panel.count.text() == f"{2 * PAGE + 50:,} runs"  # check runs hidden, as in Make
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * PAGE + 50 and not model.canFetchMore()
    started = [row.started_at for row in model.rows]
    assert started == sorted(started, reverse=True)
    assert model.data(model.index(0, 2)) == "250 ms"
    assert all(not row.check_run for row in model.rows)

    panel.check_runs.setChecked(True)
    assert model.total == 2 * PAGE + 55
    while model.canFetchMore():
        model.fetchMore()
    check_runs = [row for row in model.rows if row.check_run]
    assert len(check_runs) == 5
    assert model.data(model.index(model.rows.index(check_runs[0]), 5)).endswith("check run")
    reader.close()
