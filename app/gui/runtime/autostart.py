"""Start at login (the `start_at_login` setting): the platform's own mechanism starts
`scenarist open --background` on this workspace, hidden in the tray.

- Linux and other XDG desktops: ~/.config/autostart/scenarist.desktop ($XDG_CONFIG_HOME);
- macOS: a LaunchAgent, ~/Library/LaunchAgents/app.scenarist.plist;
- Windows: the user's Run key in the registry.
"""

from __future__ import annotations

import os
import plistlib
import sys
from pathlib import Path

DESKTOP_NAME = "scenarist.desktop"
AGENT = "app.scenarist"
RUN_VALUE = "Scenarist"


def command(workspace: Path) -> list[str]:
    """What starts the app hidden in the tray on `workspace` (this installation's)."""
    script = Path(sys.executable).with_name("scenarist.exe" if os.name == "nt" else "scenarist")
    start = [str(script)] if script.exists() else [sys.executable, "-m", "app"]
    return [*start, "open", "--background", "--data-dir", str(workspace)]


def autostart_file() -> Path:
    if sys.platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / f"{AGENT}.plist"
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart" / DESKTOP_NAME


def _exec_quote(argument: str) -> str:
    """An argument of a desktop entry's Exec key (the Desktop Entry Specification)."""
    if argument and not any(c in argument for c in ' \t\n"\'\\><~|&;$*?#()`%'):
        return argument
    escaped = "".join(f"\\{c}" if c in '"`$\\' else c for c in argument)
    return f'"{escaped.replace("%", "%%")}"'


def desktop_entry(workspace: Path) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=Scenarist",
        "Comment=Runs your active scenarios in the background (tray)",
        "Exec=" + " ".join(_exec_quote(a) for a in command(workspace)),
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        "",
    ])


def enable(workspace: Path) -> Path | None:
    """Start at login; the file written (None: the Windows registry)."""
    if sys.platform == "win32":
        import subprocess
        import winreg

        with winreg.OpenKey(winreg.HKEY_CURRENT_USER,
                            r"Software\Microsoft\Windows\CurrentVersion\Run", 0,
                            winreg.KEY_SET_VALUE) as key:
            winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ,
                              subprocess.list2cmdline(command(workspace)))
        return None
    target = autostart_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    if sys.platform == "darwin":
        target.write_bytes(plistlib.dumps({"Label": AGENT, "RunAtLoad": True,
                                           "ProgramArguments": command(workspace)}))
    else:
        target.write_text(desktop_entry(workspace), encoding="utf-8")
    return target


def disable() -> None:
    if sys.platform == "win32":
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER,
                                r"Software\Microsoft\Windows\CurrentVersion\Run", 0,
                                winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, RUN_VALUE)
        except FileNotFoundError:
            pass
        return
    autostart_file().unlink(missing_ok=True)


def apply(on: bool, workspace: Path) -> Path | None:
    """Make the platform agree with the setting."""
    if on:
        return enable(workspace)
    disable()
    return None
