"""Run once in the window: bubbles with Make's operation counts, the inspector's bundles."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.gui.debugger import DebugSession
from app.gui.main_window import MainWindow
from engine.history.queries import list_executions
from engine.store.history_db import open_history_engine
from tests.gui.debugger.conftest import case_input
from tests.gui.debugger.helpers import bubble_counts, until
from tests.gui.debugger.stub import http_stub

ITERATOR = "iterator-aggregator"


async def test_run_once_shows_operation_counts_and_bundles(
    qtbot: QtBot, window: MainWindow, open_case: Callable[[str, str], DebugSession],
    workspace: Path,
) -> None:
    with http_stub({"POST /order-summaries": {"ok": True}}) as stub:
        session = open_case(ITERATOR, stub.url)
        window.act_run_once.trigger()  # webhook-started: the wait dialog opens
        await until(lambda: session.wait_dialog is not None and session.wait_dialog.isVisible())
        dialog = session.wait_dialog
        assert dialog is not None
        dialog.payload.setPlainText(json.dumps(case_input(ITERATOR)))
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
        await session.wait()
    assert bubble_counts(session) == {1: "1", 2: "1", 3: "3", 4: "1", 5: "1"}
    # The stub got Make's single POST of the aggregated lines.
    assert [r[2] for r in stub.requests] == [
        {"summary": "Widget × 2, Gadget × 1, Doohickey × 5"}]
    assert session.state == "finished"
    assert "7 operations" in window.run_status.text()
    # Runs from the app are in the history like the CLI's.
    runs = recorded_runs(workspace)
    assert [(r["status"], r["operations"], r["trigger"]) for r in runs] == [
        ("success", 7, "webhook")]

    # Clicking the compose module's bubble opens its three operations in the inspector.
    bubble = session.overlay.bubbles[3]
    view = window.current_editor().view  # type: ignore[union-attr]
    point = view.mapFromScene(bubble.mapToScene(bubble.boundingRect().center()))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    inspector = session.inspector
    assert session.inspector_dock.isVisible()
    assert inspector.module_id == 3
    assert inspector.operations.rowCount() == 3
    model = inspector.bundles
    assert model.labels() == ["Input", "Output"]  # the last operation is open
    value = model.find("Output", "value")
    assert model.value(value) == "Doohickey × 5"
    assert model.data(value.siblingAtColumn(2)) == "text"
    assert inspector.copy_path(value) == "{{3.value}}"
    assert model.value(model.find("Input", "Text")) == "Doohickey × 5"  # the field's label

    # The aggregator's array: 1-based indexes, paths Make can map.
    session.inspect(4)
    line = model.find("Output", "array", "2", "line")
    assert model.value(line) == "Gadget × 1"
    assert inspector.copy_path(line) == "{{4.array[2].line}}"
    assert model.data(model.find("Output", "array").siblingAtColumn(1)) == "3 items"

    # Schema memory: the compose module's output fields now show in the mapping picker.
    assert window.current_editor().mapping.samples[3] == {"value": "Widget × 2"}  # type: ignore[union-attr]


def recorded_runs(workspace: Path) -> list[dict[str, Any]]:
    engine = open_history_engine(workspace)
    try:
        return list_executions(engine, workspace)
    finally:
        engine.dispose()
