"""The settings form: generated from declarations, every edit through the document."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QToolButton

from app.gui.document import ScenarioDocument
from app.gui.panels.fields import (
    ArrayField,
    BooleanField,
    CollectionField,
    ConnectionField,
    ImlField,
    ModuleRefField,
    NumberField,
    SelectField,
)
from app.gui.panels.settings import NO_FALLBACK, OTHER_FIELDS, UNSUPPORTED, SettingsPanel
from engine.blueprint import Blueprint


def panel_for(qtbot, doc: ScenarioDocument, module_id: int) -> SettingsPanel:  # noqa: ANN001
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_module(module_id)
    return panel


def added(doc: ScenarioDocument, module_type: str) -> int:
    return doc.add_module(module_type, 0, 0)


def label_texts(panel: SettingsPanel) -> list[str]:
    return [w.text() for w in panel.scroll.widget().findChildren(QLabel)]


def test_http_make_request_form(qtbot, empty_document) -> None:  # noqa: ANN001
    module_id = added(empty_document, "http:MakeRequest")
    panel = panel_for(qtbot, empty_document, module_id)
    assert panel.title.text() == "Make a request"
    assert "ID 1" in panel.subtitle.text()
    assert isinstance(panel.editor_for("parameters", "authenticationType"), SelectField)
    assert isinstance(panel.editor_for("parameters", "oAuthAccount"), ConnectionField)
    assert isinstance(panel.editor_for("mapper", "url"), ImlField)
    assert isinstance(panel.editor_for("mapper", "method"), SelectField)
    assert isinstance(panel.editor_for("mapper", "headers"), ArrayField)
    assert isinstance(panel.editor_for("mapper", "parseResponse"), BooleanField)
    assert isinstance(panel.editor_for("mapper", "timeout"), NumberField)
    assert any("URL" in t and "*" in t for t in label_texts(panel))  # required is marked
    # Advanced fields wait behind Make's "Show advanced settings".
    tls = panel.editor_for("parameters", "tlsType")
    assert not tls.isVisibleTo(panel)
    panel.advanced_toggle.setChecked(True)
    assert tls.isVisibleTo(panel)


def test_set_variable_iterator_and_data_store_forms(qtbot, empty_document) -> None:  # noqa: ANN001
    doc = empty_document
    set_var, feeder, add_record = (
        added(doc, t) for t in ("util:SetVariable2", "builtin:BasicFeeder", "datastore:AddRecord")
    )
    panel = panel_for(qtbot, doc, set_var)
    assert isinstance(panel.editor_for("mapper", "name"), ImlField)
    scope = panel.editor_for("mapper", "scope")
    assert isinstance(scope, SelectField)
    assert [scope.combo.itemText(i) for i in range(1, scope.combo.count())] == [
        "One cycle", "One execution",
    ]
    assert isinstance(panel.editor_for("mapper", "value"), ImlField)

    panel.show_module(feeder)
    assert isinstance(panel.editor_for("mapper", "array"), ArrayField)

    panel.show_module(add_record)
    datastore = panel.editor_for("parameters", "datastore")
    assert isinstance(datastore, ConnectionField)
    assert isinstance(panel.editor_for("mapper", "data"), CollectionField)
    assert isinstance(panel.editor_for("mapper", "overwrite"), BooleanField)
    assert "Left empty, a unique key is generated." in panel.editor_for("mapper", "key").toolTip()


def test_typing_is_one_undo_step_and_undo_restores_the_form(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    panel = panel_for(qtbot, doc, 5)
    url = panel.editor_for("mapper", "url").editor
    assert url.text() == "https://stub.invalid/order-summaries"
    steps = doc.undo_stack.count()
    url.moveCursor(url.textCursor().MoveOperation.End)
    QTest.keyClicks(url, "/v2")
    assert doc.node(5).mapper["url"] == "https://stub.invalid/order-summaries/v2"
    assert doc.undo_stack.count() == steps + 1  # three keystrokes, one step
    doc.undo_stack.undo()
    assert doc.node(5).mapper["url"] == "https://stub.invalid/order-summaries"
    assert url.text() == "https://stub.invalid/order-summaries"
    doc.undo_stack.redo()
    assert url.text() == "https://stub.invalid/order-summaries/v2"


def test_an_iml_syntax_error_is_shown_inline_with_its_column(qtbot, empty_document) -> None:  # noqa: ANN001
    module_id = added(empty_document, "util:ComposeTransformer")
    panel = panel_for(qtbot, empty_document, module_id)
    field = panel.editor_for("mapper", "value")
    QTest.keyClicks(field.editor, "ab {{1.a +}}")
    assert field.message.isVisibleTo(panel)
    assert field.message.text() == "unexpected end of expression, expected a value (column 11)"
    assert field.editor.error().column == 11
    # The highlighter underlines from the error column.
    block = field.editor.document().firstBlock()
    underlined = [r.start for r in block.layout().formats()
                  if r.format.underlineStyle() == QTextCharFormat.UnderlineStyle.WaveUnderline]
    assert underlined and underlined[0] == 10  # 0-based: column 11, the "}}"
    field.editor.selectAll()
    QTest.keyClicks(field.editor, "ab {{1.a + 1}}")
    assert not field.message.isVisibleTo(panel)
    assert empty_document.node(module_id).mapper["value"] == "ab {{1.a + 1}}"


def test_a_required_empty_field_is_flagged(qtbot, empty_document) -> None:  # noqa: ANN001
    module_id = added(empty_document, "util:SetVariable2")
    panel = panel_for(qtbot, empty_document, module_id)
    name = panel.editor_for("mapper", "name")
    assert name.message.isVisibleTo(panel)
    assert name.message.text() == "This field is required."
    QTest.keyClicks(name.editor, "total")
    assert not name.message.isVisibleTo(panel)
    name.editor.selectAll()
    QTest.keyClick(name.editor, Qt.Key.Key_Delete)
    assert name.message.isVisibleTo(panel)


def test_array_items_are_added_edited_and_removed(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    panel = panel_for(qtbot, doc, 5)
    headers = panel.editor_for("mapper", "headers")
    assert doc.node(5).mapper["headers"] == []
    QTest.mouseClick(headers.add_button, Qt.MouseButton.LeftButton)
    assert doc.node(5).mapper["headers"] == [{}]
    QTest.mouseClick(headers.add_button, Qt.MouseButton.LeftButton)
    assert len(headers.rows) == 2
    name = headers.rows[1][1].editors["name"].editor
    QTest.keyClicks(name, "X-Trace")
    assert doc.node(5).mapper["headers"] == [{}, {"name": "X-Trace"}]
    remove = headers.rows[0][0].findChild(QToolButton, "remove_item")
    QTest.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert doc.node(5).mapper["headers"] == [{"name": "X-Trace"}]
    assert headers.rows[0][1].editors["name"].editor.text() == "X-Trace"
    doc.undo_stack.undo()
    assert len(headers.rows) == 2


def test_number_field_maps_with_the_toggle(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    panel = panel_for(qtbot, doc, 5)
    timeout = panel.editor_for("mapper", "timeout")
    QTest.keyClicks(timeout.spin.lineEdit(), "30")
    assert doc.node(5).mapper["timeout"] == 30
    QTest.mouseClick(timeout.map_button, Qt.MouseButton.LeftButton)
    assert timeout.mapped and doc.node(5).mapper["timeout"] == "30"
    timeout.iml.selectAll()
    QTest.keyClicks(timeout.iml, "{{4.array}}")
    assert doc.node(5).mapper["timeout"] == "{{4.array}}"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert not timeout.mapped and timeout.spin.value() == 30


def test_iterator_aggregator_module_4_shows_its_aggregated_fields(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    panel = panel_for(qtbot, doc, 4)
    assert not any(t == OTHER_FIELDS for t in _group_titles(panel))  # not "unknown" keys
    [line] = panel.aggregated_fields.rows
    assert (line.name.text(), line.value.text()) == ("line", "{{3.value}}")
    feeder = panel.editor_for("parameters", "feeder")
    assert isinstance(feeder, ModuleRefField)
    assert feeder.combo.currentText() == "2. Iterator"


def test_an_unknown_module_is_read_only_and_kept(qtbot, qapp) -> None:  # noqa: ANN001
    blueprint = Blueprint.model_validate({"name": "x", "flow": [{
        "id": 1, "module": "slack:PostMessage", "version": 3,
        "parameters": {"__IMTCONN__": 42}, "mapper": {"channel": "C1", "text": "{{now}}"},
        "metadata": {"designer": {"x": 0, "y": 0}},
    }]})
    doc = ScenarioDocument(blueprint)
    before = doc.to_json()
    panel = panel_for(qtbot, doc, 1)
    assert UNSUPPORTED in label_texts(panel)
    assert panel.json_view.isReadOnly()
    assert '"__IMTCONN__": 42' in panel.json_view.toPlainText()
    assert panel.editors == {}
    assert doc.to_json() == before and doc.undo_stack.count() == 0


def test_router_fallback_radio(qtbot, empty_document) -> None:  # noqa: ANN001
    doc = empty_document
    router = added(doc, "builtin:BasicRouter")
    first, second = added(doc, "util:ComposeTransformer"), added(doc, "util:SetVariable2")
    doc.connect(router, first)
    doc.connect(router, second)
    panel = panel_for(qtbot, doc, router)
    QTest.mouseClick(panel.fallback_group.button(1), Qt.MouseButton.LeftButton)
    assert doc.node(router).parameters["else"] == 1
    assert panel.fallback_group.checkedId() == 1
    doc.undo_stack.undo()
    assert "else" not in (doc.node(router).parameters or {})
    assert panel.fallback_group.checkedId() == NO_FALLBACK


def test_if_else_branch_conditions_edit_as_one_step(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("if-else-merge")
    panel = panel_for(qtbot, doc, 2)
    dialog = panel.branch_dialog(0)
    qtbot.addWidget(dialog)
    assert dialog.name.text() == "High priority"
    value: dict[str, Any] = dialog.filter_value()
    value["conditions"][0][0]["b"] = "urgent"
    panel.apply_branch(0, value)
    branch = doc.node(2).branches[0]
    assert branch.conditions[0][0].b == "urgent"
    doc.undo_stack.undo()
    assert doc.node(2).branches[0].conditions[0][0].b == "high"


def _group_titles(panel: SettingsPanel) -> list[str]:
    from PySide6.QtWidgets import QGroupBox

    return [g.title() for g in panel.scroll.widget().findChildren(QGroupBox)]


def test_credentials_show_only_for_the_chosen_authentication(qtbot, empty_document) -> None:  # noqa: ANN001
    module_id = added(empty_document, "http:MakeRequest")
    panel = panel_for(qtbot, empty_document, module_id)

    def shown() -> set[str]:
        return {name for (section, name), editor in panel.editors.items()
                if section == "parameters" and editor.isVisibleTo(panel)
                and name.endswith(("Keychain", "Account"))}

    assert shown() == set()  # no authentication chosen yet
    empty_document.set_field(module_id, "parameters", ("authenticationType",), "apiKey")
    assert shown() == {"apiKeyKeychain"}
    empty_document.set_field(module_id, "parameters", ("authenticationType",), "oAuth")
    assert shown() == {"oAuthAccount"}
    empty_document.undo_stack.undo()
    assert shown() == {"apiKeyKeychain"}
