"""`scenarist open` and the bare `scenarist` command, run as the user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path("/work/shared/corpus/blueprints")
ROUTED = CORPUS / (
    "amrit-dash__Make-Automation-Projects__DSM Bot__Webhook based DSM Reply Bot - Amrit.json"
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def scenarist(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SCENARIST_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90,
    )


def png_size(data: bytes) -> tuple[int, int]:
    # IHDR is the first chunk: width and height are big-endian at bytes 16..24.
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_open_with_screenshot_writes_a_png_and_exits(tmp_path: Path) -> None:
    scenario = tmp_path / "dsm bot.blueprint.json"
    scenario.write_bytes(ROUTED.read_bytes())
    out = tmp_path / "shots" / "editor.png"
    home = tmp_path / "home"
    done = scenarist("open", str(scenario), "--screenshot", str(out), home=home)
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = png_size(data)
    assert width >= 800 and height >= 500
    # Opened in place: neither copied into the workspace nor rewritten.
    assert scenario.read_bytes() == ROUTED.read_bytes()
    assert not any((home / "scenarios").glob("*.json"))


def test_open_refuses_a_missing_file(tmp_path: Path) -> None:
    done = scenarist("open", str(tmp_path / "nope.json"), home=tmp_path / "home")
    assert done.returncode == 2
    assert "nope.json" in done.stderr


def test_help_never_imports_qt(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from app.cli import main\n"
        "for argv in (['--help'], ['open', '--help'], ['run', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('QT LOADED' if any(m.startswith(('PySide6', 'qasync')) for m in sys.modules)"
        " else 'NO QT')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "open" in done.stdout and "--screenshot" in done.stdout
    assert done.stdout.strip().endswith("NO QT")


def test_the_screenshot_window_never_reaches_past_the_screen(qtbot) -> None:  # noqa: ANN001
    """On a 1600×1000 screen a 1920×1080 window was cut: the window fits the screen."""
    from PySide6.QtWidgets import QMainWindow

    from app.gui.application import fit_frame_on_screen, place_window

    window = QMainWindow()
    qtbot.addWidget(window)
    area = window.screen().availableGeometry()
    place_window(window, (area.width() + 320, area.height() + 80))
    window.show()
    fit_frame_on_screen(window)
    assert window.width() <= area.width() and window.height() <= area.height()
    assert area.contains(window.frameGeometry())
    place_window(window, (200, 150))  # smaller than the screen: as asked
    assert (window.width(), window.height()) == (200, 150)
