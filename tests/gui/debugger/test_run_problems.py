"""Run once says before running which modules cannot run (and may be cancelled), and every
run error reaches the window: the inspector names the module and the message."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

import app.gui.debugger.session as session_module
from app.gui.debugger import DebugSession
from app.gui.main_window import MainWindow
from engine.errors import BlueprintError
from tests.gui.debugger.conftest import CASES, case_input
from tests.gui.debugger.helpers import until


def with_unsupported(tmp_path: Path) -> Path:
    data = json.loads((CASES / "webhook-to-http" / "blueprint.json").read_text())
    data["flow"][1]["module"] = "nosuchapp:CreateMessage"
    path = tmp_path / "slack.blueprint.json"
    path.write_text(json.dumps(data))
    return path


def session_of(window: MainWindow, path: Path) -> DebugSession:
    editor = window.open_file(path)
    assert editor is not None
    session: DebugSession = editor.debugger  # type: ignore[attr-defined]
    return session


def button(box: QMessageBox, text: str) -> object:
    return next(b for b in box.buttons() if b.text().replace("&", "") == text)


async def test_unsupported_modules_are_named_before_the_run(
    window: MainWindow, tmp_path: Path
) -> None:
    session = session_of(window, with_unsupported(tmp_path))
    window.act_run_once.trigger()
    await until(lambda: session.unsupported_dialog is not None
                and session.unsupported_dialog.isVisible())
    box = session.unsupported_dialog
    assert box is not None
    assert "module 2: nosuchapp:CreateMessage" in box.text()
    assert session.wait_dialog is None  # asked before waiting for any webhook
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert await session.wait() is None
    assert session.wait_dialog is None and session.unsupported_dialog is None
    assert session.controller.record.status is None  # nothing ran

    window.act_run_once.trigger()  # run anyway: the error is shown, not only counted
    await until(lambda: session.unsupported_dialog is not None
                and session.unsupported_dialog.isVisible())
    button(session.unsupported_dialog, "Run anyway").click()  # type: ignore[arg-type, union-attr]
    await until(lambda: session.wait_dialog is not None and session.wait_dialog.isVisible())
    session.wait_dialog.payload.setPlainText('{"email": "a@example.com"}')  # type: ignore[union-attr]
    session.wait_dialog.run_button.click()  # type: ignore[union-attr]
    await session.wait()
    assert session.status_text().startswith("Run error · 0 operations")
    assert session.inspector_dock.isVisible() and session.inspector.run_error.isVisible()
    assert not session.inspector.visibleRegion().isEmpty()  # in front of the history tabs
    shown = session.inspector.run_error.text()
    assert "InvalidConfigurationError" in shown and "2 (nosuchapp:CreateMessage)" in shown


async def test_a_module_error_is_shown_in_the_inspector(
    window: MainWindow, open_case: Callable[[str, str], DebugSession]
) -> None:
    session = open_case("webhook-to-http", "http://127.0.0.1:9")  # nothing listens there
    session.run_once(case_input("webhook-to-http"))
    await session.wait()
    assert session.controller.record.status == "error"
    assert session.inspector_dock.isVisible()
    shown = session.inspector.run_error.text()
    assert "The run stopped with an error in 2. Make a request" in shown
    assert "What to do:" in shown and "Check the URL" in shown  # the next step, not a riddle
    assert session.inspector.module_id == 2  # opened on the module that failed
    message = str(session.controller.record.error["message"])  # type: ignore[index]
    assert message[:30] in shown


async def test_a_mapping_that_does_not_parse_fails_its_module_in_the_inspector(
    window: MainWindow, open_case: Callable[[str, str], DebugSession]
) -> None:
    session = open_case("webhook-to-http", "http://127.0.0.1:9")
    session.document.set_field(2, "mapper", ("url",), "http://x/{{1.email")
    session.run_once(case_input("webhook-to-http"))
    await session.wait()
    assert session.inspector_dock.isVisible()
    shown = session.inspector.run_error.text()
    assert "in 2. Make a request" in shown and "never closed" in shown


async def test_a_run_that_cannot_start_says_why_before_waiting_for_a_request(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plain.blueprint.json"
    path.write_bytes((CASES / "webhook-to-http" / "blueprint.json").read_bytes())
    session = session_of(window, path)

    def refuse(*_args: object) -> None:
        raise BlueprintError("the flow cannot be planned", module_id=2)

    monkeypatch.setattr(session_module, "compile_plan", refuse)
    window.act_run_once.trigger()
    assert await session.wait() is None
    assert session.wait_dialog is None  # no webhook wait for a run that cannot start
    assert session.inspector_dock.isVisible()
    assert "Cannot run" in session.inspector.run_error.text()
    assert "the flow cannot be planned" in session.inspector.run_error.text()
