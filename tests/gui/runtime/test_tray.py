"""Tray mode: closing the window with active scenarios keeps them running in the tray
(asked once), the tray's menu pauses, lists recent runs and quits; notifications for failed
runs and switched-off scenarios; where the desktop has no tray, closing asks first."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QMessageBox, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from app.gui import application
from app.gui.history.past_run import PastRunView
from app.gui.main_window import MainWindow
from app.gui.runtime import tray as system_tray
from app.gui.runtime.panel import NEXT, QUEUE
from engine.history.queries import list_executions
from engine.runtime import Workspace, activate_file, load_settings
from engine.runtime.registry import find
from engine.store.history_db import open_history_engine
from tests.gui.debugger.helpers import until
from tests.gui.runtime.conftest import failing, greeter, hosting, write

Button = QMessageBox.StandardButton


class Questions:
    """QMessageBox.question as the window's close asks it: recorded, answered."""

    def __init__(self, answer: Button) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, _parent: Any, title: str, text: str, *_args: Any) -> Button:
        self.asked.append(f"{title}: {text}")
        return self.answer


class Shown:
    """QSystemTrayIcon.showMessage, recorded."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def __call__(self, title: str, text: str, *_args: Any) -> None:  # not bound: no self
        self.messages.append((title, text))


@pytest.fixture
def with_tray(monkeypatch: pytest.MonkeyPatch) -> Shown:
    """A desktop with a tray (the offscreen platform has none); its notifications recorded."""
    monkeypatch.setattr(system_tray, "tray_available", lambda: True)
    shown = Shown()
    monkeypatch.setattr(QSystemTrayIcon, "showMessage", shown)
    return shown


def ask(monkeypatch: pytest.MonkeyPatch, answer: Button) -> Questions:
    questions = Questions(answer)
    monkeypatch.setattr(QMessageBox, "question", questions)
    return questions


async def post(url: str, payload: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(url, json=payload)


async def hook_ready(window: MainWindow, name: str) -> str:
    host = window.background.host
    await until(lambda: host.runtime is not None and host.runtime.runnable(name) is not None)
    status = next(s for s in host.statuses() if s.name == name)
    assert status.webhook_url is not None
    return status.webhook_url


async def test_closing_keeps_scenarios_running_in_the_tray_until_quit(
    new_window: Callable[[], MainWindow], workspace: Path, with_tray: Shown,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws = Workspace(workspace)
    activate_file(ws, write(workspace, greeter()))
    window = new_window()
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    host = window.background.host
    async with hosting(window):
        tray = window.background.tray
        assert tray is not None and tray.icon.isVisible()
        url = await hook_ready(window, "Greeter")
        questions = ask(monkeypatch, Button.Yes)

        assert not window.close()  # kept running in the tray
        assert len(questions.asked) == 1
        assert "Keep them running in the tray" in questions.asked[0]
        assert not window.isVisible() and host.owned and not closed
        assert load_settings(ws.state).keep_running_in_tray is True
        assert with_tray.messages[-1][0] == "Scenarist keeps running"

        assert (await post(url, {"name": "Ada"})).status_code == 200  # still serving
        await until(lambda: len(host.recent) == 1)
        tray.update_menu()
        assert tray.recent_texts()[0].startswith("✓ Greeter · success")

        tray.act_pause.trigger()  # Pause all: requests are taken, nothing runs
        assert host.paused and tray.act_pause.text() == "Resume"
        assert (await post(url, {"name": "Bob"})).status_code == 200
        panel = window.background.panel
        await until(lambda: (panel.refresh(), panel.text("Greeter", QUEUE))[1] == "1")
        assert len(host.recent) == 1
        tray.act_pause.trigger()  # Resume: the queued request runs
        await until(lambda: len(host.recent) == 2)
        assert not host.paused

        recent = tray.recent_menu.actions()[-1]  # the oldest: Ada's run
        assert recent.text().startswith("✓ Greeter · success")
        recent.trigger()  # opens the window on that run, as it was
        assert window.isVisible()
        await until(lambda: isinstance(window.tabs.currentWidget(), PastRunView))
        past = window.tabs.currentWidget()
        assert past.execution_id == host.recent[-1].finished.execution_id  # type: ignore[attr-defined]
        window.background.hide_to_tray()
        tray.act_open.trigger()
        assert window.isVisible()
        assert not window.close()  # hidden again, not asked again (remembered)
        assert len(questions.asked) == 1 and not window.isVisible()

        tray.act_quit.trigger()  # Quit: the runtime stops and the workspace is free
        await window.background.stopped()
        assert closed == [True]
        assert not host.owned and ws.owner() is None
        assert not tray.icon.isVisible()
        with pytest.raises(httpx.ConnectError):
            await post(url, {"name": "Eve"})


async def test_closing_without_keeping_them_quits_and_remembers(
    new_window: Callable[[], MainWindow], workspace: Path, with_tray: Shown,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws = Workspace(workspace)
    activate_file(ws, write(workspace, greeter()))
    window = new_window()
    async with hosting(window) as host:
        questions = ask(monkeypatch, Button.No)
        assert window.close()
        await window.background.stopped()
        assert len(questions.asked) == 1
        assert not host.owned and ws.owner() is None
        assert load_settings(ws.state).keep_running_in_tray is False


async def test_notifications_for_a_failed_run_and_a_switched_off_scenario(
    new_window: Callable[[], MainWindow], workspace: Path, with_tray: Shown,
) -> None:
    ws = Workspace(workspace)
    activate_file(ws, write(workspace, failing(max_errors=2)))
    window = new_window()
    async with hosting(window) as host:
        url = await hook_ready(window, "Parser")
        assert (await post(url, {"text": "not json"})).status_code == 200
        await until(lambda: len(host.recent) == 1)
        assert host.recent[0].finished.status == "error"
        title, text = with_tray.messages[-1]
        assert title == "“Parser” failed (webhook)"
        assert text.startswith("module 2: ")

        assert (await post(url, {"text": "still not json"})).status_code == 200
        await until(lambda: any("switched off" in t for t, _ in with_tray.messages))
        title, reason = with_tray.messages[-1]
        assert title == "“Parser” was switched off"
        assert "2 consecutive runs failed" in reason
        entry = find(ws.state, "Parser")
        assert entry is not None and not entry.active
        panel = window.background.panel
        panel.refresh()
        assert not panel.switch("Parser").isChecked()
        assert panel.text("Parser", NEXT) == "off: 2 consecutive runs failed"
        # The second failure came within a minute of the first: told once, with the switch-off.
        assert [t for t, _ in with_tray.messages].count("“Parser” failed (webhook)") == 1


async def test_no_notifications_when_the_setting_is_off(
    new_window: Callable[[], MainWindow], workspace: Path, with_tray: Shown,
) -> None:
    ws = Workspace(workspace)
    activate_file(ws, write(workspace, failing()))
    window = new_window()
    window.background.act_notify.trigger()  # Background → Notify me of failed runs: off
    assert load_settings(ws.state).notifications is False
    async with hosting(window) as host:
        url = await hook_ready(window, "Parser")
        assert (await post(url, {"text": "not json"})).status_code == 200
        await until(lambda: len(host.recent) == 1)
        assert host.recent[0].finished.status == "error"
        assert with_tray.messages == []


async def test_without_a_tray_the_window_says_so_and_asks_before_stopping(
    new_window: Callable[[], MainWindow], workspace: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws = Workspace(workspace)
    activate_file(ws, write(workspace, greeter()))
    window = new_window()
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen: a bare X server's case
    async with hosting(window) as host:
        assert window.background.tray is None
        assert "No system tray on this desktop" in window.background.panel.header.text()
        url = await hook_ready(window, "Greeter")

        questions = ask(monkeypatch, Button.No)
        assert not window.close()  # the user keeps the window (and the scenarios) open
        assert "has no system tray" in questions.asked[0]
        assert "stops 1 active scenario" in questions.asked[0]
        assert window.isVisible() and host.owned
        assert (await post(url, {"name": "Ada"})).status_code == 200
        await until(lambda: len(host.recent) == 1)

        ask(monkeypatch, Button.Yes)
        assert window.close()
        await window.background.stopped()
        assert not host.owned and ws.owner() is None


async def test_a_second_window_names_the_owner_runs_once_and_never_fires_twice(
    new_window: Callable[[], MainWindow], workspace: Path,
) -> None:
    ws = Workspace(workspace)
    path = write(workspace, greeter())
    activate_file(ws, path)
    first = new_window()
    async with hosting(first) as owner:
        second = new_window()
        async with hosting(second) as other:
            assert not other.owned
            assert other.busy is not None and other.busy.pid == os.getpid()
            header = second.background.panel.header.text()
            assert f"the Scenarist window (pid {os.getpid()}" in header
            panel = second.background.panel
            assert panel.names() == ["Greeter"] and panel.switch("Greeter").isChecked()
            url = await hook_ready(first, "Greeter")
            assert panel.text("Greeter", 4) == url  # the owner's port

            editor = second.open_file(path)
            assert editor is not None
            session = editor.debugger  # type: ignore[attr-defined]
            session.run_once({"body": {"name": "Run once"}})
            result = await session.wait()
            assert result is not None and result.status == "success"

            assert (await post(url, {"name": "Ada"})).status_code == 200
            await until(lambda: len(owner.recent) == 1)
            await asyncio.sleep(1.5)  # time for a second runtime to fire too, if it did
            assert len(owner.recent) == 1 and len(other.recent) == 0
            assert owner.runtime is not None and owner.runtime.history_writer is not None
            owner.runtime.history_writer.flush(5)
            history = open_history_engine(workspace)
            try:
                runs = list_executions(history, workspace)
            finally:
                history.dispose()
            # The Run once and the owner's one background run: nothing fired twice.
            assert sorted(r["id"] for r in runs) == sorted(
                [session.controller.execution_id, owner.recent[0].finished.execution_id])


@pytest.mark.usefixtures("free_port", "app_decides_when_to_quit")
async def test_open_background_starts_in_the_tray_and_sigterm_quits_cleanly(
    qtbot: QtBot, workspace: Path, with_tray: Shown, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws = Workspace(workspace)
    activate_file(ws, write(workspace, greeter()))
    before = signal.getsignal(signal.SIGTERM)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    offered: list[bool] = []  # restoring autosaved changes asks the user
    monkeypatch.setattr(window, "offer_restores", lambda: offered.append(True))
    app = asyncio.ensure_future(application._serve(window, None, background=True))
    try:
        await until(lambda: signal.getsignal(signal.SIGTERM) is not before)
        assert not window.isVisible()  # `scenarist open --background`: in the tray only
        tray = window.background.tray
        assert tray is not None and tray.icon.isVisible()
        url = await hook_ready(window, "Greeter")
        assert (await post(url, {"name": "Ada"})).status_code == 200
        await until(lambda: len(window.background.host.recent) == 1)
        assert offered == []  # nobody to ask while the app starts hidden
        tray.act_open.trigger()
        tray.act_open.trigger()
        assert window.isVisible() and offered == [True]  # asked once, with the window up

        terminate = signal.getsignal(signal.SIGTERM)
        assert callable(terminate)
        terminate(signal.SIGTERM, None)  # as when the user logs out
        assert await asyncio.wait_for(app, 30) == 0
        assert ws.owner() is None and not window.background.host.owned
    finally:
        signal.signal(signal.SIGTERM, before)
        if not app.done():
            window.quit()
            await asyncio.wait_for(app, 30)


@pytest.mark.usefixtures("free_port", "app_decides_when_to_quit")
async def test_open_background_without_a_tray_shows_the_window(
    qtbot: QtBot, workspace: Path,
) -> None:
    before = signal.getsignal(signal.SIGTERM)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    app = asyncio.ensure_future(application._serve(window, None, background=True))
    try:
        await until(lambda: window.background.host.owned)
        assert window.isVisible()  # nowhere else to be
        window.quit()
        assert await asyncio.wait_for(app, 30) == 0
        assert Workspace(workspace).owner() is None
    finally:
        signal.signal(signal.SIGTERM, before)


async def test_a_window_takes_the_workspace_over_when_its_owner_quits(
    new_window: Callable[[], MainWindow], workspace: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.gui.runtime import background

    monkeypatch.setattr(background, "TAKEOVER_MS", 100)
    ws = Workspace(workspace)
    activate_file(ws, write(workspace, greeter()))
    first = new_window()
    async with hosting(first) as owner:
        second = new_window()
        async with hosting(second) as other:
            assert other.busy is not None and not other.owned
            await asyncio.sleep(0.5)  # the owner is alive: nothing is taken over
            assert not other.owned and owner.owned

            await owner.stop()  # the first window quits
            await until(lambda: other.owned, timeout=10)
            assert other.busy is None and ws.owner() is not None
            assert "stopped; this window runs the active scenarios now" in (
                second.statusBar().currentMessage())
            url = await hook_ready(second, "Greeter")
            assert (await post(url, {"name": "Ada"})).status_code == 200
            await until(lambda: len(other.recent) == 1)
            assert other.recent[0].finished.status == "success"
