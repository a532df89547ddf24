"""Run once for a webhook scenario with a real request on the local URL; the remembered
sample payload; "Run this module only"; "Choose where to start"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx
from PySide6.QtCore import QDateTime
from PySide6.QtGui import QGuiApplication

from app.gui.debugger import DebugSession
from app.gui.debugger.start_choice import DebugRunServices
from app.gui.main_window import MainWindow
from tests.gui.debugger.helpers import bubble_counts, until
from tests.gui.debugger.stub import http_stub

LEADS = "webhook-router-error-handler"


async def test_run_once_waits_for_a_real_request(
    window: MainWindow, open_case: Callable[[str, str], DebugSession]
) -> None:
    with http_stub({"POST /hot-leads": {"ok": True}}) as stub:
        session = open_case(LEADS, stub.url)
        window.act_run_once.trigger()
        await until(lambda: session.wait_dialog is not None and session.wait_dialog.url.text())
        dialog = session.wait_dialog
        assert dialog is not None and session.state == "waiting"
        assert window.debug_toolbar.act_stop.isEnabled()
        url = dialog.url.text()
        assert url.startswith("http://127.0.0.1:")
        dialog.copy_button.click()
        assert QGuiApplication.clipboard().text() == url
        async with httpx.AsyncClient() as client:
            answer = await client.post(url + "?source=test",
                                       json={"email": "w@example.com", "name": "W",
                                             "score": 70})
        await session.wait()
    assert answer.status_code == 200 and answer.text == "Accepted"  # Make's default answer
    assert [r[2]["email"] for r in stub.requests] == ["w@example.com"]
    assert bubble_counts(session) == {1: "1", 3: "1", 4: "1"}
    webhook = session.controller.record.entries(1)[0].outputs[0]
    assert webhook == {"source": "test", "email": "w@example.com", "name": "W", "score": 70}


async def test_cancel_waiting_and_remembered_payload(
    window: MainWindow, open_case: Callable[[str, str], DebugSession]
) -> None:
    session = open_case(LEADS, "http://127.0.0.1:9")
    session.run_once()
    await until(lambda: session.wait_dialog is not None and session.wait_dialog.isVisible())
    dialog = session.wait_dialog
    assert dialog is not None
    dialog.payload.setPlainText("{not json")
    dialog.run_button.click()
    assert "not JSON" in dialog.problem.text()  # stays open
    dialog.payload.setPlainText('{"email": "c@example.com", "score": 10}')
    dialog.run_button.click()
    await session.wait()
    assert bubble_counts(session) == {1: "1", 3: "0", 4: "1"}

    session.run_once()  # the last payload is offered again
    await until(lambda: session.wait_dialog is not None and session.wait_dialog.isVisible())
    again = session.wait_dialog
    assert again is not None
    assert again.payload.toPlainText() == '{"email": "c@example.com", "score": 10}'
    window.debug_toolbar.act_stop.trigger()  # Stop while waiting: nothing runs
    assert await session.wait() is None
    assert session.state == "finished" and session.wait_dialog is None


async def test_run_this_module_only(
    window: MainWindow, open_case: Callable[[str, str], DebugSession]
) -> None:
    with http_stub({"POST /hot-leads": {"ok": True}}) as stub:
        session = open_case(LEADS, stub.url)
        session.run_once({"body": {"email": "a@example.com", "name": "A", "score": 60},
                          "headers": {"content-type": "application/json"}})
        await session.wait()
        dialog = session.open_module_only(4)
        # Offered: the bundles module 4 saw in the last run.
        assert dialog.bundles() == {1: {"email": "a@example.com", "name": "A", "score": 60}}
        dialog.editor.setPlainText('{"1": {"email": "z@example.com"}}')
        entry = await session.run_module_only(4, dialog.bundles())
        dialog.reject()
    assert entry is not None and entry.outputs == [{"lastLeadEmail": "z@example.com"}]
    assert len(stub.requests) == 1  # nothing else ran
    assert bubble_counts(session) == {4: "1"}
    assert session.inspector.module_id == 4


def test_choose_where_to_start(window: MainWindow) -> None:
    editor = window.new_scenario()
    document = editor.document
    document.add_module("util:BasicTrigger", 0, 0)
    session = editor.debugger  # type: ignore[attr-defined]
    assert session.is_polling_started() and not session.is_webhook_started()
    menu = editor.canvas.module_menu(session.first_module())
    assert "Choose where to start…" in [a.text() for a in menu.actions()]
    dialog = session.open_start_choice()
    dialog.since.setChecked(True)
    dialog.date.setDateTime(QDateTime(datetime(2024, 5, 1, 12, 0)))
    dialog.accept()
    assert session.start_from["mode"] == "since"
    assert session.start_from["date"].year == 2024
    services = DebugRunServices(start_from=session.start_from)
    assert services.start_from == session.start_from
    dialog = session.open_start_choice()
    dialog.last.setChecked(True)
    dialog.count.setValue(5)
    dialog.accept()
    assert session.start_from == {"mode": "last", "count": 5}
