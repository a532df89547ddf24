"""The If-else Merge's "Merged outputs": a name and one mapping per merging branch; after
the Merge, `{{<merge id>.<name>}}` is the mapping of the branch that ran."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.gui.document import ScenarioDocument
from app.gui.panels.merge_outputs import NOT_MERGING
from app.gui.panels.settings import SettingsPanel
from engine.blueprint import Blueprint, ModuleNode
from engine.context import RunServices
from engine.edits.commands import EditError, set_merge_outputs
from engine.executor.events import OperationFinished
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan


def merge_panel(qtbot, doc: ScenarioDocument, module_id: int = 5) -> SettingsPanel:  # noqa: ANN001
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_module(module_id)
    assert panel.merge_outputs is not None
    return panel


def run_after_merge(blueprint: Blueprint, priority: str, expression: str) -> Any:
    """Run the scenario with the HTTP call replaced by a Compose that maps `expression`
    after the Merge; its output is what a module after the Merge reads."""
    bp = Blueprint.model_validate(blueprint.to_json_obj())
    bp.flow[-1] = ModuleNode.model_validate({
        "id": 6, "module": "util:ComposeTransformer", "version": 1, "parameters": {},
        "mapper": {"value": expression},
    })
    seen: dict[int, list[dict[str, Any]]] = {}

    def listen(event: object) -> None:
        if isinstance(event, OperationFinished):
            seen.setdefault(event.module_id, []).extend(event.outputs)

    services = RunServices(webhook_request={
        "body": {"orderId": "A-1", "priority": priority}, "headers": {}, "method": "POST",
        "query": {},
    })
    result = asyncio.run(run_plan(compile_plan(bp), services, [listen]))
    assert result.status == "success"
    return seen[6][0]["value"]


def test_shows_each_output_with_one_mapping_per_merging_branch(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("if-else-merge")
    panel = merge_panel(qtbot, doc)
    box = panel.merge_outputs
    assert box.branches == ["High priority", "Else"]
    [row] = box.rows
    assert row.name.text() == "message"
    assert row.texts() == ["{{3.value}}", "{{4.value}}"]
    form = row.layout().itemAt(1).layout()
    assert [form.labelForField(m).text() for m in row.mappings] == ["High priority", "Else"]
    assert box.add_button.isVisible()


def test_typing_adding_and_removing_outputs_are_undoable_steps(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("if-else-merge")
    panel = merge_panel(qtbot, doc)
    box = panel.merge_outputs
    steps = doc.undo_stack.count()
    else_mapping = box.rows[0].mappings[1]
    else_mapping.setFocus()
    else_mapping.moveCursor(else_mapping.textCursor().MoveOperation.End)
    QTest.keyClicks(else_mapping, " (late)")
    assert [o.mappings for o in doc.node(5).outputs] == [["{{3.value}}", "{{4.value}} (late)"]]
    assert doc.undo_stack.count() == steps + 1  # seven keystrokes, one undo step

    QTest.mouseClick(box.add_button, Qt.MouseButton.LeftButton)
    new = box.rows[-1]
    QTest.keyClicks(new.mappings[0], "fast")  # typed before the name: kept in the row
    assert len(doc.node(5).outputs) == 1
    QTest.keyClicks(new.name, "speed")
    new.name.editingFinished.emit()
    assert [(o.name, o.mappings) for o in doc.node(5).outputs] == [
        ("message", ["{{3.value}}", "{{4.value}} (late)"]), ("speed", ["fast", ""])]
    assert doc.undo_stack.count() == steps + 2

    QTest.mouseClick(panel.merge_outputs.rows[1].remove, Qt.MouseButton.LeftButton)
    assert [o.name for o in doc.node(5).outputs] == ["message"]
    doc.undo_stack.undo()
    assert [o.name for o in doc.node(5).outputs] == ["message", "speed"]
    assert [r.name.text() for r in panel.merge_outputs.rows] == ["message", "speed"]
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.node(5).outputs[0].mappings == ["{{3.value}}", "{{4.value}}"]
    assert panel.merge_outputs.rows[0].texts() == ["{{3.value}}", "{{4.value}}"]


def test_the_edited_mapping_is_what_follows_the_merge(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("if-else-merge")
    panel = merge_panel(qtbot, doc)
    box = panel.merge_outputs
    row = box.rows[0]
    row.name.selectAll()
    QTest.keyClicks(row.name, "note")
    row.name.editingFinished.emit()
    row.mappings[1].selectAll()
    QTest.keyClicks(row.mappings[1], "Later: {{1.orderId}}")
    assert run_after_merge(doc.blueprint, "low", "{{5.note}}") == "Later: A-1"
    assert run_after_merge(doc.blueprint, "high", "{{5.note}}") == (
        "Expedited: order A-1 ships today")


def test_a_merge_not_after_an_if_else_shows_how_to_link_it(qtbot, empty_document) -> None:  # noqa: ANN001
    doc = empty_document
    doc.add_module("gateway:CustomWebHook", 0, 0)
    merge = doc.add_module("builtin:BasicMerge", 300, 0)
    panel = merge_panel(qtbot, doc, merge)
    box = panel.merge_outputs
    assert box.hint.text() == NOT_MERGING
    assert box.rows == [] and not box.add_button.isVisible()


def test_duplicate_names_are_refused_without_a_change(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("if-else-merge")
    panel = merge_panel(qtbot, doc)
    row = panel.merge_outputs.add_row()
    QTest.keyClicks(row.name, "message")
    row.name.editingFinished.emit()
    assert "already a merged output" in panel.status.text()
    assert len(doc.node(5).outputs) == 1
    with pytest.raises(EditError):
        set_merge_outputs(doc.blueprint, 5, [{"name": "a", "mappings": []},
                                             {"name": "a", "mappings": []}])
    with pytest.raises(EditError):
        set_merge_outputs(doc.blueprint, 3, [])  # a Compose, not a Merge
