"""A blueprint with problems opens, showing them (module, field, problem) above the canvas;
opening never writes the file, and a file no scenario can be read from is refused on stderr
(exit 2) where no one could click a message box away."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.editor import ScenarioEditor
from app.gui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
BASE = json.loads(
    Path("/work/shared/acceptance/cases/webhook-to-http/blueprint.json").read_text())


def variant(folder: Path, name: str, change: Any) -> Path:
    data = copy.deepcopy(BASE)
    change(data)
    path = folder / f"{name}.blueprint.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def rows(editor: ScenarioEditor) -> list[tuple[str, str, str]]:
    banner = editor.problems_banner
    return [tuple(banner.list.topLevelItem(i).text(c) for c in range(3))  # type: ignore[misc]
            for i in range(banner.list.topLevelItemCount())]


@pytest.fixture
def window(qtbot: QtBot, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, t, x, *_a: errors.append(x))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Discard)
    win = MainWindow(workspace)
    win.errors = errors  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    return win


def open_ok(window: MainWindow, path: Path) -> ScenarioEditor:
    before = path.read_bytes()
    editor = window.open_file(path)
    assert editor is not None, window.errors  # type: ignore[attr-defined]
    assert editor.problems_banner.isVisible()
    assert path.read_bytes() == before
    return editor


def test_duplicate_ids_open_with_both_modules_and_a_note(
    window: MainWindow, tmp_path: Path
) -> None:
    def twice(data: dict[str, Any]) -> None:
        data["flow"][1]["id"] = 1

    path = variant(tmp_path, "dup", twice)
    before = path.read_bytes()
    editor = open_ok(window, path)
    assert sorted(editor.canvas.modules) == [1, 2]  # both drawn, the second renumbered
    [(module, field, message)] = rows(editor)
    assert module.startswith("2 ") and field == "id"
    assert "module id 1 was used twice" in message and "saving writes" in message
    assert not editor.document.dirty
    assert "1 problem" in window.statusBar().currentMessage()
    window.close_current_tab()
    assert path.read_bytes() == before  # never written unasked
    editor = open_ok(window, path)
    window.save()  # asked: the new id is written, the note goes
    assert [m["id"] for m in json.loads(path.read_text())["flow"]] == [1, 2]
    assert rows(editor) == [] and editor.problems_banner.isHidden()


def test_unknown_modules_and_bad_mappings_are_listed_and_fixing_clears_them(
    window: MainWindow, tmp_path: Path
) -> None:
    def broken(data: dict[str, Any]) -> None:
        data["flow"][1]["mapper"]["url"] = "https://x/{{1.email"
        data["flow"][1]["filter"] = {"name": "f",
                                     "conditions": [[{"a": "{{1.x}}", "o": "nope"}]]}
        data["flow"].append({"id": 3, "module": "nosuchapp:CreateMessage", "version": 1,
                             "metadata": {"designer": {"x": 600, "y": 0}}})

    editor = open_ok(window, variant(tmp_path, "broken", broken))
    found = rows(editor)
    # The same words `scenarist check` and `run` use (one check serves all three).
    assert [r for r in found if "nope" in r[2]] == [
        ("2 · Make a request", "flow[1].filter.conditions[0][0].o",
         "filter operator 'nope' is not supported yet: the blueprint loads, and the filter "
         "fails when it is evaluated")]
    assert ("3 · nosuchapp:CreateMessage", "",
            "nosuchapp:CreateMessage is not supported yet: it can be edited and saved, not run"
            ) in found
    assert ("2 · Make a request", "flow[1].mapper.url",
            "column 11: '{{' is never closed by '}}' (fails when this module runs)") in found
    assert "3 problems" in editor.problems_banner.summary.text()

    listed = editor.problems_banner.list
    row = next(i for i, r in enumerate(found) if r[0].startswith("3 "))
    listed.itemClicked.emit(listed.topLevelItem(row), 0)
    assert editor.selection == [3]  # a row selects its module
    editor.document.set_field(2, "mapper", ("url",), "https://x/{{1.email}}")
    editor.document.set_filter(2, None)
    editor.document.delete_modules([3])
    editor.problems_banner.refresh()  # (the banner waits for typing to pause)
    assert rows(editor) == [] and editor.problems_banner.isHidden()
    editor.problems_banner.set_expanded(False)
    assert editor.problems_banner.toggle.text() == "Show list"


def test_a_file_with_no_scenario_in_it_is_still_refused(
    window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "half.blueprint.json"
    path.write_text('{"name": "x", "flow": [')
    assert window.open_file(path) is None
    [error] = window.errors  # type: ignore[attr-defined]
    assert "not valid JSON" in error and str(path) in error


def scenarist(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SCENARIST_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=90)


def test_screenshot_of_a_malformed_file_exits_2_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "half.blueprint.json"
    path.write_text('{"name": "x", "flow": [')
    for extra in ([], ["--run-once"]):
        done = scenarist("open", str(path), *extra, "--screenshot", str(tmp_path / "x.png"),
                         home=tmp_path / "home")
        assert done.returncode == 2, done.stderr
        assert f"{path}: not valid JSON" in done.stderr
        assert not (tmp_path / "x.png").exists()


def test_screenshot_of_a_file_with_problems_shows_them(tmp_path: Path) -> None:
    def twice(data: dict[str, Any]) -> None:
        data["flow"][1]["id"] = 1

    path = variant(tmp_path, "dup", twice)
    before = path.read_bytes()
    out = tmp_path / "dup.png"
    done = scenarist("open", str(path), "--screenshot", str(out), home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\x89PNG")
    assert "module id 1 was used twice" in done.stderr
    assert path.read_bytes() == before
