"""The array aggregator's "Aggregated fields": name + mapped value rows, one undo step each."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.gui.document import ScenarioDocument
from app.gui.panels.settings import SettingsPanel


def aggregator_panel(qtbot, doc: ScenarioDocument, module_id: int) -> SettingsPanel:  # noqa: ANN001
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_module(module_id)
    assert panel.aggregated_fields is not None
    return panel


def test_a_new_field_enters_the_mapper_once_named_and_undo_removes_it(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    panel = aggregator_panel(qtbot, doc, 4)
    fields = panel.aggregated_fields
    steps = doc.undo_stack.count()
    QTest.mouseClick(fields.add_button, Qt.MouseButton.LeftButton)
    row = fields.rows[-1]
    QTest.keyClicks(row.value, "{{2.qty}}")  # typed before the name: kept in the row
    assert doc.undo_stack.count() == steps
    QTest.keyClicks(row.name, "qty")
    row.name.editingFinished.emit()
    assert doc.node(4).mapper == {"line": "{{3.value}}", "qty": "{{2.qty}}"}
    assert doc.undo_stack.count() == steps + 1
    QTest.keyClicks(row.value, " pcs")
    assert doc.node(4).mapper["qty"] == "{{2.qty}} pcs"
    assert doc.undo_stack.count() == steps + 2  # the keystrokes merge into one step
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.node(4).mapper == {"line": "{{3.value}}"}
    assert [r.name.text() for r in panel.aggregated_fields.rows] == ["line"]


def test_renaming_keeps_the_place_and_value_in_one_step(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    doc.set_field(4, "mapper", ("qty",), "{{2.qty}}")
    panel = aggregator_panel(qtbot, doc, 4)
    [line, _qty] = panel.aggregated_fields.rows
    line.name.selectAll()
    QTest.keyClicks(line.name, "text")
    line.name.editingFinished.emit()
    assert list(doc.node(4).mapper.items()) == [("text", "{{3.value}}"), ("qty", "{{2.qty}}")]
    doc.undo_stack.undo()
    assert list(doc.node(4).mapper) == ["line", "qty"]
    assert panel.aggregated_fields.rows[0].name.text() == "line"


def test_a_duplicate_name_is_refused_and_remove_clears_the_key(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    panel = aggregator_panel(qtbot, doc, 4)
    fields = panel.aggregated_fields
    row = fields.add_row()
    QTest.keyClicks(row.name, "line")
    row.name.editingFinished.emit()
    assert "already an aggregated field" in panel.status.text()
    assert doc.node(4).mapper == {"line": "{{3.value}}"}
    QTest.mouseClick(fields.rows[0].remove, Qt.MouseButton.LeftButton)
    assert doc.node(4).mapper == {}
    doc.undo_stack.undo()
    assert doc.node(4).mapper == {"line": "{{3.value}}"}
