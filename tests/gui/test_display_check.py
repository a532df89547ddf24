"""`scenarist` where no window can open says why and exits 2 (Qt itself would abort with a
core dump, exit 134, blaming libxcb-cursor0)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.gui.display_check import XCB_LIBRARIES, display_problem

ROOT = Path(__file__).resolve().parents[2]
NO_DISPLAY = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def scenarist(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in NO_DISPLAY}
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT,
                          env={**clean, "SCENARIST_HOME": str(home), **env},
                          capture_output=True, text=True, timeout=60)


def test_without_a_display_scenarist_says_so_and_exits_2(tmp_path: Path) -> None:
    done = scenarist(home=tmp_path / "home")
    assert done.returncode == 2, done.stderr
    assert "no display" in done.stderr and "DISPLAY" in done.stderr
    assert "scenarist run FILE" in done.stderr and "scenarist check" in done.stderr
    assert "xvfb-run" in done.stderr


def test_an_unusable_x_display_exits_2_with_the_reason(tmp_path: Path) -> None:
    # Nothing serves display :97 here; either the xcb libraries are missing (then they are
    # named with their packages) or the X server refuses: never Qt's abort.
    done = scenarist("open", home=tmp_path / "home", DISPLAY=":97")
    assert done.returncode == 2, done.stderr
    assert ("apt-get install" in done.stderr or "cannot connect to the X display :97"
            in done.stderr), done.stderr
    assert "scenarist run FILE" in done.stderr


def test_a_screenshot_needs_no_display(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    done = scenarist("open", "--screenshot", str(out), home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\x89PNG")
    assert "rendered offscreen" in done.stderr


def test_missing_libraries_are_named_with_their_packages() -> None:
    absent = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    problem = display_problem({"DISPLAY": ":0"}, "linux",
                              load=lambda lib: "not found" if lib in absent else None,
                              connect=lambda _d: True)
    assert problem is not None
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in problem
    assert "libxcb-cursor0" in problem  # says Qt's message is wrong about it


def test_a_library_a_newer_qt_needs_is_named_from_the_plugin() -> None:
    def load(lib: str) -> str | None:
        if lib.endswith("libqxcb.so"):
            return "libxcb-future.so.2: cannot open shared object file: No such file"
        return None

    problem = display_problem({"DISPLAY": ":0"}, "linux", load=load, connect=lambda _d: True)
    assert problem is not None and "libxcb-future.so.2" in problem


def test_what_needs_no_check() -> None:
    def fail(_x: str) -> str:
        raise AssertionError("nothing to probe")

    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", load=fail) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", load=fail) is None
    assert display_problem({}, "darwin", load=fail) is None
    assert display_problem({"DISPLAY": ":0"}, "linux", load=lambda _l: None,
                           connect=lambda _d: True) is None
    assert display_problem({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux",
                           load=lambda _l: None, connect=lambda _d: False) is not None
    assert "libxcb-cursor.so.0" in XCB_LIBRARIES
