"""Start at login on Linux: the Background menu's switch writes and removes an XDG autostart
entry (under $XDG_CONFIG_HOME) that starts this installation hidden in the tray."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from app.gui.main_window import MainWindow
from app.gui.runtime import autostart
from engine.runtime import Workspace, load_settings


def test_start_at_login_writes_and_removes_the_autostart_entry(
    new_window: Callable[[], MainWindow], workspace: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "config with space"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    entry = config / "autostart" / "scenarist.desktop"
    window = new_window()
    window.background.act_login.trigger()
    assert load_settings(Workspace(workspace).state).start_at_login is True
    text = entry.read_text()
    assert "[Desktop Entry]" in text and "Type=Application" in text
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    argv = shlex.split(exec_line.removeprefix("Exec="))
    assert argv[-4:] == ["open", "--background", "--data-dir", str(workspace)]
    assert Path(argv[0]).exists()  # this installation's command

    window.background.act_login.trigger()
    assert load_settings(Workspace(workspace).state).start_at_login is False
    assert not entry.exists()


def test_the_entry_command_knows_background(tmp_path: Path) -> None:
    """What the entry runs is a command this version understands."""
    argv = autostart.command(tmp_path)
    done = subprocess.run([*argv[: argv.index("open")], "open", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "--background" in done.stdout


def test_exec_arguments_are_quoted_as_the_desktop_spec_says() -> None:
    assert autostart._exec_quote("/usr/bin/scenarist") == "/usr/bin/scenarist"
    assert autostart._exec_quote("/home/a b/ws") == '"/home/a b/ws"'
    assert autostart._exec_quote('/x/"q"$') == '"/x/\\"q\\"\\$"'
    assert autostart._exec_quote("50%") == '"50%%"'
