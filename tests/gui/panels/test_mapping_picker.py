"""The mapping picker: upstream outputs (closed loops hidden), functions, insertion."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTreeWidgetItem, QVBoxLayout, QWidget

from app.gui.panels.iml_editor import ImlEditor
from app.gui.panels.mapping_picker import MappingPicker, function_groups, reference

_windows: list[QWidget] = []  # kept alive for the test (qtbot closes them afterwards)


def picker_and_editor(qtbot, doc, module_id: int) -> tuple[MappingPicker, ImlEditor]:  # noqa: ANN001
    window = QWidget()
    _windows[:] = [window]
    qtbot.addWidget(window)
    picker = MappingPicker(window)
    editor = ImlEditor(window, single_line=True)
    layout = QVBoxLayout(window)
    layout.addWidget(editor)
    layout.addWidget(picker)
    window.resize(400, 900)
    window.show()
    qtbot.waitExposed(window)
    picker.set_document(doc)
    picker.set_module(module_id)
    QTest.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton)  # the user was here last
    return picker, editor


def click(picker: MappingPicker, item: QTreeWidgetItem) -> None:
    picker.tree.scrollToItem(item)
    rect = picker.tree.visualItemRect(item)
    QTest.mouseClick(picker.tree.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())


def test_aggregator_output_is_listed_and_the_closed_loop_is_not(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    picker, editor = picker_and_editor(qtbot, doc, 5)
    modules = picker.module_items()
    assert list(modules) == [4, 2, 1]  # nearest first; 3 is inside the closed loop
    assert modules[4].text(0) == "4. Array aggregator"
    item = picker.field_item(4, "array")
    assert item is not None
    click(picker, item)
    assert editor.text() == "{{4.array}}"


def test_a_sample_bundle_wins_and_arrays_expand_to_item_fields(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    picker, editor = picker_and_editor(qtbot, doc, 5)
    picker.set_sample(4, {"array": [{"line": "a × 1", "Unit price": 3}]})
    array = picker.field_item(4, "array")
    item_node = array.child(0)
    fields = {item_node.child(i).text(0): item_node.child(i) for i in range(item_node.childCount())}
    assert set(fields) == {"line", "Unit price"}
    array.setExpanded(True)
    item_node.setExpanded(True)
    click(picker, fields["Unit price"])
    assert editor.text() == "{{4.array[].`Unit price`}}"


def test_exported_interface_is_used_when_there_is_no_sample(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    doc.node(1).metadata["interface"] = [
        {"name": "items", "type": "array", "label": "Items",
         "spec": [{"name": "name", "type": "text"}, {"name": "qty", "type": "number"}]},
    ]
    picker, _ = picker_and_editor(qtbot, doc, 3)
    items = picker.field_item(1, "items")
    assert items.child(0).child(1).toolTip(0) == "{{1.items[].qty}}"


def test_clicking_a_function_inserts_it_inside_the_expression(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    picker, editor = picker_and_editor(qtbot, doc, 5)
    QTest.keyClicks(editor, "{{")
    functions = picker.tree.findItems("join()", Qt.MatchFlag.MatchRecursive)
    assert len(functions) == 1
    functions[0].parent().setExpanded(True)
    functions[0].parent().parent().setExpanded(True)
    click(picker, functions[0])
    assert editor.text() == "{{join("


def test_function_library_is_grouped_by_family() -> None:
    groups = function_groups()
    assert list(groups)[:5] == ["general", "math", "text", "date", "array"]
    assert "if" in groups["general"] and "formatDate" in groups["date"]
    assert "round" in groups["math"] and "join" in groups["array"]


def test_references_backtick_segments_that_need_it() -> None:
    assert reference(1, ["Customer Name"]) == "{{1.`Customer Name`}}"
    path = ["choices", "[]", "message", "content"]
    assert reference(7, path) == "{{7.choices[].message.content}}"
    assert reference(2, ["__IMTINDEX__"]) == "{{2.__IMTINDEX__}}"
    assert reference(3, ["0"]) == "{{3.`0`}}"
