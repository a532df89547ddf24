"""Done-when of issue #11: a person who knows Make builds webhook → filter → HTTP with a
mapping picked from the panel, without typing IML, and Run once sends the request to a
local HTTP stub — for a POST; a GET stops at the filter (tests/support/make_user.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from tests.support.http_stub import http_stub
from tests.support.make_user import build_webhook_filter_http, run_once, send


@pytest.fixture
def window(qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Discard)
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.resize(1440, 900)
    win.show()
    qtbot.waitExposed(win)
    return win


async def test_a_make_user_builds_webhook_filter_http_without_typing_iml(
        window: MainWindow) -> None:
    with http_stub({"POST /leads": (200, {"ok": True})}) as stub:
        editor = await build_webhook_filter_http(window, f"{stub.url}/leads")
        doc = editor.document
        hook, http = 1, 2
        assert doc.node(http).filter.model_dump(exclude_unset=True) == {
            "name": "Only POST",
            "conditions": [[{"a": "{{1.__IMTMETHOD__}}", "o": "text:equal", "b": "POST"}]]}
        mapper = doc.node(http).mapper
        assert (mapper["method"], mapper["contentType"], mapper["inputMethod"]) == (
            "post", "json", "jsonString")
        assert mapper["jsonStringBodyContent"] == '{"name": "{{1.name}}"}'
        assert editor.canvas.link_item(hook, http).label_text() == "Only POST"
        settings = editor.settings
        body = settings.editor_for("mapper", "jsonStringBodyContent").editor
        assert [label for _s, _e, label in body.pills()] == ["1. name"]  # a pill, not IML

        # A GET request stops at the filter; a POST goes through to the stub.
        await run_once(window, editor, send("GET"))
        assert stub.requests == []
        session = editor.debugger  # type: ignore[attr-defined]
        assert session.inspector_dock.isVisible()  # the run's inspector is in front
        await run_once(window, editor, send("POST", {"name": "Grace"}))
    [request] = stub.requests
    assert (request.method, request.path, request.json()) == ("POST", "/leads",
                                                              {"name": "Grace"})
    assert session.controller.record.status == "success"
