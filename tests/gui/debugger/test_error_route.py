"""The official webhook-router-error-handler pattern when the API hangs up: the error
route (Ignore) fires, the run still succeeds, and the inspector shows the error."""

from __future__ import annotations

from collections.abc import Callable

from app.gui.debugger import DebugSession
from app.gui.debugger.bubbles import COLOURS
from app.gui.debugger.records import OK, WARNING
from app.gui.main_window import MainWindow
from tests.gui.debugger.conftest import case_input
from tests.gui.debugger.helpers import bubble_counts, link_labels
from tests.gui.debugger.stub import http_stub

LEADS = "webhook-router-error-handler"


async def test_dropped_connection_takes_the_error_route(
    window: MainWindow, open_case: Callable[[str, str], DebugSession]
) -> None:
    with http_stub({"POST /hot-leads": "drop"}) as stub:
        session = open_case(LEADS, stub.url)
        session.run_once(case_input(LEADS, 2))
        await session.wait()
    assert len(stub.requests) == 1
    record = session.controller.record
    assert record.status == "success"
    # HTTP ran once and failed (handled: a warning); Ignore shows the error it took.
    assert bubble_counts(session) == {1: "1", 3: "1", 4: "1", 5: "1"}
    bubbles = session.overlay.bubbles
    assert bubbles[3].outcome == WARNING and bubbles[5].outcome == WARNING
    assert bubbles[4].outcome == OK
    assert COLOURS[WARNING] != COLOURS[OK]
    assert link_labels(session)[(3, 5)] == "1 error"

    session.inspect(3)
    model = session.inspector.bundles
    assert model.labels() == ["Filter “Hot leads only”", "Input", "Error"]
    error = model.find("Error")
    assert model.value(model.find("Error", "name")) == "ConnectionError"
    assert "/hot-leads" in model.value(model.find("Error", "message"))
    assert "ConnectionError" in model.data(error.siblingAtColumn(1))
    # The filter verdict: each condition's evaluated sides.
    condition = model.find("Filter “Hot leads only”", "AND", "Condition 1")
    assert model.value(model.find("Filter “Hot leads only”", "AND", "Condition 1", "a")) == 90
    assert model.value(model.find("Filter “Hot leads only”", "AND", "Condition 1", "b")) == "50"
    assert model.data(condition.siblingAtColumn(1)) == "90  greater than  50  →  true"
    operator = model.find("Filter “Hot leads only”", "AND", "Condition 1", "operator")
    assert model.data(operator.siblingAtColumn(1)) == "Numeric operators: Greater than"
    assert session.inspector.operations.data(session.inspector.operations.index(0)) == \
        "1. ⚠ ConnectionError"


async def test_a_cold_lead_is_filtered_out(
    window: MainWindow, open_case: Callable[[str, str], DebugSession]
) -> None:
    with http_stub({"POST /hot-leads": {"ok": True}}) as stub:
        session = open_case(LEADS, stub.url)
        session.run_once(case_input(LEADS, 1))
        await session.wait()
    assert stub.requests == []
    assert bubble_counts(session) == {1: "1", 3: "0", 4: "1"}
    assert session.overlay.bubbles[3].outcome == "filtered"
    labels = link_labels(session)
    assert labels[(2, 3)] == "0 passed · 1 filtered"
    assert labels[(2, 4)] == "1"
    assert labels[(1, 2)] == "1"
    session.inspect(3)
    model = session.inspector.bundles
    verdict = model.find("Filter “Hot leads only”")
    assert model.data(verdict.siblingAtColumn(1)) == "did not pass"
    assert model.value(model.find("Filter “Hot leads only”", "AND", "Condition 1", "a")) == 20
    assert session.inspector.operations.data(session.inspector.operations.index(0)) == \
        "1. ⊘ filtered out"
