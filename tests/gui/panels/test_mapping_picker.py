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


def webhook_then(doc, module_type: str, mapper: dict | None = None) -> int:  # noqa: ANN001
    first = doc.add_module("gateway:CustomWebHook", 0, 0)
    second = doc.append_after(first, module_type)
    for key, value in (mapper or {}).items():
        doc.set_field(second, "mapper", (key,), value)
    return second


def test_a_plain_webhook_offers_no_headers_or_method(qtbot, empty_document) -> None:  # noqa: ANN001
    doc = empty_document
    http = webhook_then(doc, "http:MakeRequest")
    picker, _ = picker_and_editor(qtbot, doc, http)
    assert picker.field_item(1, "__IMTMETHOD__") is None
    assert picker.field_item(1, "__IMTHEADERS__") is None
    doc.set_field(1, "parameters", ("method",), True)  # "Get request HTTP method"
    method = picker.field_item(1, "__IMTMETHOD__")
    assert method is not None and method.text(0) == "Method"


def test_outputs_are_known_before_any_run_from_the_settings(qtbot, empty_document) -> None:  # noqa: ANN001
    doc = empty_document
    variables = webhook_then(doc, "util:SetVariables", {"variables": [
        {"name": "total", "value": "1"}, {"name": "first name", "value": "Ada"}]})
    after = doc.append_after(variables, "util:ComposeTransformer")
    picker, editor = picker_and_editor(qtbot, doc, after)
    item = picker.field_item(variables, "first name")
    assert item is not None and picker.field_item(variables, "total") is not None
    click(picker, item)
    assert editor.text() == "{{2.`first name`}}"
    assert picker.tree.state() != picker.tree.State.EditingState  # inserted, not edited
    QTest.mouseDClick(picker.tree.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier,
                      picker.tree.visualItemRect(item).center())
    assert picker.tree.state() != picker.tree.State.EditingState
    assert not item.flags() & Qt.ItemFlag.ItemIsEditable


def test_an_iterator_outputs_the_items_of_the_array_it_splits(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    doc.node(1).metadata["interface"] = [
        {"name": "items", "type": "array", "label": "Items",
         "spec": [{"name": "name", "type": "text", "label": "Name"},
                  {"name": "qty", "type": "number", "label": "Quantity"}]},
    ]
    picker, _ = picker_and_editor(qtbot, doc, 3)  # after the iterator (2)
    qty = picker.field_item(2, "qty")
    assert qty is not None and qty.text(0) == "Quantity"
    assert picker.field_item(2, "__IMTINDEX__") is not None


def test_mapped_fields_show_as_labelled_pills(qtbot, empty_document) -> None:  # noqa: ANN001
    from app.gui.panels.settings import SettingsPanel

    doc = empty_document
    doc.add_module("gateway:CustomWebHook", 0, 0)
    doc.set_field(1, "parameters", ("method",), True)
    compose = doc.append_after(1, "util:ComposeTransformer")
    doc.set_field(compose, "mapper", ("value",), "Got {{1.__IMTMETHOD__}}")
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_module(compose)
    field = panel.editor_for("mapper", "value").editor  # type: ignore[union-attr]
    assert field.text() == "Got {{1.__IMTMETHOD__}}"  # the blueprint keeps Make's IML
    assert field.pills() == [(4, 23, "1. Method")]  # drawn as Make's pill "1. Method"
    field.setFocus()
    cursor = field.textCursor()
    cursor.setPosition(10)
    field.setTextCursor(cursor)
    if field.hasFocus():  # editing inside it shows the IML itself
        assert field.pills() == []
