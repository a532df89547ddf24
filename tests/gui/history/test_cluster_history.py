"""A window pointed at a cluster's database ($SCENARIST_DATABASE): its History lists runs
that another process recorded there, and Run once still runs here, in this process, and
is recorded beside them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.gui.debugger import DebugSession
from app.gui.main_window import MainWindow
from tests.gui.debugger.conftest import case_input, write_case
from tests.gui.debugger.stub import http_stub
from tests.gui.history.helpers import history_of, run_once
from tests.incomplete.helpers import scenarist_json

ITERATOR = "iterator-aggregator"


@pytest.fixture
def shared_database(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The cluster's PostgreSQL, set before the window opens (listed first by the test)."""
    monkeypatch.setenv("SCENARIST_DATABASE", postgres_url)
    return postgres_url


async def test_history_lists_the_clusters_runs_and_run_once_runs_here(
    shared_database: str, window: MainWindow,
    open_case: Callable[[str, str], DebugSession], workspace: Path, tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with http_stub({"POST /order-summaries": {"ok": True}}) as stub:
        # Another process, with a workspace folder of its own, records a run in the database.
        request = elsewhere / "request.json"
        request.write_text(json.dumps(case_input(ITERATOR)))
        report = await asyncio.to_thread(
            scenarist_json, "run", str(write_case(ITERATOR, elsewhere, stub.url)), "--input",
            str(request), "--report", "json", "--data-dir", str(elsewhere / "ws"))
        assert report["status"] == "success"
        [remote] = await asyncio.to_thread(scenarist_json, "history", "list", "--json",
                                           "--data-dir", str(elsewhere / "ws"))
        calls_before = len(stub.requests)

        session = open_case(ITERATOR, stub.url)
        panel = history_of(session).panel
        panel.refresh()
        assert panel.model.ids() == [remote["id"]]

        # Run once: in this process (its result and live session are here, the stub hears
        # from it now), recorded in the shared history beside the other run.
        local = await run_once(session, case_input(ITERATOR))
        assert len(stub.requests) > calls_before
    assert session.controller.execution_id == local
    panel.refresh()
    assert panel.model.ids() == [local, remote["id"]]
    assert not (workspace / "history.db").exists()  # the window's folder holds no history
