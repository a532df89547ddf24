"""The main window as a Make user meets it: workspace list, tabs, import, save, close
prompts, clipboard across tabs, autosave and restore."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.document import ScenarioDocument
from app.gui.main_window import MainWindow
from engine.loading import load_blueprint

CORPUS = Path("/work/shared/corpus/blueprints")
ROUTED = CORPUS / (
    "6302Mohamed__make-automation-projects__project-01-agency-intake-routing__"
    "project-01-blueprint-sanitized-reference.json"
)
Button = QMessageBox.StandardButton


class Answers:
    """Stands in for QMessageBox's static dialogs: records each question, gives an answer."""

    def __init__(self, answer: QMessageBox.StandardButton = Button.Cancel) -> None:
        self.answer = answer
        self.asked: list[str] = []
        self.errors: list[str] = []

    def question(self, _parent: Any, title: str, text: str, *_args: Any) -> Any:
        self.asked.append(f"{title}: {text}")
        return self.answer

    def critical(self, _parent: Any, title: str, text: str, *_args: Any) -> Any:
        self.errors.append(f"{title}: {text}")
        return Button.Ok


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    stub = Answers()
    monkeypatch.setattr(QMessageBox, "question", stub.question)
    monkeypatch.setattr(QMessageBox, "critical", stub.critical)
    return stub


@pytest.fixture
def window(qtbot: QtBot, workspace: Path, answers: Answers) -> MainWindow:
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.show()
    return win


def imported(window: MainWindow, source: Path = ROUTED) -> Path:
    target = window.workspace_panel.import_blueprint(source)
    assert target is not None
    dialog = window.import_dialog  # the export's Google connections: mapped later
    if dialog is not None and dialog.isVisible():
        dialog.reject()
    return target


def tab_texts(window: MainWindow) -> list[str]:
    return [window.tabs.tabText(i) for i in range(window.tabs.count())]


def make_dirty(window: MainWindow) -> ScenarioDocument:
    editor = window.current_editor()
    assert editor is not None
    module_id = min(editor.document.graph().modules)
    editor.document.move_modules({module_id: (1234.0, 567.0)})
    return editor.document


def test_window_lists_the_workspace_scenarios(qtbot: QtBot, workspace: Path) -> None:
    scenarios = workspace / "scenarios"
    scenarios.mkdir()
    shutil.copy(ROUTED, scenarios / "Lead routing.blueprint.json")
    (scenarios / "notes.txt").write_text("not a scenario")
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    assert win.workspace_panel.names() == ["Lead routing"]
    assert win.tabs.count() == 0
    assert not win.act_save.isEnabled()  # nothing to save without a tab


def test_new_creates_a_scenario_tab_and_file(window: MainWindow, workspace: Path) -> None:
    window.act_new.trigger()
    window.act_new.trigger()
    assert tab_texts(window) == ["New scenario", "New scenario 2"]
    assert window.workspace_panel.names() == ["New scenario", "New scenario 2"]
    saved = load_blueprint(workspace / "scenarios" / "New scenario 2.blueprint.json")
    assert saved.name == "New scenario 2"
    assert window.act_save.isEnabled()


def test_import_of_a_make_export_opens_it(window: MainWindow, workspace: Path) -> None:
    target = imported(window)
    assert target.parent == workspace / "scenarios"
    assert target.read_bytes() == ROUTED.read_bytes()  # Make's own file, nothing lost
    editor = window.current_editor()
    assert editor is not None
    expected = load_blueprint(ROUTED)
    assert editor.document.blueprint.to_json_obj() == expected.to_json_obj()
    assert tab_texts(window) == [expected.name]
    assert not editor.document.dirty
    assert expected.name in window.workspace_panel.names()


def test_broken_import_names_the_problem_and_writes_nothing(
    window: MainWindow, workspace: Path, tmp_path: Path, answers: Answers
) -> None:
    broken = tmp_path / "broken.json"
    text = json.dumps({"name": "Broken", "flow": [
        {"id": 1, "module": "json:ParseJSON", "version": 1},
        {"id": 2, "module": "builtin:BasicRouter", "version": 1, "routes": "bad"},
    ]})
    broken.write_text(text)
    assert window.workspace_panel.import_blueprint(broken) is None
    [error] = answers.errors
    assert str(broken) in error
    assert "Module: 2" in error
    assert "flow[1].routes" in error
    assert broken.read_text() == text
    assert list((workspace / "scenarios").iterdir()) == []
    assert window.tabs.count() == 0


def test_save_and_reload_gives_an_equal_blueprint(window: MainWindow) -> None:
    path = imported(window)
    document = make_dirty(window)
    document.rename("Routing, edited")
    window.act_save.trigger()
    assert not document.dirty
    reloaded = ScenarioDocument.open(path)
    assert reloaded.blueprint.to_json_obj() == document.blueprint.to_json_obj()
    assert reloaded.blueprint.name == "Routing, edited"
    assert reloaded.graph().modules[min(reloaded.graph().modules)].x == 1234.0


def test_dirty_tab_is_marked_and_closing_asks(window: MainWindow, answers: Answers) -> None:
    path = imported(window)
    on_disk = path.read_bytes()
    name = tab_texts(window)[0]
    document = make_dirty(window)
    assert tab_texts(window) == [f"{name} •"]

    answers.answer = Button.Cancel
    assert not window.close_current_tab()
    assert window.tabs.count() == 1 and document.dirty
    assert len(answers.asked) == 1 and name in answers.asked[0]

    answers.answer = Button.Discard
    assert window.close_current_tab()
    assert window.tabs.count() == 0
    assert path.read_bytes() == on_disk  # discarded, file untouched


def test_closing_the_window_saves_when_asked(window: MainWindow, answers: Answers) -> None:
    path = imported(window)
    document = make_dirty(window)
    answers.answer = Button.Cancel
    assert not window.close()
    assert window.isVisible()
    answers.answer = Button.Save
    assert window.close()
    assert load_blueprint(path).to_json_obj() == document.blueprint.to_json_obj()


def test_clean_tab_closes_without_asking(window: MainWindow, answers: Answers) -> None:
    imported(window)
    assert window.close_current_tab()
    assert answers.asked == []


def test_copy_paste_across_tabs(window: MainWindow) -> None:
    imported(window)
    source = window.current_editor()
    assert source is not None
    first = min(source.document.graph().modules)
    source.select_modules([first])
    assert source.selection == [first]
    window.act_copy.trigger()

    window.act_new.trigger()
    target = window.current_editor()
    assert target is not None and target is not source
    window.act_paste.trigger()
    pasted = target.document.graph().modules
    assert [m.module for m in pasted.values()] == [source.document.graph().modules[first].module]
    assert target.document.dirty
    window.act_undo.trigger()  # the paste is one undo step in the target tab only
    assert target.document.graph().modules == {}
    assert first in source.document.graph().modules


def test_autosave_writes_dirty_scenarios_and_restore_offers_them(
    qtbot: QtBot, window: MainWindow, workspace: Path, answers: Answers
) -> None:
    path = imported(window)
    document = make_dirty(window)
    window.autosaver.timer.setInterval(20)
    window.autosaver.start()
    folder = workspace / "autosave"
    qtbot.waitUntil(lambda: folder.exists() and any(folder.iterdir()), timeout=3000)
    window.autosaver.timer.stop()
    edited = document.blueprint.to_json_obj()

    # A crash: the first window never closes. The next start offers the copy.
    answers.answer = Button.Yes
    after_crash = MainWindow(workspace)
    qtbot.addWidget(after_crash)
    assert after_crash.offer_restores() == 1
    assert "Restore" in answers.asked[-1]
    restored = after_crash.current_editor()
    assert restored is not None
    assert restored.document.path == path
    assert restored.document.dirty  # restored changes are not saved yet
    assert restored.document.blueprint.to_json_obj() == edited
    assert after_crash.tabs.tabText(0).endswith("•")

    after_crash.act_save.trigger()
    assert list(folder.iterdir()) == []  # saved: the copy is gone
    assert load_blueprint(path).to_json_obj() == edited


def test_declined_restore_keeps_the_copy_in_the_trash(
    qtbot: QtBot, window: MainWindow, workspace: Path, answers: Answers
) -> None:
    imported(window)
    make_dirty(window)
    [copy] = window.autosaver.save_now()
    answers.answer = Button.No
    after_crash = MainWindow(workspace)
    qtbot.addWidget(after_crash)
    assert after_crash.offer_restores() == 0
    assert after_crash.tabs.count() == 0
    assert (workspace / "trash" / copy.name).exists()
    assert after_crash.autosaver.pending() == []


def test_saved_file_newer_than_its_copy_is_not_offered(
    window: MainWindow, workspace: Path
) -> None:
    imported(window)
    make_dirty(window)
    window.autosaver.save_now()
    window.act_save.trigger()
    assert window.autosaver.pending() == []


def test_workspace_duplicate_rename_delete(window: MainWindow, workspace: Path) -> None:
    panel = window.workspace_panel
    original = imported(window)
    name = load_blueprint(original).name
    copy = panel.duplicate(original)
    assert copy is not None and load_blueprint(copy).name == f"{name} (copy)"

    renamed = panel.rename(copy, "Leads v2")
    assert renamed == workspace / "scenarios" / "Leads v2.blueprint.json"
    assert not copy.exists() and load_blueprint(renamed).name == "Leads v2"

    trashed = panel.delete(renamed)
    assert trashed is not None and trashed.parent == workspace / "trash"
    assert load_blueprint(trashed).name == "Leads v2"
    assert "Leads v2" not in panel.names()


def test_renaming_an_open_dirty_scenario_asks_first(
    window: MainWindow, answers: Answers
) -> None:
    path = imported(window)
    make_dirty(window)
    answers.answer = Button.Cancel
    assert window.workspace_panel.rename(path, "Other") is None
    assert path.exists() and window.tabs.count() == 1

    answers.answer = Button.Save
    renamed = window.workspace_panel.rename(path, "Other")
    assert renamed is not None and not path.exists()
    editor = window.current_editor()
    assert editor is not None and editor.document.path == renamed
    assert editor.document.name == "Other"
    assert editor.document.graph().modules[min(editor.document.graph().modules)].x == 1234.0


def test_find_module_centres_and_selects_it(window: MainWindow, qtbot: QtBot) -> None:
    imported(window)
    editor = window.current_editor()
    assert editor is not None
    wanted = max(editor.document.graph().modules)
    dialog = window.find_module()
    assert dialog is not None
    qtbot.keyClicks(dialog.search, str(wanted))
    assert dialog.results.currentItem().text().startswith(f"{wanted} ")
    dialog.search.returnPressed.emit()
    assert editor.selection == [wanted]
    assert not dialog.isVisible()


def test_palette_double_click_adds_the_module_near_the_view_centre(window: MainWindow) -> None:
    editor = window.new_scenario()
    palette: Any = editor.palette
    item = palette.item_for("json:ParseJSON")
    palette.tree.itemDoubleClicked.emit(item, 0)
    [module] = editor.document.graph().modules.values()
    assert module.module == "json:ParseJSON"
    cx, cy = editor.view_centre()
    assert abs(module.x - cx) < 300 and abs(module.y - cy) < 300
    assert editor.selection == [module.id]


def test_filter_request_opens_the_filter_editor_and_sets_the_filter(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.gui.panels import FilterEditor

    condition = {"a": "{{1.tier}}", "o": "text:equal", "b": "vip"}
    wanted = {"name": "Only VIP", "conditions": [[condition]]}

    editor = window.new_scenario()
    first = editor.document.add_module("json:ParseJSON", 0, 0)
    second = editor.document.append_after(first, "util:SetVariable2")
    editor.canvas.filter_requested.emit(second)
    dialog = editor.filter_dialog
    assert isinstance(dialog, FilterEditor)
    dialog.set_filter(wanted)
    dialog.accept()
    node_filter = editor.document.node(second).filter
    assert node_filter is not None and node_filter.name == "Only VIP"
    window.act_undo.trigger()
    assert editor.document.node(second).filter is None


def test_plus_after_a_module_appends_the_chosen_module(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QPointF

    from app.gui.panels import ModuleChooser

    monkeypatch.setattr(ModuleChooser, "choose", classmethod(lambda *_: "util:SetVariable2"))
    editor = window.new_scenario()
    first = editor.document.add_module("json:ParseJSON", 0, 0)
    editor.canvas.add_after_requested.emit(first, QPointF(40, 0))
    link = editor.document.graph().links_from(first)
    assert len(link) == 1
    assert editor.document.graph().modules[link[0].target].module == "util:SetVariable2"


def test_canvas_errors_reach_the_status_bar(window: MainWindow) -> None:
    editor = window.new_scenario()
    editor.canvas.error.emit("a router needs at least one route")
    assert "a router needs at least one route" in window.statusBar().currentMessage()
