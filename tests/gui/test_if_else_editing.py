"""If-else branches on the canvas: a branch link's funnel edits the branch's condition, and
its menu makes it the Else branch."""

from __future__ import annotations

from app.gui.document import ScenarioDocument, empty_blueprint
from app.gui.editor import ScenarioEditor


def editor_with_if_else(qtbot) -> tuple[ScenarioEditor, dict[str, int]]:
    document = ScenarioDocument(empty_blueprint("Branches"))
    editor = ScenarioEditor(document)
    qtbot.addWidget(editor)
    ids = {name: document.add_module(module, 0, 0) for name, module in [
        ("hook", "gateway:CustomWebHook"), ("if", "builtin:BasicIfElse"),
        ("a", "util:ComposeTransformer"), ("b", "util:ComposeTransformer")]}
    document.connect(ids["hook"], ids["if"])
    document.connect(ids["if"], ids["a"])
    document.connect(ids["if"], ids["b"])
    return editor, ids


def test_branch_funnel_edits_the_condition_in_one_undo_step(qtbot):
    editor, ids = editor_with_if_else(qtbot)
    document = editor.document
    condition = {"name": "High", "conditions": [[{"a": "{{1.p}}", "o": "text:equal", "b": "high"}]]}
    editor.view.scene().condition_requested.emit(ids["if"], 0)
    dialog = editor.filter_dialog
    assert dialog is not None and dialog.name.text() == "Condition 1"
    assert dialog.picker is not None  # the mapping panel beside it
    dialog.set_filter(condition)
    dialog.accept()
    branch = document.node(ids["if"]).branches[0]
    assert branch.label == "High"
    assert branch.conditions[0][0].o == "text:equal"
    document.undo_stack.undo()
    assert document.node(ids["if"]).branches[0].conditions == []


def test_branch_menu_makes_the_else_branch(qtbot):
    editor, ids = editor_with_if_else(qtbot)
    link = next(x for x in editor.document.graph().links if x.kind == "branch" and x.index == 0)
    menu = editor.view.scene().link_menu(link)
    action = next(a for a in menu.actions() if a.text() == "Make this the Else branch")
    action.trigger()
    types = [b.type for b in editor.document.node(ids["if"]).branches]
    assert types == ["condition", "else"]
    assert [b.flow[0].id for b in editor.document.node(ids["if"]).branches] == [ids["b"], ids["a"]]
