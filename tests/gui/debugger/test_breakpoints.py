"""Breakpoints and stepping in the window: pause before the HTTP module, see every bundle so
far, step, step, continue — on the official webhook-router-error-handler pattern."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.gui.debugger import DebugSession
from app.gui.main_window import MainWindow
from tests.gui.debugger.helpers import bubble_counts, until
from tests.gui.debugger.stub import http_stub

LEADS = "webhook-router-error-handler"
TWO_HOT_LEADS: dict[str, Any] = {
    "body": [{"email": "a@example.com", "name": "Ada", "score": 80},
             {"email": "b@example.com", "name": "Bob", "score": 90}],
    "headers": {"content-type": "application/json"}, "method": "POST", "query": {},
}


def paused_at(session: DebugSession) -> int | None:
    pause = session.controller.pause
    return pause.module_id if session.state == "paused" and pause is not None else None


async def test_breakpoint_step_step_continue(
    window: MainWindow, open_case: Callable[[str, str], DebugSession]
) -> None:
    with http_stub({"POST /hot-leads": {"ok": True}}) as stub:
        session = open_case(LEADS, stub.url)
        menu = window.current_editor().canvas.module_menu(3)  # type: ignore[union-attr]
        toggle = next(a for a in menu.actions() if a.text() == "Breakpoint")
        toggle.trigger()  # the canvas context menu sets it
        assert session.breakpoints.points == {3: None}
        assert 3 in session.overlay.dots  # the red dot
        assert not window.debug_toolbar.act_step.isEnabled()

        session.run_once(TWO_HOT_LEADS)
        await until(lambda: paused_at(session) == 3)
        # Paused before the HTTP module: nothing sent yet, the lead's bundle inspectable.
        assert stub.requests == []
        assert session.controller.pause.reason == "breakpoint"  # type: ignore[union-attr]
        assert session.overlay.ring is not None and session.overlay.ring.parentItem() is \
            window.current_editor().canvas.modules[3]  # type: ignore[union-attr]
        model = session.inspector.bundles
        assert model.labels()[0] == "Input (mapped now)"
        email = model.find("Bundle of 1. Custom webhook", "email")
        assert model.value(email) == "a@example.com"
        assert model.reference(email) == "{{1.email}}"
        inputs = model.labels(model.find("Input (mapped now)"))
        assert "Body content" in inputs and "jsonStringBodyContent" not in inputs
        assert window.debug_toolbar.act_step.isEnabled()
        assert bubble_counts(session) == {1: "1"}

        window.debug_toolbar.act_step.trigger()  # the HTTP module runs, then we pause again
        await until(lambda: paused_at(session) == 4)
        assert len(stub.requests) == 1
        assert bubble_counts(session) == {1: "1", 3: "1"}

        # Paused before Set variable: its input as the form names it, in Make's words.
        lifetime = model.find("Input (mapped now)", "Variable lifetime")
        assert model.data(lifetime.siblingAtColumn(1)) == "One execution"  # not `execution`
        assert model.value(lifetime) == "execution"

        window.debug_toolbar.act_step.trigger()  # Set variable runs; next: Bob's HTTP call
        await until(lambda: paused_at(session) == 3 and
                    session.controller.pause.reason == "step")  # type: ignore[union-attr]
        assert model.value(model.find("Bundle of 1. Custom webhook", "email")) == \
            "b@example.com"

        window.debug_toolbar.act_continue.trigger()  # on to the end
        await session.wait()
    assert session.state == "finished"
    assert session.controller.record.status == "success"
    assert [r[2]["email"] for r in stub.requests] == ["a@example.com", "b@example.com"]
    assert bubble_counts(session) == {1: "1", 3: "2", 4: "2"}
    assert session.overlay.ring is None
    assert not window.debug_toolbar.act_continue.isEnabled()


async def test_conditional_breakpoint_and_stop(
    window: MainWindow, open_case: Callable[[str, str], DebugSession]
) -> None:
    with http_stub({"POST /hot-leads": {"ok": True}}) as stub:
        session = open_case(LEADS, stub.url)
        dialog = session.open_condition(3)
        dialog.editor.setText("{{1.score >}}")  # not IML: can't be accepted
        assert dialog.problem.text()
        dialog.editor.setText("{{1.score > 85}}")
        assert dialog.problem.text() == ""
        dialog.accept()
        assert session.breakpoints.points == {3: "{{1.score > 85}}"}

        session.run_once(TWO_HOT_LEADS)
        await until(lambda: paused_at(session) == 3)
        # Ada (80) ran through; the run stops before Bob's (90) request.
        model = session.inspector.bundles
        assert model.value(model.find("Bundle of 1. Custom webhook", "name")) == "Bob"
        assert len(stub.requests) == 1

        window.debug_toolbar.act_stop.trigger()
        await session.wait()
    assert len(stub.requests) == 1  # nothing ran after Stop
    assert session.controller.record.status == "error"
    assert session.controller.record.error["name"] == "ExecutionInterruptedError"  # type: ignore[index]
    assert session.state == "finished"


async def test_history_duration_leaves_out_the_time_paused_at_a_breakpoint(
    window: MainWindow, open_case: Callable[[str, str], DebugSession]
) -> None:
    import asyncio

    from engine.history.runs import HistoryReader, RunFilter, fetch_page

    with http_stub({"POST /hot-leads": {"ok": True}}) as stub:
        session = open_case(LEADS, stub.url)
        session.breakpoints.toggle(3)
        session.run_once(TWO_HOT_LEADS)
        await until(lambda: paused_at(session) == 3)
        await asyncio.sleep(1.5)  # the user looks at the bundles for a while
        session.breakpoints.toggle(3)
        window.debug_toolbar.act_continue.trigger()
        await session.wait()
    reader = HistoryReader(window.workspace)
    try:
        engine = reader.engine()
        assert engine is not None
        [row] = fetch_page(engine, RunFilter(session.document.name), 0, 1)
    finally:
        reader.close()
    assert row.paused_s >= 1.4
    assert row.duration_s is not None and row.duration_s < 1.0
    assert (row.finished_at - row.started_at).total_seconds() >= 1.4  # type: ignore[operator]
