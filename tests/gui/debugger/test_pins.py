"""Pinned outputs: the pinned module does not run (the HTTP stub is not called), its pinned
bundles flow on, the canvas marks it, and the pin outlives the window (side store)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.gui.debugger import DebugSession
from app.gui.debugger.pins import PinStore
from app.gui.debugger.side_store import SideStore
from app.gui.main_window import MainWindow
from tests.gui.debugger.conftest import case_input
from tests.gui.debugger.helpers import bubble_counts
from tests.gui.debugger.stub import http_stub

ITERATOR = "iterator-aggregator"


async def test_pinned_http_output_skips_the_request(
    qtbot: QtBot, window: MainWindow, open_case: Callable[[str, str], DebugSession],
    workspace: Path,
) -> None:
    with http_stub({"POST /order-summaries": {"ok": True, "id": "S-1"}}) as stub:
        session = open_case(ITERATOR, stub.url)
        session.run_once(case_input(ITERATOR))
        await session.wait()
        assert len(stub.requests) == 1

        session.inspect(5)
        inspector = session.inspector
        assert inspector.pin_button.isEnabled()
        qtbot.mouseClick(inspector.pin_button, Qt.MouseButton.LeftButton)
        assert session.pins.is_pinned(5)
        assert 5 in session.overlay.pins  # marked on the canvas
        assert inspector.pin_button.text() == "Unpin output"
        document = window.current_editor().document  # type: ignore[union-attr]
        assert b"S-1" not in document.to_json()  # never in the blueprint
        assert not document.dirty

        session.run_once(case_input(ITERATOR, 1))
        await session.wait()
        assert len(stub.requests) == 1  # not called again
        assert bubble_counts(session) == {1: "1", 2: "1", 3: "1", 4: "1", 5: "1"}
        pinned = session.controller.record.entries(5)[0].outputs[0]
        assert pinned["data"] == {"ok": True, "id": "S-1"}

        # The pin is kept beside the scenario (a new window would find it).
        path = document.path
        assert path is not None
        assert PinStore(SideStore(workspace, path)).pins()[5][0]["data"]["id"] == "S-1"

        qtbot.mouseClick(inspector.pin_button, Qt.MouseButton.LeftButton)  # unpin
        assert not session.pins.is_pinned(5)
        assert 5 not in session.overlay.pins
        session.run_once(case_input(ITERATOR, 1))
        await session.wait()
        assert len(stub.requests) == 2
