"""Edit ▸ Settings as a user changes it: the theme repaints at once, a new webhook port
moves the running server, a shorter history removes old runs, and every choice is still
there after a restart (it is stored in the workspace)."""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.cli import main as cli
from app.gui.app_settings import AppSettingsDialog, show_app_settings
from app.gui.main_window import MainWindow
from app.gui.theme import palette_for
from tests.gui.debugger.helpers import until
from tests.gui.runtime.conftest import greeter, hosting, write

MakeWindow = Callable[[], MainWindow]


@pytest.fixture(autouse=True)
def light_again() -> Iterator[None]:
    """The palette is the application's: later tests start light again."""
    yield
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setPalette(palette_for("light"))


def window_colour() -> int:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app.palette().color(QPalette.ColorRole.Window).lightness()


def settings_of(window: MainWindow) -> AppSettingsDialog:
    assert window.act_app_settings is not None and window.act_app_settings.shortcuts()
    window.act_app_settings.trigger()  # Edit ▸ Settings…
    dialog = window.app_settings_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_theme_repaints_the_window_at_once(new_window: MakeWindow) -> None:
    window = new_window()
    assert window_colour() > 200  # Make's light look
    dialog = settings_of(window)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    assert window_colour() < 80
    assert "#1b1a22" in window.styleSheet()
    dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
    assert window_colour() > 200


def test_settings_are_still_there_after_a_restart(new_window: MakeWindow) -> None:
    window = new_window()
    dialog = settings_of(window)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.history_days.setValue(7)
    dialog.notifications.setChecked(False)
    dialog.timezone.setCurrentIndex(dialog.timezone.findData("Europe/Prague"))
    dialog.binding.setCurrentIndex(dialog.binding.findData("0.0.0.0"))
    assert "every computer" in dialog.status.text()  # the binding says what it exposes
    dialog.close()
    window.close()
    QApplication.instance().setPalette(palette_for("light"))  # type: ignore[union-attr]

    again = new_window()
    assert window_colour() < 80  # the stored theme applies at start
    reopened = show_app_settings(again)
    assert reopened.theme.currentData() == "dark"
    assert reopened.history_days.value() == 7
    assert not reopened.notifications.isChecked()
    assert reopened.timezone.currentData() == "Europe/Prague"
    assert reopened.binding.currentData() == "0.0.0.0"


async def test_a_new_webhook_port_moves_the_running_server(
        new_window: MakeWindow, workspace: Path) -> None:
    path = write(workspace, greeter())
    window = new_window()
    async with hosting(window) as host:
        assert host.owned
        await host.activate(path)
        runtime = host.runtime
        assert runtime is not None
        await until(lambda: runtime.runnable("Greeter") is not None)  # its hook is served
        dialog = settings_of(window)
        target = free_tcp_port()
        dialog.port.setValue(target)
        assert dialog.task is not None
        await dialog.task
        assert host.port == target
        url = next(s for s in host.statuses() if s.name == "Greeter").webhook_url
        assert url is not None and url.startswith(f"http://127.0.0.1:{target}/hook/")
        async with httpx.AsyncClient() as client:
            answer = await client.post(url, json={"name": "Ada"})
        assert answer.status_code == 200

        with socket.socket() as taken:  # a port in use: said, and the server stays put
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            dialog.port.setValue(taken.getsockname()[1])
            assert dialog.task is not None
            await dialog.task
        assert "choose another port" in dialog.status.text()
        assert host.port == target


def test_a_shorter_history_removes_old_runs_at_once(
        new_window: MakeWindow, workspace: Path, tmp_path: Path) -> None:
    blueprint = tmp_path / "greeter.json"
    blueprint.write_text(json.dumps(greeter()))
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"body": {"name": "Ada"}}))
    for _ in range(2):
        assert cli(["run", str(blueprint), "--input", str(request),
                    "--data-dir", str(workspace)]) == 0
    old = (datetime.now(UTC) - timedelta(days=20)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(workspace / "history.db") as db:
        first = db.execute("SELECT id FROM execution ORDER BY started_at LIMIT 1").fetchone()
        db.execute("UPDATE execution SET started_at = ? WHERE id = ?", (old, first[0]))
    window = new_window()
    dialog = settings_of(window)
    dialog.history_days.setValue(10)
    assert "Removed 1 run older than 10 days" in dialog.status.text()
    with sqlite3.connect(workspace / "history.db") as db:
        assert db.execute("SELECT count(*) FROM execution").fetchone()[0] == 1


def test_another_workspace_folder_opens_from_the_next_start(
        new_window: MakeWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.store import workspace as where

    monkeypatch.setattr(where, "location_file", lambda: tmp_path / "config" / "workspace.json")
    window = new_window()
    monkeypatch.delenv("SCENARIST_HOME")  # as a user starting it from the desktop
    dialog = settings_of(window)
    dialog.change_workspace(tmp_path / "elsewhere")
    assert dialog.next_workspace.text() == (
        f"From the next start, Scenarist opens {(tmp_path / 'elsewhere').resolve()}.")
    assert where.resolve_workspace() == (tmp_path / "elsewhere").resolve()
    assert window.workspace == Path(dialog.workspace.text())  # this window keeps its own
