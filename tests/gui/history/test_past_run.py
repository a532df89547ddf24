"""Opening a past run: the scenario as it was (not as it is now), read-only, with that run's
operation bubbles and bundles; replaying it live and deterministically; diffing runs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.gui.debugger import DebugSession
from app.gui.history.past_run import PastRunView
from app.gui.main_window import MainWindow
from engine.edits.commands import EditError
from tests.gui.debugger.conftest import case_input
from tests.gui.debugger.stub import http_stub
from tests.gui.history.helpers import history_of, past_bubbles, run_once

ITERATOR = "iterator-aggregator"
COUNTS = {1: "1", 2: "1", 3: "3", 4: "1", 5: "1"}


async def _open_by_double_click(qtbot: QtBot, session: DebugSession, row: int
                                ) -> PastRunView:
    history = history_of(session)
    table = history.panel.table
    rect = table.visualRect(history.panel.model.index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert history.task is not None
    view = await history.task
    assert isinstance(view, PastRunView)
    return view


async def test_a_past_run_shows_the_scenario_as_it_was_with_its_bubbles(
    qtbot: QtBot, window: MainWindow, open_case: Callable[[str, str], DebugSession],
) -> None:
    with http_stub({"POST /order-summaries": {"ok": True}}) as stub:
        session = open_case(ITERATOR, stub.url)
        execution_id = await run_once(session, case_input(ITERATOR))
    # The scenario changes after the run: the HTTP module goes, the compose one is renamed.
    document = session.editor.document
    document.delete_modules([5])
    document.rename_module(3, "Line text")
    assert 5 not in document.graph().modules

    view = await _open_by_double_click(qtbot, session, 0)
    assert window.tabs.currentWidget() is view
    assert window.tabs.tabText(window.tabs.currentIndex()).startswith(
        f"Run {execution_id[:8]} · ")
    # The blueprint stored with the run, not the current file.
    assert set(view.document.graph().modules) == {1, 2, 3, 4, 5}
    assert view.title(3) == "3. Compose a string"
    assert set(view.canvas.modules) == {1, 2, 3, 4, 5}
    assert past_bubbles(view) == COUNTS

    # The inspector shows that run's bundles: the compose module's three operations.
    view.inspect(3)
    inspector = view.inspector
    assert inspector.operations.rowCount() == 3
    model = inspector.bundles
    assert model.value(model.find("Output", "value")) == "Doohickey × 5"
    inspector.operations_view.setCurrentIndex(inspector.operations.index(0))
    assert model.value(model.find("Output", "value")) == "Widget × 2"
    assert inspector.copy_path(model.find("Output", "value")) == "{{3.value}}"
    view.inspect(5)
    assert model.value(model.find("Output", "data", "ok")) is True  # the stub's answer
    assert not inspector.pin_button.isVisible()

    # Read-only: edits are refused and nothing changes.
    with pytest.raises(EditError):
        view.document.delete_modules([4])
    assert set(view.document.graph().modules) == {1, 2, 3, 4, 5}

    # Closing the past run's tab leaves the scenario's tab alone.
    assert window.close_tab(window.tabs.indexOf(view))
    assert window.tabs.indexOf(session.editor) >= 0


async def test_deterministic_replay_from_the_app_needs_no_server(
    qtbot: QtBot, window: MainWindow, open_case: Callable[[str, str], DebugSession],
) -> None:
    with http_stub({"POST /order-summaries": {"ok": True}}) as stub:
        session = open_case(ITERATOR, stub.url)
        execution_id = await run_once(session, case_input(ITERATOR))
        view = await _open_by_double_click(qtbot, session, 0)
        # A live replay sends the request again, with the run's original trigger data.
        live = await view.replay(deterministic=False)
        assert isinstance(live, PastRunView)
        assert len(stub.requests) == 2 and stub.requests[0] == stub.requests[1]
        assert past_bubbles(live) == COUNTS
    # The stub is gone: a deterministic replay feeds back the recorded response.
    assert view.act_replay_exact.isEnabled()
    exact = await view.replay(deterministic=True)
    assert isinstance(exact, PastRunView)
    assert exact.past.entry["kind"] == "replay"
    assert exact.past.entry["resumed_from"] == execution_id
    assert exact.past.entry["status"] == "success"
    assert past_bubbles(exact) == COUNTS
    exact.inspect(5)
    assert exact.inspector.operations.rowCount() == 1
    assert exact.inspector.current_entry().error is None  # type: ignore[union-attr]
    assert window.tabs.currentWidget() is exact
    # The history lists the replays too (refreshed when the scenario tab comes back).
    window.tabs.setCurrentWidget(session.editor)
    assert [r.kind for r in history_of(session).panel.model.rows] == [
        "replay", "replay", "run"]

    # Diff with…: the deterministic replay reproduced the run exactly.
    dialog = view._differ(view)
    diff = dialog.compare(exact.execution_id)
    assert diff is not None and diff["same"] is True
    assert dialog.tree.topLevelItem(0).text(0) == "The two runs are the same"
    dialog.close()


async def test_diff_shows_which_bundles_differ(
    qtbot: QtBot, window: MainWindow, open_case: Callable[[str, str], DebugSession],
) -> None:
    with http_stub({"POST /order-summaries": {"ok": True}}) as stub:
        session = open_case(ITERATOR, stub.url)
        first = await run_once(session, case_input(ITERATOR))
        fewer = case_input(ITERATOR)
        fewer["body"]["items"] = fewer["body"]["items"][:2]
        second = await run_once(session, fewer)
    view = await _open_by_double_click(qtbot, session, 1)
    assert view.execution_id == first
    dialog = view._differ(view)
    diff = dialog.compare(second)
    assert diff is not None and not diff["same"]
    assert diff["modules"]["3"]["operations"] == {"a": 3, "b": 2}
    tree = dialog.tree
    labels = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert labels[0] == "Run"
    assert "Module 3 util:ComposeTransformer" in labels
    module = tree.topLevelItem(labels.index("Module 3 util:ComposeTransformer"))
    assert (module.text(1), module.text(2)) == ("3 operation(s)", "2 operation(s)")
    dialog.close()
